import { Tcg2Error } from '@tcg2sim/binary-codec';

/** Why a log cannot be verified against a prediction. */
export type VerifyErrorCode = 'NO_COMMON_BANK' | 'LIMIT_EXCEEDED' | 'NOT_CRYPTO_AGILE';

/** A log and a prediction that cannot be compared (not a divergence: nothing to compare). */
export class VerifyError extends Tcg2Error {
  override readonly name = 'VerifyError';
  readonly code: VerifyErrorCode;

  constructor(code: VerifyErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
