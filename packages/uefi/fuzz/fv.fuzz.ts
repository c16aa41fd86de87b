/**
 * Coverage-guided fuzz target for the firmware-volume parser (@jazzer.js/core).
 * See fuzz/README.md for how to run it (CI fuzzes it from packages/uefi/test/jazzer.spec.ts).
 *
 * Every input must either parse or throw one of the typed errors (FvError, DecodeError);
 * anything else (TypeError, RangeError, a crash, a hang, an allocation failure) is a finding.
 */
import { DecodeError } from '@tcg2sim/binary-codec';
import { FvError, parseFirmwareVolume, parseFlashImage } from '@tcg2sim/uefi';
import type { FvLimits } from '@tcg2sim/uefi';

/**
 * Small limits keep each run fast and prove the limits hold: decompression bombs and deep
 * nesting must stop at the budget, not exhaust memory.
 */
const limits: FvLimits = { maxDepth: 12, maxDecompressedBytes: 4 * 1024 * 1024, maxFiles: 2000, maxSections: 8000 };

function expectTyped(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (err instanceof FvError || err instanceof DecodeError) return;
    throw err;
  }
}

/** The fuzz target: `data` is one input from the fuzzer. */
export function fuzz(data: Uint8Array): void {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // The first byte picks whether checksums are enforced, so that contents behind a stale
  // checksum are still explored.
  const verifyChecksums = ((bytes[0] ?? 0) & 1) === 1;
  expectTyped(() => parseFirmwareVolume(bytes, { limits, verifyChecksums }));
  expectTyped(() => parseFlashImage(bytes, { limits, verifyChecksums }));
}
