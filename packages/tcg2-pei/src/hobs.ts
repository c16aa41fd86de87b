import { EFIGuid, LE, encode, struct, u32le, u64le, list } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';

/** GUIDs of the HOBs Tcg2Pei builds (SecurityPkg/SecurityPkg.dec). */
export const TCG_HOB_GUID = {
  /** gTcgEventEntryHobGuid: TCG 1.2 events. */
  TCG_EVENT_ENTRY: '2B9FFB52-1B13-416F-A87B-BC930DEF92A8',
  /** gTcgEvent2EntryHobGuid: crypto-agile events (compact digest list). */
  TCG_EVENT2_ENTRY: 'D26C221E-2430-4C8A-9170-3FCB4500413F',
  /** gMeasuredFvHobGuid. */
  MEASURED_FV: 'B2360B42-7173-420A-8696-46CA6BAB1060',
  /** gTpmErrorHobGuid (no data). */
  TPM_ERROR: 'EF598499-B25E-473A-BFAF-E7E57DCE82C4',
} as const;

/** EFI_HOB_TYPE_GUID_EXTENSION. */
export const EFI_HOB_TYPE_GUID_EXTENSION = 0x0004;

/**
 * EFI_HOB_GUID_TYPE header (PI 1.7 Vol 3 §5.5): UINT16 HobType; UINT16 HobLength;
 * UINT32 Reserved; EFI_GUID Name. 24 bytes; the data follows.
 */
export const EFIHobGuidType = struct('EFI_HOB_GUID_TYPE', {
  hobType: LE.u16,
  hobLength: LE.u16,
  reserved: LE.u32,
  name: EFIGuid,
});
export type EFIHobGuidType = Infer<typeof EFIHobGuidType>;

/** A GUIDed HOB: its name and data. */
export interface GuidHob {
  readonly guid: string;
  readonly data: Uint8Array;
}

/**
 * The HOB bytes as BuildGuidDataHob lays them out: HobLength = 24 + data rounded up to a
 * multiple of 8. The padding is uninitialised in firmware; we write zeros.
 */
export function encodeGuidHob(h: GuidHob): Uint8Array {
  const len = (24 + h.data.length + 7) & ~7;
  const out = new Uint8Array(len);
  out.set(encode(EFIHobGuidType, { hobType: EFI_HOB_TYPE_GUID_EXTENSION, hobLength: len, reserved: 0, name: h.guid }));
  out.set(h.data, 24);
  return out;
}

/** EFI_PLATFORM_FIRMWARE_BLOB {UINT64 BlobBase; UINT64 BlobLength}. */
export const EFIPlatformFirmwareBlob = struct('EFI_PLATFORM_FIRMWARE_BLOB', { blobBase: u64le, blobLength: u64le });
export type EFIPlatformFirmwareBlob = Infer<typeof EFIPlatformFirmwareBlob>;

/**
 * MEASURED_HOB_DATA {UINT32 Num; EFI_PLATFORM_FIRMWARE_BLOB MeasuredFvBuf[Num]} — packed: the
 * array starts at offset 4 (docs/edk2-pei.md §5.9).
 */
export const MeasuredHobData = struct('MEASURED_HOB_DATA', {
  measuredFvBuf: list('MeasuredFvBuf', u32le, EFIPlatformFirmwareBlob, 4096),
});
export type MeasuredHobData = Infer<typeof MeasuredHobData>;
