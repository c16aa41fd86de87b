import { expect } from 'chai';
import fc from 'fast-check';
import { ByteReader, ByteWriter, DecodeError } from '@tcg2sim/binary-codec';

// Independent truth: DataView's integer accessors over the same bytes.
describe('ByteWriter / ByteReader integers against DataView', () => {
  it('write every width and byte order as DataView does, and read back the same values (property)', () => {
    fc.assert(
      fc.property(
        fc.nat(0xff), fc.nat(0xffff), fc.nat(0xffffff), fc.nat({ max: 0xffffffff }), fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), fc.nat(5),
        (a, b, c, d, e, lead) => {
          const w = new ByteWriter(16);
          w.fill(lead, 0xee);
          w.u8(a).u16le(b).u16be(b).u24le(c).u32le(d).u32be(d).u64le(e).u64be(e);
          const bytes = w.finish();
          const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          let o = lead;
          expect(v.getUint8(o)).to.equal(a);
          expect(v.getUint16((o += 1), true)).to.equal(b);
          expect(v.getUint16((o += 2), false)).to.equal(b);
          expect(v.getUint16((o += 2), true) | (v.getUint8(o + 2) << 16)).to.equal(c);
          expect(v.getUint32((o += 3), true)).to.equal(d);
          expect(v.getUint32((o += 4), false)).to.equal(d);
          expect(v.getBigUint64((o += 4), true)).to.equal(e);
          expect(v.getBigUint64((o += 8), false)).to.equal(e);
          expect(bytes.length).to.equal(o + 8);

          // Read from a window of a larger buffer (absolute offsets), as decoders do.
          const big = new Uint8Array(bytes.length + 7);
          big.set(bytes, 3);
          const r = new ByteReader(big, 3 + lead, 3 + bytes.length);
          expect([r.u8(), r.u16le(), r.u16be(), r.u24le(), r.u32le(), r.u32be()]).to.deep.equal([a, b, b, c, d, d]);
          expect([r.u64le(), r.u64be()]).to.deep.equal([e, e]);
          expect(r.remaining).to.equal(0);
        }
      ),
      { numRuns: 200 }
    );
  });
  it('patches u32 sizes in both byte orders', () => {
    const w = new ByteWriter();
    w.u32be(0).u32le(0).patchU32be(0, 0x01020304).patchU32le(4, 0xa0b0c0d0);
    expect([...w.finish()]).to.deep.equal([1, 2, 3, 4, 0xd0, 0xc0, 0xb0, 0xa0]);
  });
  it('reads nothing past the window: SHORT_BUFFER at the absolute offset', () => {
    const r = new ByteReader(Uint8Array.of(1, 2, 3, 4, 5, 6), 2, 5);
    try {
      r.u32be();
      expect.fail('read past the window');
    } catch (e) {
      expect(e).to.be.instanceOf(DecodeError);
      if (e instanceof DecodeError) expect([e.code, e.offset]).to.deep.equal(['SHORT_BUFFER', 2]);
    }
  });
});
