/**
 * Damaged volume headers in a flash image: a `_FVH` header whose Revision, FvLength or
 * HeaderLength the scan must refuse is named by findDamagedVolumeHeaders, never silently turned
 * into "not in a volume". Property tests damage the header of the first of two copies of OVMF's
 * SECFV (Debian OVMF_CODE_4M.fd, the last 0x34000 bytes) at random.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError } from '@tcg2sim/binary-codec';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';
import { EFI_FV_FILETYPE, findDamagedVolumeHeaders, FvError, parseFlashImage } from '@tcg2sim/uefi';
import { volume } from './fv-builder.ts';

const CODE_4M = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const SECFV_SIZE = 0x34000;

function put64(b: Uint8Array, at: number, v: bigint): void {
  new DataView(b.buffer, b.byteOffset).setBigUint64(at, v, true);
}
function put16(b: Uint8Array, at: number, v: number): void {
  new DataView(b.buffer, b.byteOffset).setUint16(at, v, true);
}

/** parseFlashImage + findDamagedVolumeHeaders; typed errors are returned, anything else thrown. */
function scan(image: Uint8Array): { offsets: number[]; damage: { offset: number; field: string }[] } | FvError | DecodeError {
  try {
    const f = parseFlashImage(image);
    return { offsets: f.volumes.map((v) => v.imageOffset ?? -1), damage: findDamagedVolumeHeaders(image, f.gaps).map((d) => ({ offset: d.offset, field: d.field })) };
  } catch (e) {
    if (e instanceof FvError || e instanceof DecodeError) return e;
    throw e;
  }
}

describe('damaged volume headers', () => {
  const small = volume({ files: [{ guid: '11111111-2222-3333-4444-555555555555', type: EFI_FV_FILETYPE.RAW, data: new Uint8Array(5) }] });
  const two = (): Uint8Array => {
    const b = new Uint8Array(small.length * 2);
    b.set(small, 0);
    b.set(small, small.length);
    return b;
  };

  const cases: readonly [string, (b: Uint8Array) => void, string, RegExp][] = [
    ['FvLength below a header', (b) => { put64(b, 0x20, 0x10n); }, 'FvLength', /^FvLength 0x10 is smaller than the smallest volume header \(0x48\)$/],
    ['FvLength zero', (b) => { put64(b, 0x20, 0n); }, 'FvLength', /^FvLength 0x0 /],
    ['an odd HeaderLength', (b) => { put16(b, 0x30, 0x49); }, 'HeaderLength', /^HeaderLength 0x49 is odd$/],
    ['a HeaderLength below the fixed header', (b) => { put16(b, 0x30, 0x10); }, 'HeaderLength', /^HeaderLength 0x10 is smaller/],
    ['a HeaderLength above FvLength', (b) => { put64(b, 0x20, 0x50n); put16(b, 0x30, 0x60); }, 'HeaderLength', /^HeaderLength 0x60 is larger than FvLength 0x50$/],
    ['Revision 3', (b) => { b[0x37] = 3; }, 'Revision', /^Revision 3 is not 1 or 2$/],
  ];
  for (const [what, damage, field, detail] of cases) {
    it(`names the field for ${what}; the intact volume is still listed`, () => {
      const image = two();
      damage(image);
      const f = parseFlashImage(image);
      expect(f.volumes.map((v) => v.imageOffset)).to.deep.equal([small.length]);
      const d = findDamagedVolumeHeaders(image, f.gaps);
      expect(d).to.have.length(1);
      expect(d[0]).to.include({ offset: 0, field });
      expect(d[0]?.detail).to.match(detail);
    });
  }

  it('reports nothing for an undamaged image, nor for stray _FVH text that is not a header', () => {
    const image = two();
    expect(findDamagedVolumeHeaders(image, parseFlashImage(image).gaps)).to.deep.equal([]);
    const noise = new Uint8Array(0x80).fill(0x2e);
    noise.set(new TextEncoder().encode('_FVH'), 0x28);
    const withNoise = new Uint8Array(noise.length + small.length);
    withNoise.set(noise);
    withNoise.set(small, noise.length);
    const f = parseFlashImage(withNoise);
    expect(f.gaps).to.deep.equal([{ offset: 0, size: 0x80 }]);
    expect(findDamagedVolumeHeaders(withNoise, f.gaps)).to.deep.equal([]);
  });

  describe('random damage to a real header (property)', () => {
    let image: Uint8Array;
    before(function () {
      requirePrerequisites(this, { files: [CODE_4M] });
      const code = new Uint8Array(readFileSync(CODE_4M));
      const secfv = code.subarray(code.length - SECFV_SIZE);
      image = new Uint8Array(2 * SECFV_SIZE);
      image.set(secfv, 0);
      image.set(secfv, SECFV_SIZE);
    });

    it('random FvLength / HeaderLength / Revision values: the first volume is listed, or its damage is named, or a typed error', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 255 }), fc.boolean(), (len, hlen, rev, keepRev) => {
          const b = image.slice();
          put64(b, 0x20, len);
          put16(b, 0x30, hlen);
          if (!keepRev) b[0x37] = rev;
          const r = scan(b);
          if (r instanceof Error) {
            expect(r.message).to.match(/offset/);
            return;
          }
          if (!r.offsets.includes(0)) expect(r.damage.map((d) => d.offset)).to.include(0);
          expect(r.offsets).to.include(SECFV_SIZE);
        }),
        { numRuns: 300 },
      );
    });

    it('random bytes anywhere in the header except the signature: never a crash, and a refused header is named', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 0x47 }).filter((i) => i < 0x28 || i > 0x2b), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
          (edits) => {
            const b = image.slice();
            for (const [at, v] of edits) b[at] = v;
            const r = scan(b);
            if (r instanceof Error) return;
            const keepsLooks = b[0x37] === 1 || b[0x37] === 2 || edits.every(([at]) => at < 0x10 || at >= 0x20);
            if (!r.offsets.includes(0) && keepsLooks) expect(r.damage.map((d) => d.offset)).to.include(0);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
