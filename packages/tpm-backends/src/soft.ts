/**
 * SoftTpmBackend: the TpmBackend contract over the in-process soft TPM (@tcg2sim/soft-tpm).
 * Power on is TPM_Init (also when already on: a reset, as swtpm's CMD_INIT), hcrtm(data) is the
 * locality-4 _TPM_Hash_Start / _TPM_Hash_Data / _TPM_Hash_End sequence swtpm runs for
 * CMD_HASH_START / CMD_HASH_DATA / CMD_HASH_END, and commands run synchronously in-process.
 */
import { SoftTpm, type SoftTpmOptions } from '@tcg2sim/soft-tpm';
import type { TpmBackend } from './backend.ts';
import { TpmBackendError, aframeable, alocality } from './errors.ts';

/** Run `fn` now and hand its result or its error over as a promise. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e: unknown) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

/** How to build a SoftTpmBackend: options for a new soft TPM, or a saved state to restore. */
export interface SoftTpmBackendOptions extends SoftTpmOptions {
  /** `SoftTpm.save()` output to continue from (banks and seed are then taken from it). */
  readonly state?: string;
}

/** The soft TPM behind the TpmBackend contract. */
export class SoftTpmBackend implements TpmBackend {
  readonly kind = 'soft';
  readonly #tpm: SoftTpm;
  #closed = false;

  constructor(options: SoftTpmBackendOptions = {}) {
    const { state, ...rest } = options;
    this.#tpm = state === undefined ? new SoftTpm(rest) : SoftTpm.restore(state, rest);
  }

  /** The soft TPM itself (inspection, save/restore). */
  get tpm(): SoftTpm {
    return this.#tpm;
  }

  #check(needPower: boolean): void {
    if (this.#closed) throw new TpmBackendError('CLOSED', 'backend closed');
    if (needPower && !this.#tpm.powered) throw new TpmBackendError('NOT_POWERED', 'TPM is not powered on');
  }

  /** TPM_Init. */
  powerOn(): Promise<void> {
    return settle(() => {
      this.#check(false);
      this.#tpm.powerOn();
    });
  }

  /** CMD_SET_BUFFERSIZE: the TPM is powered off first, as swtpm requires. */
  setBufferSize(size: number): Promise<number> {
    return settle(() => {
      this.#check(false);
      if (this.#tpm.powered) this.#tpm.powerOff();
      return this.#tpm.setBufferSize(size);
    });
  }

  /** Power off: volatile state lost. */
  powerOff(): Promise<void> {
    return settle(() => {
      this.#check(false);
      if (this.#tpm.powered) this.#tpm.powerOff();
    });
  }

  /**
   * Run `command` at `locality`; any bytes of at least a header get a TPM response. A command
   * shorter than the 10-byte header is refused with TRANSPORT, as swtpm's data channel refuses it
   * ({@link aframeable}); the soft TPM itself would answer TPM_RC_INSUFFICIENT as libtpms does.
   */
  transmit(command: Uint8Array, locality: number): Promise<Uint8Array> {
    // settle() without its closure: this is every command's path.
    try {
      this.#check(true);
      alocality(locality);
      aframeable(command);
      return Promise.resolve(this.#tpm.execute(command, locality));
    } catch (e: unknown) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** Commands complete synchronously: nothing to cancel. */
  cancel(): Promise<void> {
    return settle(() => {
      this.#check(false);
    });
  }

  /** _TPM_Hash_Start, _TPM_Hash_Data(data), _TPM_Hash_End at locality 4. */
  hcrtm(data: Uint8Array): Promise<void> {
    return settle(() => {
      this.#check(true);
      this.#tpm.hashStart();
      this.#tpm.hashData(data);
      this.#tpm.hashEnd();
    });
  }

  /** Nothing to release; later calls fail with CLOSED. */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
