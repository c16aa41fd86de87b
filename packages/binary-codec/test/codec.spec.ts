import { expect } from 'chai';
import fc from 'fast-check';
import {
  BE, LE, DecodeError, decode, decodeFirst, encode, fixedBytes, list, oneOf, sized, sizedStruct,
  struct, union, u16be, u32le, u8, constant, withRaw, fromHex, toHex, EFIGuid, guidFromString,
  guidToString, ByteWriter,
} from '@tcg2sim/binary-codec';
import type { Codec } from '@tcg2sim/binary-codec';

// A TPMS_PCR_SELECTION-shaped layout (TPM 2.0 Part 2, 10.6.2) used as the worked example.
const Alg = oneOf('TPMI_ALG_HASH', u16be, [0x0004, 0x000b, 0x000c, 0x000d] as const);
const PcrSel = struct('TPMS_PCR_SELECTION', { hash: Alg, pcrSelect: sized('pcrSelect', u8, 4) });
const PcrSelList = list('TPML_PCR_SELECTION', BE.u32, PcrSel, 16);

function expectDecodeError(fn: () => unknown, code: string, path?: readonly (string | number)[]): DecodeError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(DecodeError);
    const d = e as DecodeError;
    expect(d.code).to.equal(code);
    if (path) expect(d.path).to.deep.equal(path);
    return d;
  }
  expect.fail('expected a DecodeError');
}

describe('struct / list / sized', () => {
  // TPML_PCR_SELECTION with sha1 and sha256, PCRs 0-23 selected: the bytes EDK II sends in
  // TPM2_PCR_Allocate (docs/edk2-pei.md §7.7 layout).
  const hex = '00000002' + '0004' + '03' + 'ffffff' + '000b' + '03' + 'ffffff';
  const value = [
    { hash: 0x0004 as const, pcrSelect: new Uint8Array([0xff, 0xff, 0xff]) },
    { hash: 0x000b as const, pcrSelect: new Uint8Array([0xff, 0xff, 0xff]) },
  ];
  it('encodes the spec layout byte for byte', () => {
    expect(toHex(encode(PcrSelList, value))).to.equal(hex);
  });
  it('decodes back to the same value', () => {
    expect(decode(PcrSelList, fromHex(hex))).to.deep.equal(value);
  });
  it('names the field path and offset of a bad selector value', () => {
    const bad = '00000001' + '0099' + '00';
    const e = expectDecodeError(() => decode(PcrSelList, fromHex(bad)), 'BAD_VALUE', [
      'TPML_PCR_SELECTION', 0, 'TPMS_PCR_SELECTION', 'hash',
    ]);
    expect(e.offset).to.equal(4);
  });
  it('rejects a count above the limit before allocating', () => {
    expectDecodeError(() => decode(PcrSelList, fromHex('ffffffff')), 'LIMIT_EXCEEDED');
  });
  it('rejects a size above the limit', () => {
    expectDecodeError(() => decode(PcrSelList, fromHex('00000001000b05')), 'LIMIT_EXCEEDED');
  });
  it('reports a truncated buffer as SHORT_BUFFER', () => {
    expectDecodeError(() => decode(PcrSelList, fromHex(hex.slice(0, -2))), 'SHORT_BUFFER');
  });
  it('reports trailing bytes', () => {
    expectDecodeError(() => decode(PcrSelList, fromHex(hex + '00')), 'TRAILING_BYTES');
  });
  it('decodeFirst returns the rest of the stream', () => {
    const [v, rest] = decodeFirst(PcrSelList, fromHex(hex + 'abcd'));
    expect(v).to.have.length(2);
    expect(toHex(rest)).to.equal('abcd');
  });
  it('round-trips random values (property)', () => {
    const arb = fc.array(
      fc.record({
        hash: fc.constantFrom(0x0004 as const, 0x000b as const, 0x000c as const, 0x000d as const),
        pcrSelect: fc.uint8Array({ maxLength: 4 }),
      }),
      { maxLength: 16 }
    );
    fc.assert(
      fc.property(arb, (v) => {
        expect(decode(PcrSelList, encode(PcrSelList, v))).to.deep.equal(v);
      })
    );
  });
});

describe('union', () => {
  const Ha = union('TPMT_HA', 'hashAlg', Alg, 'digest', (a) =>
    a === 0x0004 ? fixedBytes('TPMU_HA', 20) : a === 0x000b ? fixedBytes('TPMU_HA', 32) : undefined
  );
  it('selects the member by the selector', () => {
    const v = { hashAlg: 0x0004 as const, digest: new Uint8Array(20).fill(1) };
    const b = encode(Ha, v);
    expect(b.length).to.equal(22);
    expect(decode(Ha, b)).to.deep.equal(v);
  });
  it('reports an unknown selector as UNKNOWN_SELECTOR', () => {
    expectDecodeError(() => decode(Ha, fromHex('000c' + '00'.repeat(48))), 'UNKNOWN_SELECTOR');
  });
});

describe('sizedStruct', () => {
  const Inner = struct('INNER', { a: u16be, b: u8 });
  const Sized = sizedStruct('TPM2B_INNER', u16be, Inner, 64);
  it('writes the size of the encoded body first', () => {
    expect(toHex(encode(Sized, { a: 0x1234, b: 7 }))).to.equal('0003123407');
  });
  it('requires the inner structure to consume the whole size', () => {
    expectDecodeError(() => decode(Sized, fromHex('0004123407ff')), 'TRAILING_BYTES');
  });
});

describe('integers and constants', () => {
  it('writes both byte orders from one declaration', () => {
    const mk = (i: typeof LE): Codec<{ x: number; y: number }> => struct('S', { x: i.u16, y: i.u32 });
    expect(toHex(encode(mk(LE), { x: 1, y: 2 }))).to.equal('010002000000');
    expect(toHex(encode(mk(BE), { x: 1, y: 2 }))).to.equal('000100000002');
  });
  it('throws RangeError for out-of-range values on encode', () => {
    expect(() => encode(u32le, 2 ** 32)).to.throw(RangeError);
    expect(() => encode(u8, -1)).to.throw(RangeError);
    expect(() => encode(u8, 1.5)).to.throw(RangeError);
  });
  it('checks constants on decode', () => {
    const Sig = constant('Signature', u32le, 0x4856465f);
    expect(decode(Sig, fromHex('5f465648'))).to.equal(0x4856465f);
    expectDecodeError(() => decode(Sig, fromHex('00000000')), 'BAD_VALUE');
  });
  it('withRaw keeps the exact input bytes', () => {
    const R = withRaw(struct('S', { a: u8 }));
    const v = decode(R, fromHex('2a'));
    expect(v.value).to.deep.equal({ a: 42 });
    expect(toHex(v.raw)).to.equal('2a');
  });
});

describe('ByteWriter', () => {
  it('grows without losing bytes written before the growth (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const w = new ByteWriter(16);
        for (const c of chunks) w.bytes(c);
        expect(Buffer.from(w.finish()).equals(Buffer.concat(chunks))).to.equal(true);
      })
    );
  });
});

describe('EFI_GUID', () => {
  // gEfiFirmwareFileSystem2Guid: bytes as they sit in every OVMF FV header.
  const s = '8C8CE578-8A3D-4F1C-9935-896185C32DD3';
  const bytes = '78e58c8c3d8a1c4f9935896185c32dd3';
  it('decodes mixed-endian bytes to registry form', () => {
    expect(decode(EFIGuid, fromHex(bytes))).to.equal(s);
    expect(guidToString(guidFromString(s))).to.equal(s);
  });
  it('encodes registry form back to the same bytes', () => {
    expect(toHex(encode(EFIGuid, s))).to.equal(bytes);
  });
  it('rejects malformed text', () => {
    expect(() => guidFromString('nope')).to.throw(RangeError);
  });
});

describe('fromHex', () => {
  it('rejects odd lengths and non-hex characters with BAD_VALUE', () => {
    expectDecodeError(() => fromHex('abc'), 'BAD_VALUE');
    expectDecodeError(() => fromHex('zz'), 'BAD_VALUE');
  });
});
