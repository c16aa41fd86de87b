/** The inputs and results of Tcg2Dxe's interfaces (its configuration, the TPM below it, PEI's events). */
import type { BankDigest } from '@tcg2sim/hash-lib';
import type { EfiStatus } from './efi-status.ts';
import type { LogArea } from './log-area.ts';
import type { Tcg2PhysicalPresenceLib } from './physical-presence.ts';

/** What Tcg2Dxe needs from the TPM below it (Tpm2CommandLib over Tpm2DeviceLib). */
export interface Tcg2DxeTpm {
  /**
   * TPM2_PCR_Extend with every computed digest. Rejects with a TpmDeviceError (or a
   * PeiTpmCommandError / device-library error carrying its EFI status) on failure.
   */
  pcrExtend(pcrIndex: number, digests: readonly BankDigest[]): Promise<void>;
  /**
   * Tpm2SubmitCommand: raw bytes through the device library; `maxResponseSize` is the caller's
   * OutputParameterBlockSize (a larger response fails with EFI_BUFFER_TOO_SMALL).
   */
  submitCommand(command: Uint8Array, maxResponseSize?: number): Promise<Uint8Array>;
}

/** The device library reported EFI_DEVICE_ERROR: Tcg2Dxe then disables the TPM for the boot. */
export class TpmDeviceError extends Error {
  override readonly name = 'TpmDeviceError';
  readonly code = 'DEVICE_ERROR' as const;
}

/** A measurement handed from PEI in a gTcgEvent2EntryHobGuid HOB (compact digest list). */
export interface PeiEvent {
  readonly pcrIndex: number;
  readonly eventType: number;
  /** Digests in the HOB's order (filtered by PcdTpm2HashMask in PEI). */
  readonly digests: readonly BankDigest[];
  readonly eventData: Uint8Array;
}

/** Driver-entry inputs: what DriverEntry reads from PCDs, HOBs and the TPM. */
export interface Tcg2DxeConfig {
  readonly tpm: Tcg2DxeTpm;
  /** PcdTpm2HashMask as Tcg2Pei left it (0x1F & TPM-supported banks). */
  readonly hashMask: number;
  /** Banks the TPM supports (TPM_CAP_PCRS: every listed algorithm), as an EDK II bitmap. */
  readonly tpmSupportedBanks: number;
  /** Banks the TPM has allocated (non-empty pcrSelect), as an EDK II bitmap. */
  readonly tpmActiveBanks: number;
  /** TPM_PT_MANUFACTURER, raw. */
  readonly manufacturerId: number;
  /** TPM_PT_MAX_COMMAND_SIZE / TPM_PT_MAX_RESPONSE_SIZE. */
  readonly maxCommandSize: number;
  readonly maxResponseSize: number;
  /** gTcgEvent2EntryHobGuid events, in HOB order. */
  readonly peiEvents: readonly PeiEvent[];
  /** gTcgEventEntryHobGuid records (1.2 format, verbatim), in HOB order. */
  readonly peiTcg12Records?: readonly Uint8Array[];
  /** gTcg800155PlatformIdEventHobGuid payloads. */
  readonly sp800155Hobs?: readonly Uint8Array[];
  /** First byte of a gTpm2StartupLocalityHobGuid HOB, when one exists (never on OVMF). */
  readonly startupLocality?: number;
  /** PcdTpmPlatformClass (0 client). */
  readonly platformClass?: number;
  /** PcdTcgPfpMeasurementRevision (0 on OVMF 2022.11). */
  readonly pfpMeasurementRevision?: number;
  /** sizeof (UINTN) / 4: 2 on X64 DXE. */
  readonly uintnSize?: number;
  /** PcdTcgLogAreaMinLen. */
  readonly logAreaLength?: number;
  /** PcdTcg2FinalLogAreaLen. */
  readonly finalLogAreaLength?: number;
  /**
   * The physical-presence library (SetActivePcrBanks). Default: OVMF's
   * Tcg2PhysicalPresenceLibQemu with QEMU's PPI region for a TPM 2.0.
   */
  readonly physicalPresence?: Tcg2PhysicalPresenceLib;
}

/** An EFI_TCG2_EVENT as a caller builds it. */
export interface Tcg2Event {
  /** Event.Size; defaults to 4 + headerSize + eventData.length. */
  readonly size?: number;
  readonly headerSize?: number;
  readonly headerVersion?: number;
  readonly pcrIndex: number;
  readonly eventType: number;
  readonly eventData: Uint8Array;
}

/** Result of GetEventLog. Locations are offsets into the area (`area.bytes`). */
export interface GetEventLogResult {
  readonly status: EfiStatus;
  readonly area?: LogArea;
  readonly location?: number;
  /** Offset of the last record, or undefined for LastEntry = 0. */
  readonly lastEntry?: number | undefined;
  readonly truncated?: boolean;
}

/**
 * EFI_TCG2_PROTOCOL (TCG EFI Protocol Specification 1.0 §6): the seven functions a UEFI
 * application calls, with C's out-parameters as return values. {@link Tcg2Dxe} implements it.
 */
export interface EfiTcg2Protocol {
  /** GetCapability: `size` is ProtocolCapability->Size; the bytes the firmware writes back. */
  getCapability(size: number): { status: EfiStatus; size: number; bytes?: Uint8Array };
  /** GetEventLog(EventLogFormat). */
  getEventLog(format: number): GetEventLogResult;
  /** HashLogExtendEvent(Flags, DataToHash, Event); `dataToHash` undefined is a NULL pointer. */
  hashLogExtendEvent(flags: bigint, dataToHash: Uint8Array | undefined, event: Tcg2Event | undefined): Promise<EfiStatus>;
  /** SubmitCommand(InputParameterBlock, OutputParameterBlockSize). */
  submitCommand(input: Uint8Array | undefined, outSize: number): Promise<{ status: EfiStatus; response?: Uint8Array }>;
  getActivePcrBanks(): { status: EfiStatus; activePcrBanks: number };
  setActivePcrBanks(activePcrBanks: number): EfiStatus;
  getResultOfSetActivePcrBanks(): { status: EfiStatus; operationPresent: number; response: number };
}
