import { expect } from 'chai';
import fc from 'fast-check';
import { LogArea, noActionDigestList } from '@tcg2sim/tcg2-dxe';

describe('Tcg2Dxe properties (fast-check)', function () {
  it('a log area holds exactly the records that fitted, in order, with SP800-155 records in front; once full it stays full', function () {
    const op = fc.record({ len: fc.integer({ min: 1, max: 40 }), sp: fc.boolean() });
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 300 }), fc.array(op, { maxLength: 30 }), (laml, ops) => {
        const area = new LogArea(laml);
        area.append(new Uint8Array(4).fill(0xee));
        area.setNext800155Offset(area.size);
        const front: number[] = [];
        const back: number[] = [];
        let full = false;
        ops.forEach((o, i) => {
          const rec = new Uint8Array(o.len).fill(i);
          const r = o.sp ? area.insert800155(rec) : area.append(rec);
          if (full) expect(r).to.equal('full');
          if (r === 'full') full = true;
          else (o.sp ? front : back).push(i);
        });
        const sizes = new Map(ops.map((o, i) => [i, o.len]));
        const expected = [0xee, 0xee, 0xee, 0xee, ...[...front, ...back].flatMap((i) => new Array<number>(sizes.get(i) ?? 0).fill(i))];
        expect([...area.used]).to.deep.equal(expected);
        expect(area.truncated).to.equal(full);
        expect(area.bytes.subarray(area.size).every((b) => b === 0xff)).to.equal(true);
      }),
      { numRuns: 300 }
    );
  });

  it('the EV_NO_ACTION digest list is a subsequence of the active banks and never empty', function () {
    const order = [0x04, 0x0b, 0x0c, 0x0d, 0x12] as const;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 31 }), fc.nat(), (mask, size) => {
        const algs = order.filter((_, i) => (mask & (1 << i)) !== 0);
        const out = noActionDigestList(algs, size).map((d) => d.alg);
        expect(out.length).to.be.greaterThan(0);
        expect(out[0]).to.equal(algs[0]);
        let j = 0;
        for (const a of out) {
          while (j < algs.length && algs[j] !== a) j++;
          expect(j).to.be.lessThan(algs.length);
        }
      }),
      { numRuns: 200 }
    );
  });
});
