import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError } from '@tcg2sim/binary-codec';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';
import { FvError, parseFirmwareVolume, parseFlashImage, walkFv } from '@tcg2sim/uefi';
import type { FvLimits } from '@tcg2sim/uefi';
import { everyCompressionVolume } from './packers.ts';
import { fuzz } from '../fuzz/fv.fuzz.ts';

const limits: FvLimits = { maxDepth: 12, maxDecompressedBytes: 4 * 1024 * 1024, maxFiles: 2000, maxSections: 8000 };

/** Parses `bytes`; only success or a typed error is acceptable. Returns the error code, if any. */
function parseTyped(bytes: Uint8Array, verifyChecksums: boolean, flash: boolean): string {
  try {
    if (flash) parseFlashImage(bytes, { limits, verifyChecksums });
    else parseFirmwareVolume(bytes, { limits, verifyChecksums });
    return 'OK';
  } catch (err) {
    if (err instanceof FvError || err instanceof DecodeError) return err.code;
    throw err;
  }
}

/** Offsets of the first 40 bytes of every node in the image: headers, where mutations matter. */
function headerOffsets(bytes: Uint8Array): number[] {
  const fv = parseFirmwareVolume(bytes);
  const out = new Set<number>();
  for (const n of walkFv(fv)) {
    if (n.imageOffset === undefined) continue;
    for (let i = 0; i < 40 && n.imageOffset + i < bytes.length; i++) out.add(n.imageOffset + i);
  }
  return [...out];
}

/** Byte edits biased towards header bytes, and an optional truncation. */
function mutation(bytes: Uint8Array, hot: readonly number[]) {
  const pos = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...hot) },
    { weight: 1, arbitrary: fc.nat({ max: bytes.length - 1 }) }
  );
  return fc.record({
    edits: fc.array(fc.record({ pos, value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0xff, 0x7f, 0x80)) }), { minLength: 1, maxLength: 6 }),
    cut: fc.option(fc.nat({ max: bytes.length }), { freq: 4 }),
    verify: fc.boolean(),
  });
}

function check(seed: Uint8Array, runs: number, flash = false): void {
  const hot = headerOffsets(seed);
  const seen = new Set<string>();
  fc.assert(
    fc.property(mutation(seed, hot), ({ edits, cut, verify }) => {
      const b = seed.slice(0, cut ?? seed.length);
      for (const e of edits) if (e.pos < b.length) b[e.pos] = e.value;
      seen.add(parseTyped(b, verify, flash));
    }),
    { numRuns: runs, seed: 42 }
  );
  // The mutations reached more than one outcome (the fuzzing is not a no-op).
  expect(seen.size).to.be.greaterThan(1);
}

describe('firmware volume parser under mutation (fast-check)', function () {
  this.timeout(60_000);

  it('survives byte edits and truncation of a synthetic volume with every compressed section kind', () => {
    const seed = everyCompressionVolume();
    expect(parseTyped(seed, true, false)).to.equal('OK');
    check(seed, 400);
  });

  describe('real OVMF volumes', () => {
    let image: Uint8Array;
    before(function () {
      requirePrerequisites(this, { files: [join(OVMF_DIR, 'OVMF_CODE_4M.fd')] });
      image = new Uint8Array(readFileSync(join(OVMF_DIR, 'OVMF_CODE_4M.fd')));
    });

    it('runs the jazzer fuzz target on real volumes, truncated volumes and random bytes without an untyped error', () => {
      const secfv = image.slice(0x348000);
      fuzz(secfv);
      fuzz(secfv.subarray(0, 0x1000));
      fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => fuzz(bytes)), { numRuns: 200, seed: 3 });
      expect(() => fuzz(image.slice(0, 0x100))).to.not.throw();
    });

    it('survives byte edits and truncation of SECFV (OVMF_CODE_4M.fd)', () => {
      check(image.slice(0x348000), 300);
    });

    it('survives byte edits and truncation of the decompressed PEIFV (OVMF_CODE_4M.fd)', () => {
      const peifv = [...walkFv(parseFlashImage(image).volumes[0]!)].find((n) => n.kind === 'volume' && n.guid === '6938079B-B503-4E3D-9D24-B28337A25806');
      check(peifv!.raw.slice(), 150);
    });

    it('survives edits of the FVMAIN_COMPACT headers in the flash image, within the decompression budget', () => {
      // Small budget: the 13 MB LZMA section is refused before decompression, so each run is fast.
      const head = image.slice(0, 0x348000 + 0x34000);
      const hot = Array.from({ length: 0xc0 }, (_, i) => i);
      const seen = new Set<string>();
      fc.assert(
        fc.property(fc.array(fc.record({ pos: fc.constantFrom(...hot), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 3 }), (edits) => {
          const b = head.slice();
          for (const e of edits) b[e.pos] = e.value;
          try {
            parseFlashImage(b, { limits: { ...limits, maxDecompressedBytes: 1 << 20 }, verifyChecksums: false });
            seen.add('OK');
          } catch (err) {
            if (!(err instanceof FvError || err instanceof DecodeError)) throw err;
            seen.add(err.code);
          }
        }),
        { numRuns: 60, seed: 7 }
      );
      expect(seen.size).to.be.greaterThan(1);
    });
  });
});
