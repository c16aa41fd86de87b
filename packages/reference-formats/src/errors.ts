import { CodedError } from '@tcg2sim/binary-codec';

/** Why a reference could not be written. */
export type ReferenceErrorCode =
  /** A PCR selection string that does not parse (`--pcrs`). */
  | 'BAD_SELECTION'
  /** A selected bank or PCR the PCR values / event log do not have. */
  | 'MISSING_PCR'
  /** An event log record a format needs that is not as the specification says. */
  | 'BAD_EVENT';

/** A reference value that cannot be produced from the given input; `code` says why. */
export class ReferenceError extends CodedError<ReferenceErrorCode> {
  override readonly name = 'ReferenceError';
}
