import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { DecodeError } from '@tcg2sim/binary-codec';
import { ovmfImage, requirePrerequisites } from '@tcg2sim/test-support';
import { VarStoreError, listVariables, readVarStore, recoverVarStore, setVariable } from '@tcg2sim/uefi';

/** Every failure on hostile bytes is typed; nothing else may escape. */
function typed(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof VarStoreError) {
      expect(e.code).to.be.a('string');
      expect(e.offset).to.be.a('number');
      return;
    }
    if (e instanceof DecodeError) return;
    throw e;
  }
}

describe('variable store: mutation fuzz of the real OVMF stores', function () {
  this.timeout(60_000);
  let ms: Uint8Array;
  before(function () {
    requirePrerequisites(this, { files: ['/usr/share/OVMF/OVMF_VARS.ms.fd'] });
    ms = new Uint8Array(readFileSync(ovmfImage('OVMF_VARS.ms.fd')!));
  });

  // Mutations aimed at the structures: FV header, store header, the first records, the FTW area.
  const hot = fc.oneof(fc.integer({ min: 0, max: 0x64 + 0x400 }), fc.integer({ min: 0xf000, max: 0xf100 }), fc.integer({ min: 0, max: 0x1ffff }));
  const mutation = fc.array(fc.tuple(hot, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 });

  it('reading a mutated store either works or fails with a typed error naming the offset', () => {
    fc.assert(
      fc.property(mutation, (muts) => {
        const img = ms.slice();
        for (const [at, v] of muts) img[at] = v;
        typed(() => readVarStore(img));
        typed(() => listVariables(img));
      }),
      { numRuns: 300, seed: 42 }
    );
  });

  it('recovering and writing a mutated store either works or fails with a typed error', () => {
    fc.assert(
      fc.property(mutation, (muts) => {
        const img = ms.slice();
        for (const [at, v] of muts) img[at] = v;
        typed(() => recoverVarStore(img));
        typed(() => setVariable(img, { name: 'Fuzz', guid: '12345678-1234-1234-1234-123456789ABC', attributes: 7, data: Uint8Array.of(1) }));
      }),
      { numRuns: 150, seed: 43 }
    );
  });

  it('truncated stores fail with typed errors', () => {
    for (const n of [0, 0x10, 0x47, 0x48, 0x63, 0x200, 0xe000, 0x1ffff]) typed(() => readVarStore(ms.subarray(0, n)));
  });
});
