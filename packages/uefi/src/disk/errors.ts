import { Tcg2Error } from '@tcg2sim/binary-codec';

/** Why reading a disk image failed. */
export type DiskErrorCode =
  /** The image is smaller than the structure being read (or not a whole number of sectors where it matters). */
  | 'SHORT_DISK'
  /** No protective MBR / no "EFI PART" header at LBA 1 (MBR-only disks are not modelled). */
  | 'NO_GPT'
  /** The GPT header or entry array is invalid (CRC, sizes, LBAs out of range). */
  | 'BAD_GPT'
  /** No partition has the EFI System Partition type and none holds a FAT filesystem. */
  | 'NO_ESP'
  /** The FAT boot sector / BPB is invalid, or a cluster chain or directory is malformed. */
  | 'BAD_FAT'
  /** The file or directory does not exist. */
  | 'NOT_FOUND'
  /** A size, count or depth bound was exceeded. */
  | 'LIMIT_EXCEEDED';

/**
 * A disk-image failure. `offset` is the absolute byte offset in the disk image the failure is
 * about (-1 when it is not about one place).
 */
export class DiskError extends Tcg2Error {
  override readonly name = 'DiskError';
  readonly code: DiskErrorCode;
  readonly offset: number;

  constructor(code: DiskErrorCode, message: string, offset = -1, options?: ErrorOptions) {
    super(offset >= 0 ? `${message} (offset 0x${offset.toString(16)})` : message, options);
    this.code = code;
    this.offset = offset;
  }
}
