/**
 * The GPT's on-disk layouts, declared once: the disk reader (gpt.ts) and the event log's
 * UEFI_GPT_DATA (@tcg2sim/event-log, which imports this file alone through the
 * `@tcg2sim/uefi/gpt-layout` export) both use them.
 */
import { EFIGuid, fixedBytes, struct, u32le, u64le } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';

/** EFI_PARTITION_TABLE_HEADER (UEFI 2.9 §5.3.2), the 92 bytes every revision defines. */
export const GptHeader = struct('EFI_PARTITION_TABLE_HEADER', {
  signature: fixedBytes('Signature', 8),
  revision: u32le,
  headerSize: u32le,
  headerCrc32: u32le,
  reserved: u32le,
  myLba: u64le,
  alternateLba: u64le,
  firstUsableLba: u64le,
  lastUsableLba: u64le,
  diskGuid: EFIGuid,
  partitionEntryLba: u64le,
  numberOfPartitionEntries: u32le,
  sizeOfPartitionEntry: u32le,
  partitionEntryArrayCrc32: u32le,
});
export type GptHeader = Infer<typeof GptHeader>;
/** sizeof (EFI_PARTITION_TABLE_HEADER). */
export const GPT_HEADER_SIZE = 92;

/** EFI_PARTITION_ENTRY (UEFI 2.9 §5.3.3), 128 bytes. */
export const GptEntry = struct('EFI_PARTITION_ENTRY', {
  partitionTypeGuid: EFIGuid,
  uniquePartitionGuid: EFIGuid,
  startingLba: u64le,
  endingLba: u64le,
  attributes: u64le,
  partitionName: fixedBytes('PartitionName', 72),
});
export type GptEntry = Infer<typeof GptEntry>;
