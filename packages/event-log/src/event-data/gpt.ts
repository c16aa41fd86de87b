import { DecodeError, array, restBytes } from '@tcg2sim/binary-codec';
import type { Codec, Infer } from '@tcg2sim/binary-codec';
import { GptEntry, GptHeader } from '@tcg2sim/uefi/gpt-layout';
import { codecOf, uintnLength } from '../_codecs.ts';
import { MAX_EVENT_DATA } from '../structures.ts';

/**
 * EFI_PARTITION_TABLE_HEADER (UEFI 2.9 §5.3.2, the 92 bytes EDK II measures), declared once in
 * @tcg2sim/uefi (`disk/gpt-layout.ts`) for the disk reader and this event alike.
 */
export const EFIPartitionTableHeader = GptHeader;
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

const EFIPartitionEntry128 = GptEntry;

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
