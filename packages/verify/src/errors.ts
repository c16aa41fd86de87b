import { CodedError } from '@tcg2sim/binary-codec';

/** Why a log cannot be verified against a prediction. */
export type VerifyErrorCode = 'NO_COMMON_BANK' | 'LIMIT_EXCEEDED' | 'NOT_CRYPTO_AGILE';

/** A log and a prediction that cannot be compared (not a divergence: nothing to compare). */
export class VerifyError extends CodedError<VerifyErrorCode> {
  override readonly name = 'VerifyError';
}
