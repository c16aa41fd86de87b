import { expect } from 'chai';
import fc from 'fast-check';
import { allocBytes } from '@tcg2sim/binary-codec';

describe('allocBytes (arrays cut from shared slabs)', () => {
  it('hands out zero-filled arrays of the asked size that never share a byte (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1500), { minLength: 1, maxLength: 60 }), (sizes) => {
        const arrays = sizes.map((n) => allocBytes(n));
        arrays.forEach((a, i) => {
          expect(a.length).to.equal(sizes[i]);
          expect(a.every((b) => b === 0)).to.equal(true);
        });
        // Writing each array's index into it leaves every other array as it was.
        arrays.forEach((a, i) => a.fill((i % 255) + 1));
        arrays.forEach((a, i) => {
          expect(a.every((b) => b === (i % 255) + 1)).to.equal(true);
        });
      }),
      { numRuns: 100 }
    );
  });
  it('starts small arrays on 8-byte boundaries of their slab', () => {
    for (let n = 0; n < 40; n++) expect(allocBytes(n).byteOffset % 8).to.equal(0);
  });
});
