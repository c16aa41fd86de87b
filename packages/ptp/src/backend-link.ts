/**
 * How a device model hands an assembled command to its TpmBackend and gets the answer back
 * asynchronously, the way QEMU's tpm_backend_deliver_request / request_completed pair does.
 */
import type { TpmBackend } from '@tcg2sim/tpm-backends';

/**
 * The response QEMU's tpm-emulator backend writes when swtpm cannot be reached
 * (`tpm_util_write_fatal_error_response`): TPM_TAG_RSP_COMMAND (0x00C4), size 10,
 * TPM_FAIL (9). A TPM 2.0 driver rejects it because of the 1.2 tag.
 */
export const FATAL_ERROR_RESPONSE: Uint8Array = Uint8Array.of(0x00, 0xc4, 0, 0, 0, 0x0a, 0, 0, 0, 0x09);

/** Reads the big-endian size field of a TPM command or response header (bytes 2..5). */
export function headerSize(buf: Uint8Array): number {
  return (((buf[2] ?? 0) << 24) | ((buf[3] ?? 0) << 16) | ((buf[4] ?? 0) << 8) | (buf[5] ?? 0)) >>> 0;
}

/**
 * Called with a promise that settles once the device has taken the backend's answer. Wire it to
 * {@link VirtualClock.waitFor} for a backend that runs in real time (swtpm), so the driver's
 * polling waits for it instead of running into a timeout in virtual time.
 */
export type BackendCallHook = (settled: Promise<void>) => void;

/** The outcome of one backend round trip. */
export interface BackendResult {
  readonly response: Uint8Array;
  /** The backend rejected (crashed, closed): `response` is {@link FATAL_ERROR_RESPONSE}. */
  readonly failed: boolean;
  readonly error?: unknown;
}

/**
 * One command in flight at a time. `generation` changes on reset so a response arriving after a
 * reset is dropped, as QEMU drains the backend (tpm_backend_reset) before resetting registers.
 */
export class BackendLink {
  readonly backend: TpmBackend;
  #generation = 0;
  #inFlight: Promise<void> | undefined;
  #lastError: unknown;

  readonly #onCall: BackendCallHook | undefined;

  constructor(backend: TpmBackend, onCall?: BackendCallHook) {
    this.backend = backend;
    this.#onCall = onCall;
  }

  /** True while the backend is computing a response. */
  get busy(): boolean {
    return this.#inFlight !== undefined;
  }

  /** What the backend last rejected with (diagnostics). */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Resolves once nothing is in flight. */
  async settled(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
  }

  /** Forget the command in flight: its response will be dropped. */
  reset(): void {
    this.#generation++;
    this.#inFlight = undefined;
  }

  /**
   * Sends `command` at `locality`; `done` runs later (never synchronously) with the result,
   * unless the link was reset meanwhile.
   */
  deliver(command: Uint8Array, locality: number, done: (r: BackendResult) => void): void {
    const gen = this.#generation;
    const p = this.backend.transmit(command, locality).then(
      (response): BackendResult => ({ response, failed: false }),
      (error: unknown): BackendResult => ({ response: FATAL_ERROR_RESPONSE, failed: true, error })
    );
    const tracked = p.then((r) => {
      if (gen !== this.#generation) return;
      this.#inFlight = undefined;
      if (r.failed) this.#lastError = r.error;
      done(r);
    });
    this.#inFlight = tracked;
    this.#onCall?.(tracked);
  }

  /** Asks the backend to cancel the command in flight; failures are ignored, as in QEMU. */
  cancel(): void {
    this.backend.cancel().catch(() => undefined);
  }
}
