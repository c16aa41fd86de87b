import { Tcg2Error } from '@tcg2sim/binary-codec';

/** Why a variable-store operation failed. */
export type VarStoreErrorCode =
  /** The NV firmware volume header is not a valid FV header. */
  | 'BAD_FV_HEADER'
  /** The FV is not an NV data FV (FileSystemGuid is not gEfiSystemNvDataFvGuid). */
  | 'NOT_NV_FV'
  /** VARIABLE_STORE_HEADER: unknown signature, not formatted/healthy, or Size out of range. */
  | 'BAD_STORE_HEADER'
  /** The FTW working block / spare area does not fit the FV. */
  | 'BAD_LAYOUT'
  /** A record's header, name or data reaches past the end of the store. */
  | 'RECORD_OVERRUN'
  /** A record field holds a value EDK II would never write (for example an odd NameSize). */
  | 'BAD_RECORD'
  /** The FTW work queue cannot be walked (a loop EDK II would hang in, or a bad size). */
  | 'BAD_FTW_QUEUE'
  /** The variable does not exist. */
  | 'NOT_FOUND'
  /** The variable does not fit, even after reclaim. */
  | 'OUT_OF_RESOURCES'
  /** Bad argument values for SetVariable (empty name, …) in data terms. */
  | 'INVALID_PARAMETER'
  /** The simulated power was cut: flash stops programming here. */
  | 'POWER_LOSS';

/**
 * A variable-store failure. `offset` is the absolute byte offset in the image the failure is
 * about (-1 when it is not about a place in the image); `structure` names the structure there.
 */
export class VarStoreError extends Tcg2Error {
  override readonly name = 'VarStoreError';
  readonly code: VarStoreErrorCode;
  readonly offset: number;
  readonly structure: string;
  /** The message without the structure and offset decorations. */
  readonly detail: string;

  constructor(code: VarStoreErrorCode, structure: string, detail: string, offset = -1, options?: ErrorOptions) {
    super(`${structure}: ${detail}${offset >= 0 ? ` (offset 0x${offset.toString(16)})` : ''}`, options);
    this.code = code;
    this.offset = offset;
    this.structure = structure;
    this.detail = detail;
  }
}
