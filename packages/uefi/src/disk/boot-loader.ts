import { DiskError } from './errors.ts';
import { FatVolume } from './fat.ts';
import type { FatKind, FatLimits } from './fat.ts';
import { ESP_PARTITION_TYPE, readGpt } from './gpt.ts';
import type { GptLimits, GptPartition, GptTable } from './gpt.ts';
import type { DiskSource } from './source.ts';

/** EFI_REMOVABLE_MEDIA_FILE_NAME for X64. */
export const REMOVABLE_MEDIA_FILE_NAME_X64 = '\\EFI\\BOOT\\BOOTX64.EFI';
/** EFI_REMOVABLE_MEDIA_FILE_NAME for AArch64 (UEFI 2.9 §3.5.1.1): what ArmVirtQemu's BDS loads. */
export const REMOVABLE_MEDIA_FILE_NAME_AA64 = '\\EFI\\BOOT\\BOOTAA64.EFI';

/** The default boot loader of a GPT disk, as OVMF's boot manager finds it. */
export interface DiskBootLoader {
  readonly gpt: GptTable;
  /** The partition whose filesystem holds the loader. */
  readonly partition: GptPartition;
  readonly isEsp: boolean;
  readonly fatKind: FatKind;
  /** The path looked up (`\EFI\BOOT\BOOTX64.EFI`). */
  readonly path: string;
  readonly file: Uint8Array;
  /** Valid partitions (PartitionDxe exposes them) other than the loader's. */
  readonly otherPartitions: number;
  /** How many of those hold a FAT filesystem too (FatDxe mounts them). */
  readonly otherFatVolumes: number;
}

/** The FAT volume on partition `p`, or undefined when it holds none FatDxe would mount. */
function openFat(disk: DiskSource, gpt: GptTable, p: GptPartition, limits: FatLimits | undefined): FatVolume | undefined {
  const start = Number(p.startingLba) * gpt.blockSize;
  const length = Number(p.endingLba - p.startingLba + 1n) * gpt.blockSize;
  try {
    return new FatVolume(disk, start, Math.min(length, disk.size - start), limits);
  } catch (e) {
    if (e instanceof DiskError) return undefined;
    throw e;
  }
}

/**
 * Finds `\EFI\BOOT\BOOTX64.EFI` (or `fileName`: BOOTAA64.EFI on AArch64) the way BDS expands a removable-media boot option: the
 * partitions PartitionDxe exposes, in table order, the first whose FAT filesystem holds the
 * file. Partitions without a FAT filesystem are skipped (FatDxe does not bind to them).
 * @throws DiskError NO_GPT, BAD_GPT, NO_ESP (no ESP and no FAT partition), NOT_FOUND (no
 * filesystem holds the file), BAD_FAT/LIMIT_EXCEEDED (the loader's own volume is broken), SHORT_DISK
 */
export function findDiskBootLoader(disk: DiskSource, limits?: { readonly gpt?: GptLimits; readonly fat?: FatLimits }, fileName: string = REMOVABLE_MEDIA_FILE_NAME_X64): DiskBootLoader {
  const gpt = readGpt(disk, limits?.gpt);
  let sawFat = false;
  let lastError: DiskError | undefined;
  for (const p of gpt.partitions) {
    if (!p.valid) continue;
    const fat = openFat(disk, gpt, p, limits?.fat);
    if (fat === undefined) continue;
    sawFat = true;
    try {
      const file = fat.readFile(fileName);
      const others = gpt.partitions.filter((q) => q.valid && q.number !== p.number);
      return {
        gpt, partition: p, isEsp: p.typeGuid === ESP_PARTITION_TYPE, fatKind: fat.kind, path: fileName, file,
        otherPartitions: others.length,
        otherFatVolumes: others.filter((q) => openFat(disk, gpt, q, limits?.fat) !== undefined).length,
      };
    } catch (e) {
      if (!(e instanceof DiskError)) throw e;
      if (e.code !== 'NOT_FOUND') lastError = e;
    }
  }
  if (lastError !== undefined) throw lastError;
  if (!sawFat) {
    const hasEsp = gpt.partitions.some((p) => p.valid && p.typeGuid === ESP_PARTITION_TYPE);
    throw new DiskError(hasEsp ? 'BAD_FAT' : 'NO_ESP', hasEsp ? 'the EFI System Partition holds no FAT filesystem' : 'no EFI System Partition (and no FAT partition) on the disk');
  }
  throw new DiskError('NOT_FOUND', `no FAT partition holds ${fileName}`);
}
