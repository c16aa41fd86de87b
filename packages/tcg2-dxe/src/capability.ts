import { LE, constant, fixedBytes, struct, u8 } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';

/**
 * EFI_TCG2_BOOT_SERVICE_CAPABILITY (TCG EFI Protocol Specification §6.4.4;
 * MdePkg/Include/Protocol/Tcg2Protocol.h). Not packed: natural alignment puts padding after
 * ProtocolVersion, TPMPresentFlag and MaxResponseSize. 36 bytes.
 */
export const EFITcg2BootServiceCapability = struct('EFI_TCG2_BOOT_SERVICE_CAPABILITY', {
  size: u8,
  structureVersionMajor: u8,
  structureVersionMinor: u8,
  protocolVersionMajor: u8,
  protocolVersionMinor: u8,
  pad0: fixedBytes('pad0', 3),
  hashAlgorithmBitmap: LE.u32,
  supportedEventLogs: LE.u32,
  tpmPresentFlag: u8,
  pad1: constant('pad1', u8, 0),
  maxCommandSize: LE.u16,
  maxResponseSize: LE.u16,
  pad2: fixedBytes('pad2', 2),
  manufacturerId: LE.u32,
  numberOfPcrBanks: LE.u32,
  activePcrBanks: LE.u32,
});
export type EFITcg2BootServiceCapability = Infer<typeof EFITcg2BootServiceCapability>;

/** sizeof (EFI_TCG2_BOOT_SERVICE_CAPABILITY). */
export const TCG2_CAPABILITY_SIZE = 36;
/** sizeof (TREE_BOOT_SERVICE_CAPABILITY_1_0): the same layout ending after ManufacturerID. */
export const TREE_CAPABILITY_1_0_SIZE = 28;

/** EFI_TCG2_EVENT_LOG_FORMAT values. */
export const EFI_TCG2_EVENT_LOG_FORMAT = { TCG_1_2: 1, TCG_2: 2 } as const;
export type EfiTcg2EventLogFormat = (typeof EFI_TCG2_EVENT_LOG_FORMAT)[keyof typeof EFI_TCG2_EVENT_LOG_FORMAT];

/** HashLogExtendEvent flags (Tcg2Protocol.h). */
export const EFI_TCG2_FLAG = { EXTEND_ONLY: 0x1n, PE_COFF_IMAGE: 0x10n } as const;

/** MAX_PCR_INDEX. */
export const MAX_PCR_INDEX = 23;
