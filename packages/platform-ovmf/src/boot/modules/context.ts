/**
 * What the simulated modules share, phase by phase: the boot's input and notes, the TPM stack,
 * SEC's output, and what earlier modules left for later ones (the measured PEIFV, Tcg2Pei's
 * result, Tcg2Dxe, the variable services, the option ROMs PciBusDxe started, the ReadyToBoot
 * callbacks). A unit reads what it needs and adds what it produces, as modules communicate
 * through PPIs, protocols and events in the firmware.
 */
import type { VariableSnapshot } from '@tcg2sim/uefi';
import type { Tcg2ConfigResult } from '@tcg2sim/tcg2-config';
import type { Tcg2PeiResult } from '@tcg2sim/tcg2-pei';
import type { DxeTpmFacts, MeasureBootHandler, Tcg2Dxe } from '@tcg2sim/tcg2-dxe';
import type { SecOutput } from '../../sec.ts';
import type { MeasuredPeiFv } from '../../platform-pei/peifv.ts';
import type { OvmfBuildFacts } from '../../platform-pei/platform-info.ts';
import type { FirmwareVersionString } from '../../platform-pei/firmware-version.ts';
import type { BootInput } from '../boot-types.ts';
import type { BootDigests } from '../boot-digests.ts';
import type { DigestWorker } from '../digest-worker.ts';
import type { DxeVariables } from '../dxe-variables.ts';
import type { StoreHistory } from '../store-history.ts';
import type { NetworkNic, NetworkOption } from '../bds-network.ts';
import type { NicBufferFacts } from '../nic-image-buffer.ts';
import type { CalibrationPoint } from '../calibration-point.ts';
import type { TpmStack } from '../tpm-stack.ts';
import type { DispatchedModule } from './unit.ts';

/** The state before SEC's output is there: the TPM, the variable store, the input. */
export interface EarlyContext {
  readonly input: BootInput;
  readonly stack: TpmStack;
  /** The variable store as the firmware reads it (throws the store's error when read). */
  readonly store: () => VariableSnapshot | undefined;
}

/** PEI: the early state, SEC's output and the facts read from the volumes. */
export interface PeiContext extends EarlyContext {
  readonly notes: string[];
  readonly sec: SecOutput;
  /** PcdTpmInstanceGuid: its build default until Tcg2ConfigPei's unit selects the TPM. */
  config: Tcg2ConfigResult;
  readonly digests: BootDigests;
  /** The digest worker hashing DXEFV beside the main thread; closed once Tcg2Pei is done. */
  readonly worker: DigestWorker | undefined;
  /** DXE's UINTN size (4 for an IA32 DXE). */
  readonly dxeUintn: 4 | 8;
  readonly build: OvmfBuildFacts & { readonly ia32Dxe: boolean };
  /** PcdFirmwareVersionString as Tcg2Pei measures it. */
  readonly version: FirmwareVersionString;
  /** PEIFV as Tcg2Pei finds it: pristine until PlatformPei's unit writes into it. */
  measuredPeiFv: MeasuredPeiFv;
  /** Tcg2Pei's result, once its unit ran. */
  pei?: Tcg2PeiResult;
  /** The units dispatched so far, and those whose module the image lacks. */
  readonly dispatched: DispatchedModule[];
}

/** The ReadyToBoot callbacks in the order the firmware signals them. */
export interface ReadyToBootCallback {
  readonly module: string;
  readonly run: () => Promise<void>;
}

/** DXE: PEI's results, Tcg2Dxe and the protocols DXE drivers installed. */
export interface DxeContext extends PeiContext {
  readonly pei: Tcg2PeiResult;
  readonly dxe: Tcg2Dxe;
  readonly facts: DxeTpmFacts;
  readonly vars: DxeVariables;
  /** DxeTpm2MeasureBootLib's handler (registered or not: see BdsDxe's unit). */
  readonly handler: MeasureBootHandler;
  /** The calibration point of the allocator-state models this image's facts name (calibration-point.ts); undefined: none. */
  readonly calibration: CalibrationPoint | undefined;
  readonly history: StoreHistory;
  /** The NICs' option ROM drivers PciBusDxe started, and their allocations. */
  roms?: { readonly driven: readonly NetworkNic[]; readonly facts: readonly NicBufferFacts[] };
  /** The network boot options those drivers make possible. */
  network: readonly NetworkOption[];
  /** ReadyToBoot callbacks, in signalling order (Tcg2Dxe's own among them). */
  readonly readyToBoot: ReadyToBootCallback[];
  /** How many times ReadyToBoot was signalled. */
  readyToBootCount: number;
  acpiDataMeasured?: boolean;
  smbiosMeasured?: boolean;
  /** Where the boot ended (BdsDxe's unit sets it). */
  endState: string;
  /** What BdsDxe's unit assumed rather than read from the image. */
  bdsAssumed?: string;
  /** What of this image's boot is not modelled (a core DXE driver the image lacks). */
  unmodelled?: string;
}
