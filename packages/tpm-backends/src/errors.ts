/**
 * TpmBackendError: a backend could not deliver a command (the TPM itself answering with an error
 * is a normal response, not this error).
 */
import { Tcg2Error } from '@tcg2sim/binary-codec';
import type { TpmBackendErrorCode } from './backend.ts';

/** A backend failure with a machine-readable `code` (branch on it, never on the message). */
export class TpmBackendError extends Tcg2Error {
  override readonly name = 'TpmBackendError';
  readonly code: TpmBackendErrorCode;

  constructor(code: TpmBackendErrorCode, message: string, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}

/** Asserts `locality` is 0-4 (PTP §5.5 localities); TpmBackendError BAD_LOCALITY otherwise. */
export function alocality(locality: number): void {
  if (!Number.isInteger(locality) || locality < 0 || locality > 4) {
    throw new TpmBackendError('BAD_LOCALITY', `locality ${locality} is not 0-4`);
  }
}
