/**
 * Tpm2DeviceLibDTpm as a whole: detect the interface once (the PCD cache), then dispatch
 * Tpm2RequestUseTpm / Tpm2SubmitCommand to the FIFO or CRB driver (docs/edk2-pei.md §3.8).
 * Also the TPM 1.2 probe OVMF's Tcg2ConfigPei sends before anything else (§1.2).
 */
import type { Clock, MmioBus } from '@tcg2sim/ptp';
import { TPM_BASE_ADDRESS } from '@tcg2sim/ptp';
import { CrbDriver } from './crb-driver.ts';
import { detectInterface, dumpPtpInfo } from './detect.ts';
import type { Detection, PtpInfo } from './detect.ts';
import { ProtocolError } from './errors.ts';
import type { PtpInterfaceKind } from './errors.ts';
import { TisDriver } from './tis-driver.ts';
import type { Tpm2Timeouts } from './timeouts.ts';
import type { SubmitOptions, TpmTransport } from './transport.ts';

/** Options of {@link Tpm2DeviceLib.open}. */
export interface DeviceLibOptions {
  readonly bus: MmioBus;
  readonly clock: Clock;
  readonly base?: number;
  readonly timeouts?: Partial<Tpm2Timeouts>;
  /**
   * PcdActiveTpmInterfaceType / PcdCRBIdleByPass already set by an earlier module: the
   * constructor then probes nothing (only the first module to run touches the registers).
   */
  readonly detection?: Detection;
}

/** TPM_ORD_GetTicks with TPM_TAG_RQU_COMMAND: OVMF's TPM 1.2 probe command. */
export const TPM12_GET_TICKS: Uint8Array = Uint8Array.of(0x00, 0xc1, 0, 0, 0, 0x0a, 0, 0, 0, 0xf1);

/** The firmware TPM 2.0 device library over the MMIO bus. */
export class Tpm2DeviceLib implements TpmTransport {
  readonly detection: Detection;
  readonly #driver: TisDriver | CrbDriver | undefined;
  readonly #bus: MmioBus;
  readonly #base: number;

  private constructor(detection: Detection, driver: TisDriver | CrbDriver | undefined, bus: MmioBus, base: number) {
    this.detection = detection;
    this.#driver = driver;
    this.#bus = bus;
    this.#base = base;
  }

  /** Runs detection (the library constructor) and picks the driver. Never throws for "no TPM". */
  static open(options: DeviceLibOptions): Tpm2DeviceLib {
    const base = options.base ?? TPM_BASE_ADDRESS;
    const detection = options.detection ?? detectInterface(options.bus, base);
    const common = { bus: options.bus, clock: options.clock, base, ...(options.timeouts ? { timeouts: options.timeouts } : {}) };
    let driver: TisDriver | CrbDriver | undefined;
    switch (detection.kind) {
      case 'crb':
        driver = new CrbDriver({ ...common, idleBypass: detection.crbIdleBypass });
        break;
      case 'fifo':
      case 'tis':
        driver = new TisDriver({ ...common, kind: detection.kind });
        break;
      case 'none':
        driver = undefined;
        break;
    }
    return new Tpm2DeviceLib(detection, driver, options.bus, base);
  }

  /** The detected interface. */
  get kind(): PtpInterfaceKind {
    return this.detection.kind;
  }

  /** Tpm2RequestUseTpm. @throws ProtocolError NO_DEVICE, TIMEOUT_A. */
  async requestUseTpm(): Promise<void> {
    await this.#need().requestUseTpm();
  }

  /** Tpm2SubmitCommand. @throws ProtocolError. */
  async submit(command: Uint8Array, options: SubmitOptions = {}): Promise<Uint8Array> {
    return this.#need().submit(command, options);
  }

  /** DumpPtpInfo, as Tpm2InstanceLibDTpm's constructor runs it in DXE. */
  dumpPtpInfo(): PtpInfo | undefined {
    return dumpPtpInfo(this.#bus, this.detection.kind, this.#base);
  }

  /**
   * OVMF's InternalTpm12Detect (Tcg12ConfigPei) through Tpm12DeviceLibDTpm, which classifies
   * the interface on every call: Tpm12RequestUseTpm (interface probe, then the TIS request or
   * the CRB LOC_CTRL request without presence read), then Tpm12SubmitCommand (interface probe
   * again, then TPM_ORD_GetTicks over FIFO; on CRB it fails without sending anything).
   * The TPM counts as 1.2 only if the transport succeeds with a 1.2 response tag (0x00C4..C6).
   * @returns true for a TPM 1.2; false otherwise (any failure included).
   */
  async probeTpm12(): Promise<boolean> {
    const d = this.#driver;
    if (d === undefined) return false;
    const noBypass = { readIdleBypass: false };
    try {
      if (detectInterface(this.#bus, this.#base, noBypass).kind === 'none') return false;
      if (d instanceof CrbDriver) await d.requestUseTpm(false);
      else await d.requestUseTpm();
      if (detectInterface(this.#bus, this.#base, noBypass).kind === 'none') return false;
      if (d instanceof CrbDriver) return false;
      await d.transact(TPM12_GET_TICKS, 10 + 32, (tag) => tag >= 0x00c4 && tag <= 0x00c6);
      return true;
    } catch (e: unknown) {
      if (e instanceof ProtocolError) return false;
      throw e;
    }
  }

  /**
   * Tpm12RequestUseTpm (Tpm12DeviceLibDTpm), as SecurityPkg's generic Tcg2ConfigPei calls it:
   * the interface probe, then the TIS locality request or the CRB LOC_CTRL request.
   * @returns false when there is no interface or the locality is not granted.
   */
  async tpm12RequestUse(): Promise<boolean> {
    const d = this.#driver;
    if (d === undefined) return false;
    try {
      if (detectInterface(this.#bus, this.#base, { readIdleBypass: false }).kind === 'none') return false;
      if (d instanceof CrbDriver) await d.requestUseTpm(false);
      else await d.requestUseTpm();
      return true;
    } catch (e: unknown) {
      if (e instanceof ProtocolError) return false;
      throw e;
    }
  }

  /**
   * Tpm12SubmitCommand (Tpm12DeviceLibDTpm): the interface probe, then the command over FIFO,
   * accepted only with a TPM 1.2 response tag (0x00C4..C6); on CRB it fails without sending.
   * @returns the response, or undefined when the transport failed.
   */
  async tpm12Submit(command: Uint8Array, maxResponseSize: number): Promise<Uint8Array | undefined> {
    const d = this.#driver;
    if (d === undefined || d instanceof CrbDriver) return undefined;
    try {
      if (detectInterface(this.#bus, this.#base, { readIdleBypass: false }).kind === 'none') return undefined;
      return await d.transact(command, maxResponseSize, (tag) => tag >= 0x00c4 && tag <= 0x00c6);
    } catch (e: unknown) {
      if (e instanceof ProtocolError) return undefined;
      throw e;
    }
  }

  #need(): TisDriver | CrbDriver {
    if (this.#driver === undefined) throw new ProtocolError('NO_DEVICE', 'detect', 'none', 'no TPM interface detected');
    return this.#driver;
  }
}
