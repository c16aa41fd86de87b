import { DiskError } from './errors.ts';

/** Random read access to a disk image (a file or bytes). Reads past the end throw SHORT_DISK. */
export interface DiskSource {
  /** Size of the image in bytes. */
  readonly size: number;
  /** `length` bytes at byte `offset`. */
  read(offset: number, length: number): Uint8Array;
}

/** Logical block size of the disks modelled (QEMU virtio-blk default). */
export const SECTOR_SIZE = 512;

/** A {@link DiskSource} over bytes in memory. */
export function bytesDiskSource(input: Uint8Array): DiskSource {
  // A plain Uint8Array view: Buffer's slice() shares memory, Uint8Array's copies.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return {
    size: bytes.length,
    read(offset, length) {
      checkRange(bytes.length, offset, length);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** Throws SHORT_DISK unless [offset, offset+length) lies inside a `size`-byte image. */
export function checkRange(size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new DiskError('SHORT_DISK', `read of ${length} bytes at ${offset} is outside the ${size}-byte disk image`, Number.isSafeInteger(offset) && offset >= 0 ? offset : -1);
  }
}
