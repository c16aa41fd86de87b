/**
 * Coverage-guided fuzz target for the disk readers (GPT, FAT12/16/32, the removable-media loader
 * lookup). See fuzz/README.md for how to run it (CI fuzzes it from packages/uefi/test/jazzer.spec.ts).
 *
 * The input is read as a FAT volume and as a whole disk. Every input must either parse or throw
 * a typed error (DiskError, DecodeError); anything else is a finding.
 */
import { DecodeError } from '@tcg2sim/binary-codec';
import { DiskError, FatVolume, bytesDiskSource, findDiskBootLoader } from '@tcg2sim/uefi';

const limits = { maxFileBytes: 1 << 20, maxDirectoryBytes: 256 * 1024, maxPathDepth: 8 };

function expectTyped(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (err instanceof DiskError || err instanceof DecodeError) return;
    throw err;
  }
}

/** The fuzz target: `data` is one input from the fuzzer. */
export function fuzz(data: Uint8Array): void {
  const src = bytesDiskSource(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  expectTyped(() => {
    const v = new FatVolume(src, 0, src.size, limits);
    v.listDirectory('\\');
    v.readFile('\\EFI\\BOOT\\BOOTX64.EFI');
  });
  expectTyped(() => findDiskBootLoader(src, { fat: limits }));
}
