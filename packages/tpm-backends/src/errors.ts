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

/**
 * The fewest bytes a backend delivers: the 10-byte command header (tag, commandSize, commandCode).
 * swtpm 0.7.1's data channel (SWTPM_IO_Read) keeps reading until it holds a whole header and only
 * then runs what it has, so a shorter command is never answered on its own: it waits, and is
 * merged with the bytes of the next command. libtpms itself would answer TPM_RC_INSUFFICIENT, but
 * it never sees such a command. Every backend refuses it with TRANSPORT instead, without sending
 * anything; QEMU's TIS/CRB then give the guest their fatal error response (tag 0x00C4, TPM_FAIL).
 */
export const MIN_COMMAND_BYTES = 10;

/** Refuses a command shorter than {@link MIN_COMMAND_BYTES} (TpmBackendError TRANSPORT). */
export function aframeable(command: Uint8Array): void {
  if (command.length < MIN_COMMAND_BYTES) {
    throw new TpmBackendError('TRANSPORT', `a ${command.length}-byte command is shorter than the ${MIN_COMMAND_BYTES}-byte command header swtpm's data channel frames commands by`);
  }
}
