import { decodeFirst } from '@tcg2sim/binary-codec';
import { crc32 } from '../varstore/crc32.ts';
import { DiskError } from './errors.ts';
import { SECTOR_SIZE } from './source.ts';
import type { DiskSource } from './source.ts';

import { GPT_HEADER_SIZE, GptEntry, GptHeader } from './gpt-layout.ts';
import { char16UpToNul } from '../char16.ts';
export { GPT_HEADER_SIZE, GptEntry, GptHeader } from './gpt-layout.ts';

/** gEfiPartTypeSystemPartGuid: the EFI System Partition. */
export const ESP_PARTITION_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
const UNUSED = '00000000-0000-0000-0000-000000000000';

/** Bounds on what a GPT may declare. */
export interface GptLimits {
  /** NumberOfPartitionEntries × SizeOfPartitionEntry, in bytes (default 1 MiB). */
  readonly maxEntryArrayBytes: number;
}
export const DEFAULT_GPT_LIMITS: GptLimits = { maxEntryArrayBytes: 1024 * 1024 };

/** One used partition entry. */
export interface GptPartition {
  /** 1-based position in the entry array: the HD() node's PartitionNumber. */
  readonly number: number;
  readonly typeGuid: string;
  readonly uniqueGuid: string;
  readonly startingLba: bigint;
  readonly endingLba: bigint;
  readonly attributes: bigint;
  readonly name: string;
  /**
   * False when PartitionDxe would not install a child for it (outside the usable LBAs, ending
   * before it starts, overlapping another used entry, or Attributes bit 1 set).
   */
  readonly valid: boolean;
}

/** A disk's primary GPT as firmware reads it. */
export interface GptTable {
  /** The header bytes as stored at LBA 1 (HeaderSize bytes). */
  readonly headerBytes: Uint8Array;
  readonly header: GptHeader;
  /** Every entry of the array, SizeOfPartitionEntry bytes each, in table order. */
  readonly entries: readonly Uint8Array[];
  /** The used entries (PartitionTypeGUID not zero). */
  readonly partitions: readonly GptPartition[];
  readonly blockSize: number;
}

/**
 * Reads and validates the primary GPT (protective MBR, header at LBA 1, its CRC, the entry
 * array and its CRC), the checks PartitionDxe makes before it exposes partitions.
 * @throws DiskError NO_GPT, BAD_GPT, SHORT_DISK, LIMIT_EXCEEDED
 */
export function readGpt(disk: DiskSource, limits: GptLimits = DEFAULT_GPT_LIMITS): GptTable {
  const bs = SECTOR_SIZE;
  if (disk.size < 3 * bs) throw new DiskError('SHORT_DISK', `a ${disk.size}-byte image cannot hold a GPT`, 0);
  const lastLba = BigInt(Math.floor(disk.size / bs) - 1);
  const mbr = disk.read(0, bs);
  const protective = [0, 1, 2, 3].some((i) => mbr[446 + 16 * i + 4] === 0xee);
  if (mbr[510] !== 0x55 || mbr[511] !== 0xaa || !protective) throw new DiskError('NO_GPT', 'no protective MBR (partition type 0xEE) at LBA 0: not a GPT disk', 0);
  const lba1 = disk.read(bs, bs);
  const [header] = decodeFirst(GptHeader, lba1);
  if (new TextDecoder('latin1').decode(header.signature) !== 'EFI PART') throw new DiskError('NO_GPT', 'no "EFI PART" signature at LBA 1', bs);
  if (header.headerSize < GPT_HEADER_SIZE || header.headerSize > bs) throw new DiskError('BAD_GPT', `GPT HeaderSize ${header.headerSize} is outside ${GPT_HEADER_SIZE}..${bs}`, bs + 12);
  const headerBytes = Uint8Array.prototype.slice.call(lba1, 0, header.headerSize);
  const forCrc = Uint8Array.prototype.slice.call(headerBytes);
  forCrc.fill(0, 16, 20);
  if (crc32(forCrc) !== header.headerCrc32) throw new DiskError('BAD_GPT', 'GPT header CRC32 mismatch', bs + 16);
  if (header.myLba !== 1n) throw new DiskError('BAD_GPT', `GPT MyLBA is ${header.myLba}, not 1`, bs + 24);
  const size = header.sizeOfPartitionEntry;
  if (size < 128 || size % 128 !== 0 || (size & (size - 1)) !== 0) throw new DiskError('BAD_GPT', `SizeOfPartitionEntry ${size} is not 128 × 2^n`, bs + 84);
  const arrayBytes = header.numberOfPartitionEntries * size;
  if (arrayBytes > limits.maxEntryArrayBytes) throw new DiskError('LIMIT_EXCEEDED', `GPT entry array of ${arrayBytes} bytes exceeds ${limits.maxEntryArrayBytes}`, bs + 80);
  if (header.firstUsableLba > header.lastUsableLba || header.lastUsableLba > lastLba) throw new DiskError('BAD_GPT', `usable LBAs ${header.firstUsableLba}..${header.lastUsableLba} do not fit the disk (last LBA ${lastLba})`, bs + 40);
  const arrayLbas = BigInt(Math.ceil(arrayBytes / bs));
  if (header.partitionEntryLba < 2n || header.partitionEntryLba + arrayLbas - 1n > lastLba) throw new DiskError('BAD_GPT', `PartitionEntryLBA ${header.partitionEntryLba} is outside the disk`, bs + 72);
  const array = disk.read(Number(header.partitionEntryLba) * bs, arrayBytes);
  if (crc32(array) !== header.partitionEntryArrayCrc32) throw new DiskError('BAD_GPT', 'GPT partition entry array CRC32 mismatch', Number(header.partitionEntryLba) * bs);
  const entries: Uint8Array[] = [];
  const used: { number: number; e: GptEntry }[] = [];
  for (let i = 0; i < header.numberOfPartitionEntries; i++) {
    const raw = Uint8Array.prototype.slice.call(array, i * size, (i + 1) * size);
    entries.push(raw);
    const [e] = decodeFirst(GptEntry, raw);
    if (e.partitionTypeGuid !== UNUSED) used.push({ number: i + 1, e });
  }
  // PartitionCheckGptEntry: out of the usable range, overlapping another used entry (both are
  // dropped), or Attributes bit 1 (firmware must not produce BlockIo for it).
  const overlap = new Set<number>();
  used.forEach((a, i) => {
    for (const b of used.slice(i + 1)) {
      if (a.e.startingLba <= b.e.endingLba && b.e.startingLba <= a.e.endingLba) {
        overlap.add(a.number);
        overlap.add(b.number);
      }
    }
  });
  const partitions: GptPartition[] = used.map(({ number, e }) => ({
    number,
    typeGuid: e.partitionTypeGuid,
    uniqueGuid: e.uniquePartitionGuid,
    startingLba: e.startingLba,
    endingLba: e.endingLba,
    attributes: e.attributes,
    name: char16UpToNul(e.partitionName),
    valid: e.startingLba >= header.firstUsableLba && e.endingLba <= header.lastUsableLba && e.startingLba <= e.endingLba && !overlap.has(number) && (e.attributes & 2n) === 0n,
  }));
  return { headerBytes, header, entries, partitions, blockSize: bs };
}
