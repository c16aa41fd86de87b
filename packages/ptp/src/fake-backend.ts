/**
 * A scriptable TpmBackend for tests, benchmarks and fault injection: answers each command with a
 * computed response after a delay measured on a Clock (virtual time in tests), can ignore or
 * honour cancel, never answer, crash (reject like a killed swtpm) or answer with oversized or
 * inconsistent responses.
 */
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import type { Clock } from './clock.ts';

/** What FakeBackend rejects with when told to crash (as a swtpm that was killed). */
export class FakeBackendCrash extends Error {
  override readonly name = 'FakeBackendCrash';
  readonly code = 'PROCESS_EXITED';
}

/** A TPM 2.0 success response with no parameters: TPM_ST_NO_SESSIONS, size 10, TPM_RC_SUCCESS. */
export const SUCCESS_RESPONSE: Uint8Array = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0, 0);

/** TPM_RC_CANCELED (0x909) response, what a TPM answers to a cancelled command. */
export const CANCELED_RESPONSE: Uint8Array = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x09, 0x09);

/** Options of {@link FakeBackend}; all may be changed between commands. */
export interface FakeBackendOptions {
  /** Computes the response (default: {@link SUCCESS_RESPONSE}). */
  respond?: (command: Uint8Array, locality: number) => Uint8Array;
  /** Microseconds of `clock` time per command (default 0: answers on the next microtask). */
  delayUs?: number | ((command: Uint8Array) => number);
  /** The clock delays are measured on (required when delayUs is used). */
  clock?: Clock;
  /** Never answer (until cancelled, if cancel is honoured). */
  hang?: boolean;
  /** Answer a cancel of the command in flight with TPM_RC_CANCELED at once (default true). */
  honourCancel?: boolean;
  /** Reject the next command (then clear itself): the backend process died. */
  crashNext?: boolean;
}

interface Pending {
  readonly resolve: (r: Uint8Array) => void;
}

/** A backend double; `commands` records what it received. */
export class FakeBackend implements TpmBackend {
  readonly kind = 'fake';
  readonly options: FakeBackendOptions;
  readonly commands: { readonly command: Uint8Array; readonly locality: number }[] = [];
  cancels = 0;
  #pending: Pending | undefined;

  constructor(options: FakeBackendOptions = {}) {
    this.options = options;
  }

  powerOn(): Promise<void> {
    return Promise.resolve();
  }
  powerOff(): Promise<void> {
    return Promise.resolve();
  }
  hcrtm(_data: Uint8Array): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }

  transmit(command: Uint8Array, locality: number): Promise<Uint8Array> {
    this.commands.push({ command: command.slice(), locality });
    const o = this.options;
    if (o.crashNext) {
      o.crashNext = false;
      return Promise.reject(new FakeBackendCrash('backend process exited'));
    }
    const response = (o.respond ?? (() => SUCCESS_RESPONSE))(command, locality);
    return new Promise<Uint8Array>((resolve) => {
      this.#pending = { resolve };
      const finish = (): void => {
        if (this.#pending?.resolve !== resolve) return;
        this.#pending = undefined;
        resolve(response);
      };
      if (o.hang) return;
      const delay = typeof o.delayUs === 'function' ? o.delayUs(command) : (o.delayUs ?? 0);
      if (delay > 0) {
        if (!o.clock) throw new RangeError('"clock" is required with delayUs');
        void o.clock.delay(delay).then(finish);
      } else {
        queueMicrotask(finish);
      }
    });
  }

  cancel(): Promise<void> {
    this.cancels++;
    const p = this.#pending;
    if (p && (this.options.honourCancel ?? true)) {
      this.#pending = undefined;
      p.resolve(CANCELED_RESPONSE);
    }
    return Promise.resolve();
  }
}
