/**
 * Wire layouts of the NV variable store (all little-endian, packed unless noted). Each layout is
 * declared once; see constants.ts for the values its fields take.
 */
import { EFIGuid, fixedBytes, struct, u16le, u32le, u64le, u8 } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';

/**
 * VARIABLE_STORE_HEADER (MdeModulePkg/Include/Guid/VariableFormat.h), 28 bytes:
 * EFI_GUID Signature; UINT32 Size; UINT8 Format; UINT8 State; UINT16 Reserved; UINT32 Reserved1.
 */
export const VariableStoreHeader = struct('VARIABLE_STORE_HEADER', {
  signature: EFIGuid,
  size: u32le,
  format: u8,
  state: u8,
  reserved: u16le,
  reserved1: u32le,
});
export type VariableStoreHeader = Infer<typeof VariableStoreHeader>;

/**
 * EFI_TIME (UEFI 2.9 §8.3), 16 bytes: Year, Month, Day, Hour, Minute, Second, Pad1, Nanosecond,
 * INT16 TimeZone (kept as its u16 bit pattern), Daylight, Pad2.
 */
export const EFITime = struct('EFI_TIME', {
  year: u16le,
  month: u8,
  day: u8,
  hour: u8,
  minute: u8,
  second: u8,
  pad1: u8,
  nanosecond: u32le,
  timeZone: u16le,
  daylight: u8,
  pad2: u8,
});
export type EFITime = Infer<typeof EFITime>;

/** An all-zero EFI_TIME (what the variable driver stores for non-time-based variables). */
export const ZERO_EFI_TIME: EFITime = {
  year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, pad1: 0, nanosecond: 0, timeZone: 0, daylight: 0, pad2: 0,
};

/**
 * AUTHENTICATED_VARIABLE_HEADER (VariableFormat.h, packed), 60 bytes. Name (NameSize bytes of
 * UCS-2 including the NUL) and data (DataSize bytes) follow; the next header starts at
 * HEADER_ALIGN(end of data, 4).
 */
export const AuthenticatedVariableHeader = struct('AUTHENTICATED_VARIABLE_HEADER', {
  startId: u16le,
  state: u8,
  reserved: u8,
  attributes: u32le,
  monotonicCount: u64le,
  timeStamp: EFITime,
  pubKeyIndex: u32le,
  nameSize: u32le,
  dataSize: u32le,
  vendorGuid: EFIGuid,
});
export type AuthenticatedVariableHeader = Infer<typeof AuthenticatedVariableHeader>;

/** VARIABLE_HEADER (VariableFormat.h, packed), 32 bytes: the non-authenticated record header. */
export const VariableHeader = struct('VARIABLE_HEADER', {
  startId: u16le,
  state: u8,
  reserved: u8,
  attributes: u32le,
  nameSize: u32le,
  dataSize: u32le,
  vendorGuid: EFIGuid,
});
export type VariableHeader = Infer<typeof VariableHeader>;

/**
 * EFI_FAULT_TOLERANT_WORKING_BLOCK_HEADER (SystemNvDataGuid.h), 32 bytes. `state` holds the
 * bitfield byte: b0 WorkingBlockValid, b1 WorkingBlockInvalid (0 = set, FTW_VALID_STATE).
 */
export const FtwWorkingBlockHeader = struct('EFI_FAULT_TOLERANT_WORKING_BLOCK_HEADER', {
  signature: EFIGuid,
  crc: u32le,
  state: u8,
  reserved: fixedBytes('Reserved', 3),
  writeQueueSize: u64le,
});
export type FtwWorkingBlockHeader = Infer<typeof FtwWorkingBlockHeader>;

/**
 * EFI_FAULT_TOLERANT_WRITE_HEADER (FaultTolerantWrite.h), 40 bytes. `flags`: b0 HeaderAllocated,
 * b1 WritesAllocated, b2 Complete (0 = set).
 */
export const FtwWriteHeader = struct('EFI_FAULT_TOLERANT_WRITE_HEADER', {
  flags: u8,
  pad: fixedBytes('Pad', 3),
  callerId: EFIGuid,
  pad2: fixedBytes('Pad2', 4),
  numberOfWrites: u64le,
  privateDataSize: u64le,
});
export type FtwWriteHeader = Infer<typeof FtwWriteHeader>;

/**
 * EFI_FAULT_TOLERANT_WRITE_RECORD (FaultTolerantWrite.h), 40 bytes + private data. `flags`:
 * b0 BootBlockUpdate, b1 SpareComplete, b2 DestinationComplete (0 = set). RelativeOffset is an
 * INT64 kept as its u64 bit pattern.
 */
export const FtwWriteRecord = struct('EFI_FAULT_TOLERANT_WRITE_RECORD', {
  flags: u8,
  pad: fixedBytes('Pad', 7),
  lba: u64le,
  offset: u64le,
  length: u64le,
  relativeOffset: u64le,
});
export type FtwWriteRecord = Infer<typeof FtwWriteRecord>;

/** FTW flag bits (FaultTolerantWrite.h): header and record. Set = bit cleared on flash. */
export const FTW_HEADER_FLAG = { HEADER_ALLOCATED: 0x1, WRITES_ALLOCATED: 0x2, WRITES_COMPLETED: 0x4 } as const;
export const FTW_RECORD_FLAG = { BOOT_BLOCK_UPDATE: 0x1, SPARE_COMPLETED: 0x2, DEST_COMPLETED: 0x4 } as const;
export const FTW_WORKING_FLAG = { WORKING_BLOCK_VALID: 0x1, WORKING_BLOCK_INVALID: 0x2 } as const;
