import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DiskError, findDiskBootLoader } from '@tcg2sim/uefi';
import type { DiskBootLoader, DiskSource } from '@tcg2sim/uefi';
import { UsageError } from './errors.ts';

/** Largest single read the disk readers make (the biggest is a loader file, bounded by FatLimits). */
const MAX_READ = 256 * 1024 * 1024;

/** A {@link DiskSource} reading a raw image file on demand (images may be gigabytes). */
function fileDiskSource(fd: number): DiskSource {
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
        throw new DiskError('SHORT_DISK', `read of ${length} bytes at ${offset} is outside the ${size}-byte disk image`, offset >= 0 ? offset : -1);
      }
      if (length > MAX_READ) throw new DiskError('LIMIT_EXCEEDED', `a ${length}-byte read exceeds ${MAX_READ}`, offset);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n === 0) throw new DiskError('SHORT_DISK', `the disk image ended at ${offset + done}`, offset + done);
        done += n;
      }
      return out;
    },
  };
}

/**
 * Reads the raw disk image at `path` and finds its `\EFI\BOOT\BOOTX64.EFI` (`--disk FILE`), or
 * `fileName` (`\EFI\BOOT\BOOTAA64.EFI` for ArmVirtQemu).
 * @throws UsageError (exit 2) with a one-line reason; ENOENT/EISDIR/EACCES from the file system
 */
export function loadDiskBootLoader(path: string, fileName?: string): DiskBootLoader {
  const fd = openSync(path, 'r');
  try {
    if (!fstatSync(fd).isFile()) throw new UsageError(`--disk ${path}: not a regular file`);
    return findDiskBootLoader(fileDiskSource(fd), undefined, fileName);
  } catch (e) {
    if (e instanceof DiskError) throw new UsageError(`--disk ${path}: ${e.message}`, { cause: e });
    throw e;
  } finally {
    closeSync(fd);
  }
}
