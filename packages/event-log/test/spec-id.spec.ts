import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError, decode, encode, fromHex, toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import {
  EventLogBuilder, TCGEfiSpecIDEvent, TCGPCREvent, decodeSpecIdEvent, encodeSpecIdEvent, makeSpecIdEvent,
} from '@tcg2sim/event-log';

// Complete SpecID records as Tcg2Dxe SetupEventLog writes them (docs/edk2-dxe.md §3.5).
const HEADER = (size: string): string => '00000000' + '03000000' + '00'.repeat(20) + size;
const SIG = '53706563204944204576656e74303300';
const VECTORS = [
  { name: 'SHA256 only (65 bytes)', algs: [TPM_ALG_HASH.SHA256], hex: HEADER('21000000') + SIG + '00000000' + '00020002' + '01000000' + '0b002000' + '00' },
  {
    name: 'SHA1+SHA256 (69 bytes)', algs: [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256],
    hex: HEADER('25000000') + SIG + '00000000' + '00020002' + '02000000' + '04001400' + '0b002000' + '00',
  },
  {
    name: 'SHA1/256/384/512 (77 bytes)', algs: [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512],
    hex: HEADER('2d000000') + SIG + '00000000' + '00020002' + '04000000' + '04001400' + '0b002000' + '0c003000' + '0d004000' + '00',
  },
];

describe('TCG_EfiSpecIDEvent (Spec ID Event03)', () => {
  for (const v of VECTORS) {
    it(`writes the Tcg2Dxe header record byte for byte: ${v.name}`, () => {
      expect(toHex(new EventLogBuilder({ algs: v.algs }).encode())).to.equal(v.hex);
    });
    it(`decodes the Tcg2Dxe header record: ${v.name}`, () => {
      const rec = decode(TCGPCREvent, fromHex(v.hex));
      const s = decodeSpecIdEvent(rec.event);
      expect(s).to.deep.include({ signature: 'Spec ID Event03', platformClass: 0, specVersionMinor: 0, specVersionMajor: 2, specErrata: 0, uintnSize: 2 });
      expect(s.digestSizes.map((a) => a.algorithmId)).to.deep.equal(v.algs);
      expect(s.vendorInfo.length).to.equal(0);
    });
  }

  it('round-trips any field values', () => {
    const alg = fc.record({ algorithmId: fc.integer({ min: 0, max: 0xffff }), digestSize: fc.integer({ min: 0, max: 0xffff }) });
    fc.assert(
      fc.property(
        fc.record({
          platformClass: fc.nat({ max: 0xffffffff }), specVersionMinor: fc.nat({ max: 255 }), specVersionMajor: fc.nat({ max: 255 }),
          specErrata: fc.nat({ max: 255 }), uintnSize: fc.nat({ max: 255 }), digestSizes: fc.array(alg, { maxLength: 8 }),
          vendorInfo: fc.uint8Array({ maxLength: 255 }),
        }),
        (f) => {
          const v = { signature: 'Spec ID Event03', ...f };
          const bytes = encode(TCGEfiSpecIDEvent, v);
          expect(decode(TCGEfiSpecIDEvent, bytes)).to.deep.equal(v);
        }
      ),
      { numRuns: 200 }
    );
  });

  it('rejects a wrong signature with BAD_VALUE', () => {
    const data = encodeSpecIdEvent(makeSpecIdEvent([TPM_ALG_HASH.SHA256]));
    data[14] = 0x32; // "Spec ID Event02"
    try {
      decodeSpecIdEvent(data);
      expect.fail('decoded');
    } catch (err) {
      expect(err).to.be.instanceOf(DecodeError);
      expect((err as DecodeError).code).to.equal('BAD_VALUE');
    }
  });

  it('bounds numberOfAlgorithms with LIMIT_EXCEEDED instead of allocating', () => {
    const data = encodeSpecIdEvent(makeSpecIdEvent([TPM_ALG_HASH.SHA256]));
    new DataView(data.buffer).setUint32(24, 0xffffffff, true);
    try {
      decodeSpecIdEvent(data);
      expect.fail('decoded');
    } catch (err) {
      expect(err).to.be.instanceOf(DecodeError);
      expect((err as DecodeError).code).to.equal('LIMIT_EXCEEDED');
      expect((err as DecodeError).offset).to.equal(24);
    }
  });

  it('reports trailing bytes after vendorInfo as TRAILING_BYTES', () => {
    const data = encodeSpecIdEvent(makeSpecIdEvent([TPM_ALG_HASH.SHA256]));
    const longer = new Uint8Array(data.length + 1);
    longer.set(data);
    expect(() => decodeSpecIdEvent(longer)).to.throw(DecodeError).with.property('code', 'TRAILING_BYTES');
  });
});
