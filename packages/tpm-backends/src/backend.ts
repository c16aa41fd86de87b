/**
 * The TpmBackend contract (docs/architecture.md §3): what sits behind the TIS/CRB registers. The soft TPM
 * and swtpm both implement it, and the same test suites run against both.
 *
 * A backend behaves like the TPM chip plus its power and reset lines, as QEMU's tpm-emulator
 * backend drives swtpm over its control channel (CMD_INIT, CMD_SET_LOCALITY, CMD_CANCEL_TPM_CMD,
 * CMD_HASH_START/DATA/END, CMD_SHUTDOWN).
 */
export interface TpmBackend {
  /** Short name for diagnostics (`soft`, `swtpm`, `transcript`). */
  readonly kind: string;

  /**
   * Power the TPM on (or reset it: TPM_Init). A TPM that was shut down with
   * TPM2_Shutdown(STATE) keeps its saved state for the next Startup(STATE).
   * Idempotent when already on.
   */
  powerOn(): Promise<void>;

  /** Remove power. Volatile state is lost; NV and saved state survive. */
  powerOff(): Promise<void>;

  /**
   * Send one command at `locality` (0-4) and resolve with the response bytes. Any bytes of at
   * least a command header (10) are accepted: malformed commands get a TPM error response, never
   * a rejection. Rejects only on a transport failure (e.g. swtpm died) or a command shorter than
   * its header, which swtpm cannot frame (TRANSPORT, see `MIN_COMMAND_BYTES`), with a
   * TpmBackendError.
   */
  transmit(command: Uint8Array, locality: number): Promise<Uint8Array>;

  /** Ask the TPM to cancel the command in progress (a no-op when nothing runs). */
  cancel(): Promise<void>;

  /**
   * The H-CRTM sequence at locality 4 (TPM_HASH_START / TPM_HASH_DATA / TPM_HASH_END, PTP §
   * "Locality 4"): the TPM hashes `data` in every active bank and sets PCR0 from it.
   */
  hcrtm(data: Uint8Array): Promise<void>;

  /**
   * Optional: the TPM's I/O buffer size as the interface sets it before power-on (QEMU sends
   * swtpm CMD_SET_BUFFERSIZE: 4096 for tpm-tis, 0xF80 for tpm-crb). Leaves the TPM powered off.
   * @returns the size in effect
   */
  setBufferSize?(size: number): Promise<number>;

  /** Release every resource (process, sockets, files). Safe to call more than once. */
  close(): Promise<void>;
}

/** Why a backend could not deliver a command. */
export type TpmBackendErrorCode =
  | 'NOT_POWERED'
  | 'TRANSPORT'
  | 'PROCESS_EXITED'
  | 'TIMEOUT'
  | 'CLOSED'
  | 'TRANSCRIPT_MISMATCH'
  | 'BAD_LOCALITY';
