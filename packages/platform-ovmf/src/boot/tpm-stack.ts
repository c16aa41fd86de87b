import { CrbDevice, MmioBus, TisDevice, TPM_BASE_ADDRESS, VirtualClock } from '@tcg2sim/ptp';
import type { Clock, MmioAccess } from '@tcg2sim/ptp';
import { Tpm2DeviceLib } from '@tcg2sim/tpm2-device-lib';
import type { SubmitOptions } from '@tcg2sim/tpm2-device-lib';
import type { TpmBackend } from '@tcg2sim/tpm-backends';

/** The TPM interface QEMU exposes: `-device tpm-tis` or `-device tpm-crb`. */
export type TpmInterface = 'tis' | 'crb';

/** One command/response pair that crossed the device library, with the phase that sent it. */
export interface TpmExchange {
  readonly phase: string;
  readonly command: Uint8Array;
  readonly response: Uint8Array;
}

/**
 * The machine's TPM: a backend behind a QEMU-like register model at 0xFED40000 on an MMIO bus,
 * and the firmware's device library instances (one per module, as each PEIM/driver links its
 * own copy of Tpm2DeviceLibDTpm).
 */
export class TpmStack {
  readonly bus: MmioBus;
  readonly clock: Clock;
  readonly backend: TpmBackend;
  readonly iface: TpmInterface;
  /** Every command submitted through {@link TpmStack.deviceLib} instances, in order. */
  readonly exchanges: TpmExchange[] = [];
  #phase = 'pei';
  #mmioAccesses = 0;

  constructor(backend: TpmBackend, iface: TpmInterface, clock: Clock = new VirtualClock()) {
    this.backend = backend;
    this.iface = iface;
    this.clock = clock;
    this.bus = new MmioBus();
    // A virtual clock waits for each backend call (swtpm answers in real time), so EDK II's
    // timeouts measure the firmware's polling, not the host's load.
    const onBackendCall = clock instanceof VirtualClock ? (p: Promise<void>): void => clock.waitFor(p) : undefined;
    const hook = onBackendCall === undefined ? {} : { onBackendCall };
    this.bus.map(TPM_BASE_ADDRESS, iface === 'tis' ? new TisDevice(backend, hook) : new CrbDevice(backend, { base: TPM_BASE_ADDRESS, ...hook }));
    this.bus.observe((_a: MmioAccess) => {
      this.#mmioAccesses++;
    });
  }

  /** Labels the commands sent from now on (`pei`, `dxe`, …). */
  set phase(p: string) {
    this.#phase = p;
  }

  /** MMIO accesses so far. */
  get mmioAccesses(): number {
    return this.#mmioAccesses;
  }

  /**
   * A firmware module's Tpm2DeviceLibDTpm: the constructor probes the interface; submit() is
   * recorded in {@link TpmStack.exchanges}.
   */
  deviceLib(): RecordingDeviceLib {
    return new RecordingDeviceLib(Tpm2DeviceLib.open({ bus: this.bus, clock: this.clock }), this);
  }

  /** @internal */
  record(command: Uint8Array, response: Uint8Array): void {
    this.exchanges.push({ phase: this.#phase, command: command.slice(), response: response.slice() });
  }
}

/** Tpm2DeviceLib with its commands recorded in the stack. */
export class RecordingDeviceLib {
  readonly lib: Tpm2DeviceLib;
  readonly #stack: TpmStack;

  constructor(lib: Tpm2DeviceLib, stack: TpmStack) {
    this.lib = lib;
    this.#stack = stack;
  }

  requestUseTpm(): Promise<void> {
    return this.lib.requestUseTpm();
  }

  async submit(command: Uint8Array, options: SubmitOptions = {}): Promise<Uint8Array> {
    const response = await this.lib.submit(command, options);
    this.#stack.record(command, response);
    return response;
  }

  probeTpm12(): Promise<boolean> {
    return this.lib.probeTpm12();
  }

  tpm12RequestUse(): Promise<boolean> {
    return this.lib.tpm12RequestUse();
  }

  tpm12Submit(command: Uint8Array, maxResponseSize: number): Promise<Uint8Array | undefined> {
    return this.lib.tpm12Submit(command, maxResponseSize);
  }
}
