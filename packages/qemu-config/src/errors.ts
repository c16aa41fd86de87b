import { CodedError } from '@tcg2sim/binary-codec';

/** Why a QEMU command line or libvirt domain could not be taken. */
export type QemuConfigErrorCode =
  /** The shell words do not split (unterminated quote, shell syntax we do not run). */
  | 'BAD_SHELL'
  /** A QEMU option or its value does not parse, or is unknown. */
  | 'BAD_OPTION'
  /** The libvirt domain XML does not parse or lacks what a VM needs. */
  | 'BAD_XML'
  /** The VM parses but has something that changes measurements and predict does not model. */
  | 'NOT_MODELLED'
  /** Input larger than the parser accepts. */
  | 'LIMIT_EXCEEDED';

/**
 * A typed error naming where the input went wrong: `where` is the option as written
 * (`-device e1000e,netdev=n0`) or an XML path (`domain/devices/interface[0]`), `offset` the
 * character offset in the command line or XML text when known.
 */
export class QemuConfigError extends CodedError<QemuConfigErrorCode> {
  override readonly name = 'QemuConfigError';
  readonly where: string | undefined;
  readonly offset: number | undefined;
  constructor(code: QemuConfigErrorCode, message: string, at: { where?: string; offset?: number } = {}, options?: ErrorOptions) {
    super(code, message, options);
    this.where = at.where;
    this.offset = at.offset;
  }
}
