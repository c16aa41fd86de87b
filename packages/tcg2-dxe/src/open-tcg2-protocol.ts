/**
 * A ready EFI_TCG2_PROTOCOL over a TPM backend: the TPM path OVMF runs before a boot loader gets
 * the protocol (Tcg2ConfigPei's detection, Tcg2Pei's Startup / bank sync / self test / S-CRTM
 * version, Tcg2Dxe's DriverEntry queries), through the firmware's device library and a QEMU-like
 * TIS or CRB register model, with OVMF's configuration (edk2-stable202211 OvmfPkgX64.dsc:
 * PcdTpm2HashMask 0x1F, five HashLib instances, both log formats when SHA1 is active).
 */
import { Tcg2Error } from '@tcg2sim/binary-codec';
import { CrbDevice, MmioBus, TisDevice, TPM_BASE_ADDRESS, VirtualClock } from '@tcg2sim/ptp';
import type { Clock } from '@tcg2sim/ptp';
import { Tpm2DeviceLib } from '@tcg2sim/tpm2-device-lib';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { ovmfTcg2ConfigPei, TPM_INSTANCE_GUID } from '@tcg2sim/tcg2-config';
import { runTcg2Pei, commandLibTpm } from '@tcg2sim/tcg2-pei';
import type { PeiFv, Tcg2PeiResult } from '@tcg2sim/tcg2-pei';
import { startTcg2DxeAfterPei } from './driver-entry.ts';
import type { Tcg2Dxe } from './tcg2-dxe.ts';
import type { Tcg2PhysicalPresenceLib } from './physical-presence.ts';

/** Choices that differ from OVMF's defaults; every one may be left out. */
export interface Tcg2ProtocolOptions {
  /** QEMU's `-device tpm-tis` (default) or `tpm-crb`. */
  readonly tpmInterface?: 'tis' | 'crb';
  /** The clock the device library polls with (default a VirtualClock: deterministic, no busy waiting). */
  readonly clock?: Clock;
  /**
   * The firmware volumes Tcg2Pei measures into PCR0 (MeasureMainBios, then the FvInfo volumes).
   * Default none: the log holds the Spec ID event and the S-CRTM version only.
   */
  readonly bootFv?: PeiFv;
  readonly fvInfos?: readonly PeiFv[];
  /** PcdFirmwareVersionString, measured as EV_S_CRTM_VERSION (L"" on OVMF 2022.11). */
  readonly firmwareVersion?: string;
  /** PcdTpm2HashMask at build (0x1F on OVMF). */
  readonly pcdTpm2HashMask?: number;
  /** SetActivePcrBanks' physical-presence library (default OVMF's Tcg2PhysicalPresenceLibQemu model). */
  readonly physicalPresence?: Tcg2PhysicalPresenceLib;
  /** Power the backend on first (TPM_Init; default true). False: the caller already did. */
  readonly powerOn?: boolean;
}

/** Why no protocol could be handed out. */
export type Tcg2ProtocolErrorCode = 'NO_TPM2' | 'TPM_ERROR';

/** The TPM path failed before DXE: OVMF would boot without EFI_TCG2_PROTOCOL. */
export class Tcg2ProtocolError extends Tcg2Error {
  override readonly name = 'Tcg2ProtocolError';
  readonly code: Tcg2ProtocolErrorCode;
  /** What Tcg2ConfigPei and Tcg2Pei reported, step by step. */
  readonly diagnostics: readonly string[];

  constructor(code: Tcg2ProtocolErrorCode, message: string, diagnostics: readonly string[]) {
    super(`${message}${diagnostics.length > 0 ? `: ${diagnostics.join('; ')}` : ''}`);
    this.code = code;
    this.diagnostics = diagnostics;
  }
}

/** The TPM behind a register model at 0xFED40000, as each firmware module reaches it. */
function firmwareTpm(backend: TpmBackend, iface: 'tis' | 'crb', clock: Clock): () => Tpm2DeviceLib {
  const bus = new MmioBus();
  // A virtual clock waits for each backend call (swtpm answers in real time).
  const hook = clock instanceof VirtualClock ? { onBackendCall: (p: Promise<void>): void => clock.waitFor(p) } : {};
  bus.map(TPM_BASE_ADDRESS, iface === 'tis' ? new TisDevice(backend, hook) : new CrbDevice(backend, { base: TPM_BASE_ADDRESS, ...hook }));
  // Each PEIM / driver links its own Tpm2DeviceLibDTpm: a fresh instance probes the interface.
  return () => Tpm2DeviceLib.open({ bus, clock });
}

async function peiPhase(backend: TpmBackend, options: Tcg2ProtocolOptions, deviceLib: () => Tpm2DeviceLib): Promise<Tcg2PeiResult> {
  const cfgLib = deviceLib();
  const config = await ovmfTcg2ConfigPei({
    tpm12Detect: () => cfgLib.probeTpm12(),
    tpm2RequestUse: () => cfgLib.requestUseTpm().then(() => true, () => false),
  });
  if (config.instanceGuid !== TPM_INSTANCE_GUID.TPM20_DTPM) throw new Tcg2ProtocolError('NO_TPM2', 'Tcg2ConfigPei found no TPM 2.0', config.path);
  const run = (): Promise<Tcg2PeiResult> =>
    runTcg2Pei({
      tpm: commandLibTpm(deviceLib()),
      bootMode: 'normal',
      ...(options.bootFv !== undefined ? { bootFv: options.bootFv } : {}),
      fvInfos: options.fvInfos ?? [],
      ...(options.firmwareVersion !== undefined ? { firmwareVersion: options.firmwareVersion } : {}),
      ...(options.pcdTpm2HashMask !== undefined ? { pcdTpm2HashMask: options.pcdTpm2HashMask } : {}),
    });
  let pei = await run();
  if (pei.outcome === 'reset') {
    // PCR_Allocate then ResetCold: the next boot starts with the banks Tcg2Pei allocated.
    await backend.powerOff();
    await backend.powerOn();
    pei = await run();
  }
  if (pei.outcome !== 'measured') throw new Tcg2ProtocolError('TPM_ERROR', `Tcg2Pei ended with ${pei.outcome}`, pei.diagnostics);
  return pei;
}

/**
 * EFI_TCG2_PROTOCOL as OVMF installs it, over `backend`: powers the TPM on, runs Tcg2ConfigPei,
 * Tcg2Pei and Tcg2Dxe's DriverEntry with OVMF's defaults, and returns the driver, whose
 * getCapability, getEventLog, hashLogExtendEvent, submitCommand, getActivePcrBanks, … are the
 * protocol's functions. The backend stays the caller's (close it when done).
 * @throws Tcg2ProtocolError when the TPM is not a TPM 2.0 or Tcg2Pei failed (no protocol on OVMF)
 */
export async function openTcg2Protocol(backend: TpmBackend, options: Tcg2ProtocolOptions = {}): Promise<Tcg2Dxe> {
  const iface = options.tpmInterface ?? 'tis';
  if (options.powerOn ?? true) {
    // QEMU's tpm-emulator sets the TPM's buffer size from the interface, then powers it on.
    await backend.setBufferSize?.(iface === 'crb' ? 0xf80 : 0x1000);
    await backend.powerOn();
  }
  const deviceLib = firmwareTpm(backend, iface, options.clock ?? new VirtualClock());
  const pei = await peiPhase(backend, options, deviceLib);

  const { dxe } = await startTcg2DxeAfterPei(deviceLib(), pei, options.physicalPresence !== undefined ? { physicalPresence: options.physicalPresence } : {});
  return dxe;
}
