/**
 * The transport the command layer talks to (docs/architecture.md §3): bytes in, bytes out. It has the same
 * shape as tpm2-command-lib's TpmTransport, so a driver can be handed to it directly.
 */

/** Carries one TPM command and returns the TPM's response. */
export interface TpmTransport {
  submit(command: Uint8Array): Promise<Uint8Array>;
}

/** Per-command options of the firmware drivers. */
export interface SubmitOptions {
  /**
   * The caller's response buffer size (EDK II's `*SizeOut`): a response whose header size is
   * larger fails with BAD_RESPONSE_SIZE and is never read past this many bytes.
   */
  readonly maxResponseSize?: number;
}

/** TPM_ST_RSP_COMMAND: the TPM 1.2 response tag EDK II's TPM 2.0 path refuses. */
export const TPM_ST_RSP_COMMAND = 0x00c4;

/** Size of a TPM response header (tag, paramSize, responseCode). */
export const RESPONSE_HEADER_SIZE = 10;

/** The big-endian u16 at `at`. */
export function be16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

/** The big-endian u32 at `at`. */
export function be32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

/** Throws a RangeError unless `command` is a Uint8Array of at least one byte. */
export function acommand(command: unknown): asserts command is Uint8Array {
  if (!(command instanceof Uint8Array)) throw new TypeError('"command" expected Uint8Array');
  if (command.length === 0) throw new RangeError('"command" expected at least one byte');
}
