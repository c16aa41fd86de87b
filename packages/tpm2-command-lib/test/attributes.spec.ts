import { expect } from 'chai';
import fc from 'fast-check';
import { decode, encode, fromHex, toHex } from '@tcg2sim/binary-codec';
import { TPMANV, TPMASession, TPMAAlgorithm, TPMACC, TPMA_NV, TPM_NT } from '@tcg2sim/tpm2-command-lib';

describe('TPMA_* bitfields (Part 2 8.2, 8.4, 8.9, 13.4)', () => {
  it('names the bits of a platform NV index word', () => {
    const v = TPMANV.unpack(TPMA_NV.PPWRITE | TPMA_NV.PPREAD | TPMA_NV.WRITTEN | TPMA_NV.PLATFORMCREATE | (TPM_NT.COUNTER << 4));
    expect(v).to.include({ ppWrite: true, ppRead: true, written: true, platformCreate: true, ownerWrite: false, nt: TPM_NT.COUNTER, reserved: 0 });
    expect(TPMANV.unpack(0x80000000).readStClear).to.equal(true);
  });

  it('encodes TPMA_NV big-endian and decodes it back', () => {
    const v = TPMANV.unpack(0x62010001);
    expect(toHex(encode(TPMANV, v))).to.equal('62010001');
    expect(decode(TPMANV, fromHex('62010001'))).to.deep.equal(v);
  });

  it('reads cHandles and commandIndex out of a TPMA_CC (PCR_Extend: one handle)', () => {
    expect(TPMACC.unpack(0x02000182)).to.include({ commandIndex: 0x182, cHandles: 1, nv: false, V: false, reserved: 0 });
  });

  it('reads the session attributes of the EDK II session response (continueSession)', () => {
    expect(TPMASession.unpack(0x01)).to.include({ continueSession: true, encrypt: false, reserved: 0 });
    expect(TPMASession.unpack(0x18).reserved).to.equal(0x18);
  });

  it('round-trips every word, reserved bits included', () => {
    fc.assert(fc.property(fc.nat(0xffffffff), (w) => {
      expect(TPMANV.pack(TPMANV.unpack(w))).to.equal(w);
      expect(TPMAAlgorithm.pack(TPMAAlgorithm.unpack(w))).to.equal(w);
      expect(TPMACC.pack(TPMACC.unpack(w))).to.equal(w);
      expect(TPMASession.pack(TPMASession.unpack(w & 0xff))).to.equal(w & 0xff);
    }), { numRuns: 300 });
  });

  it('refuses to pack a field or reserved value that does not fit', () => {
    expect(() => TPMACC.pack({ ...TPMACC.unpack(0), cHandles: 8 })).to.throw(RangeError);
    expect(() => TPMANV.pack({ ...TPMANV.unpack(0), reserved: 1 })).to.throw(RangeError);
  });
});
