import { DecodeError, EFIGuid, array, fixedBytes, restBytes, struct, u32le, u64le } from '@tcg2sim/binary-codec';
import type { Codec, Infer } from '@tcg2sim/binary-codec';
import { codecOf, uintnLength } from '../_codecs.ts';
import { MAX_EVENT_DATA } from '../structures.ts';

/**
 * EFI_PARTITION_TABLE_HEADER (UEFI 2.9 §5.3.2 Table 5-5, 92 bytes as measured; EDK II
 * `MdePkg/Include/Uefi/UefiGpt.h`, packed): EFI_TABLE_HEADER {UINT64 Signature "EFI PART";
 * UINT32 Revision; UINT32 HeaderSize; UINT32 CRC32; UINT32 Reserved}; EFI_LBA MyLBA;
 * EFI_LBA AlternateLBA; EFI_LBA FirstUsableLBA; EFI_LBA LastUsableLBA; EFI_GUID DiskGUID;
 * EFI_LBA PartitionEntryLBA; UINT32 NumberOfPartitionEntries; UINT32 SizeOfPartitionEntry;
 * UINT32 PartitionEntryArrayCRC32.
 */
export const EFIPartitionTableHeader = struct('EFI_PARTITION_TABLE_HEADER', {
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
export type EFIPartitionTableHeader = Infer<typeof EFIPartitionTableHeader>;

/**
 * EFI_PARTITION_ENTRY (UEFI 2.9 §5.3.3 Table 5-6): EFI_GUID PartitionTypeGUID;
 * EFI_GUID UniquePartitionGUID; EFI_LBA StartingLBA; EFI_LBA EndingLBA; UINT64 Attributes;
 * CHAR16 PartitionName[36]. Entries larger than 128 bytes keep their tail in `extra`.
 */
export interface EFIPartitionEntry {
  readonly partitionTypeGuid: string;
  readonly uniquePartitionGuid: string;
  readonly startingLba: bigint;
  readonly endingLba: bigint;
  readonly attributes: bigint;
  /** The 72 bytes of PartitionName (UTF-16LE, NUL padded). */
  readonly partitionName: Uint8Array;
  readonly extra: Uint8Array;
}

const EFIPartitionEntry128 = struct('EFI_PARTITION_ENTRY', {
  partitionTypeGuid: EFIGuid,
  uniquePartitionGuid: EFIGuid,
  startingLba: u64le,
  endingLba: u64le,
  attributes: u64le,
  partitionName: fixedBytes('PartitionName', 72),
});

function partitionEntry(size: number): Codec<EFIPartitionEntry> {
  return codecOf<EFIPartitionEntry>(
    'EFI_PARTITION_ENTRY',
    (w, v) => {
      EFIPartitionEntry128.encode(w, v);
      w.bytes(v.extra);
    },
    (r) => {
      const sub = r.sub(size);
      const base = EFIPartitionEntry128.decode(sub);
      return { ...base, extra: restBytes('extra', MAX_EVENT_DATA).decode(sub) };
    }
  );
}

/** UEFI_GPT_DATA as a value. */
export interface UEFIGptData {
  readonly uefiPartitionHeader: EFIPartitionTableHeader;
  readonly partitions: readonly EFIPartitionEntry[];
}

/**
 * UEFI_GPT_DATA (PFP 1.05 §10.2.6; EDK II `UefiTcgPlatform.h` EFI_GPT_DATA):
 * EFI_PARTITION_TABLE_HEADER EfiPartitionHeader; UINTN NumberOfPartitions;
 * EFI_PARTITION_ENTRY Partitions[NumberOfPartitions], each SizeOfPartitionEntry bytes.
 */
export function uefiGptData(uintnSize: number): Codec<UEFIGptData> {
  return codecOf<UEFIGptData>(
    'UEFI_GPT_DATA',
    (w, v) => {
      EFIPartitionTableHeader.encode(w, v.uefiPartitionHeader);
      uintnLength(uintnSize, 'NumberOfPartitions', MAX_EVENT_DATA).encode(w, v.partitions.length);
      const e = partitionEntry(v.uefiPartitionHeader.sizeOfPartitionEntry);
      for (const p of v.partitions) e.encode(w, p);
    },
    (r) => {
      const uefiPartitionHeader = EFIPartitionTableHeader.decode(r);
      const size = uefiPartitionHeader.sizeOfPartitionEntry;
      if (size < 128) {
        throw new DecodeError('BAD_VALUE', `SizeOfPartitionEntry ${size} is below 128`, r.offset - 8, ['SizeOfPartitionEntry']);
      }
      // The count is bounded by what the remaining bytes can hold: no hostile 2^64 loops.
      const count = uintnLength(uintnSize, 'NumberOfPartitions', Math.floor(r.remaining / size)).decode(r);
      return { uefiPartitionHeader, partitions: array('Partitions', partitionEntry(size), count).decode(r) };
    }
  );
}
