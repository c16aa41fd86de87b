import { Tcg2Error } from '@tcg2sim/binary-codec';
import type { DecodeErrorCode, DecodePath , DecodeError} from '@tcg2sim/binary-codec';

/**
 * A log that cannot be read past some record. Names the record (`eventIndex`, counted like
 * tpm2_eventlog's EventNum: the header event is 0), where that record starts (`eventOffset`)
 * and the exact byte where reading failed (`offset`), both absolute in the input.
 */
export class EventLogError extends Tcg2Error {
  override readonly name = 'EventLogError';
  readonly code: DecodeErrorCode;
  readonly eventIndex: number;
  readonly eventOffset: number;
  readonly offset: number;
  readonly path: DecodePath;

  constructor(code: DecodeErrorCode, detail: string, eventIndex: number, eventOffset: number, offset: number, path: DecodePath, options?: ErrorOptions) {
    const where = path.length > 0 ? ` ${path.join('.')}:` : '';
    super(`event ${eventIndex} (record at offset ${eventOffset}):${where} ${detail} (offset ${offset})`, options);
    this.code = code;
    this.eventIndex = eventIndex;
    this.eventOffset = eventOffset;
    this.offset = offset;
    this.path = path;
  }

  /** Wraps a DecodeError raised while reading record `eventIndex`. */
  static from(err: DecodeError, eventIndex: number, eventOffset: number): EventLogError {
    return new EventLogError(err.code, err.detail, eventIndex, eventOffset, err.offset, err.path, { cause: err });
  }
}
