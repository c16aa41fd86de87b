import { expect } from 'chai';
import fc from 'fast-check';
import {
  TPM_ALG_HASH, hash, hashAll, MultiHasher, missingAlgs, supportsAlg, algsFromBitmap,
  bitmapFromAlgs, extendPcrValue, hashAlgByName, createHasher, UnsupportedHashError,
} from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const abc = new TextEncoder().encode('abc');
const a448 = new TextEncoder().encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq');

// FIPS 180-4 examples (NIST CSRC "Examples with intermediate values") and GM/T 0004-2012 A.1/A.2.
const VECTORS: { name: string; alg: TpmAlgHash; msg: Uint8Array; hex: string }[] = [
  { name: 'SHA-1 "abc"', alg: TPM_ALG_HASH.SHA1, msg: abc, hex: 'a9993e364706816aba3e25717850c26c9cd0d89d' },
  { name: 'SHA-1 448-bit', alg: TPM_ALG_HASH.SHA1, msg: a448, hex: '84983e441c3bd26ebaae4aa1f95129e5e54670f1' },
  { name: 'SHA-256 "abc"', alg: TPM_ALG_HASH.SHA256, msg: abc, hex: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
  { name: 'SHA-256 448-bit', alg: TPM_ALG_HASH.SHA256, msg: a448, hex: '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1' },
  { name: 'SHA-256 empty', alg: TPM_ALG_HASH.SHA256, msg: new Uint8Array(), hex: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  { name: 'SHA-384 "abc"', alg: TPM_ALG_HASH.SHA384, msg: abc, hex: 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7' },
  { name: 'SHA-512 "abc"', alg: TPM_ALG_HASH.SHA512, msg: abc, hex: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f' },
  { name: 'SM3 "abc" (GM/T 0004 A.1)', alg: TPM_ALG_HASH.SM3_256, msg: abc, hex: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0' },
  {
    name: 'SM3 64-byte (GM/T 0004 A.2)', alg: TPM_ALG_HASH.SM3_256,
    msg: new TextEncoder().encode('abcd'.repeat(16)),
    hex: 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
  },
];

describe('hash vectors', () => {
  for (const v of VECTORS) {
    it(`node provider: ${v.name}`, () => {
      expect(hex(hash(v.alg, v.msg, 'node'))).to.equal(v.hex);
    });
    if (v.alg !== TPM_ALG_HASH.SM3_256) {
      it(`noble provider: ${v.name}`, () => {
        expect(hex(hash(v.alg, v.msg, 'noble'))).to.equal(v.hex);
      });
    }
  }
  it('SHA-256 of one million "a" (FIPS 180-4)', () => {
    const m = new Uint8Array(1_000_000).fill(0x61);
    expect(hex(hash(TPM_ALG_HASH.SHA256, m))).to.equal('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });
});

describe('providers', () => {
  it('says the portable provider lacks SM3 and nothing else', () => {
    expect(missingAlgs('noble')).to.deep.equal([TPM_ALG_HASH.SM3_256]);
    expect(supportsAlg(TPM_ALG_HASH.SM3_256, 'noble')).to.equal(false);
    expect(() => createHasher(TPM_ALG_HASH.SM3_256, 'noble')).to.throw(UnsupportedHashError);
  });
  it('node:crypto has every algorithm on Node', () => {
    expect(missingAlgs('node')).to.deep.equal([]);
  });
  it('the providers agree on random data (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom(0x4 as const, 0xb as const, 0xc as const, 0xd as const), (d, alg) => {
        expect(hex(hash(alg, d, 'node'))).to.equal(hex(hash(alg, d, 'noble')));
      })
    );
  });
});

describe('multi-bank hashing', () => {
  it('gives each bank the same digest as a single hash, in the given order', () => {
    const algs = [TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA1] as const;
    const out = hashAll(algs, abc);
    expect(out.map((d) => d.alg)).to.deep.equal([...algs]);
    expect(hex(out[0]!.digest)).to.equal(VECTORS[2]!.hex);
    expect(hex(out[1]!.digest)).to.equal(VECTORS[0]!.hex);
  });
  it('streams: chunked updates equal one update (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(3000), (d, cut) => {
        const c = Math.min(cut, d.length);
        const m = new MultiHasher([TPM_ALG_HASH.SHA384]);
        m.update(d.subarray(0, c)).update(d.subarray(c));
        expect(hex(m.digest()[0]!.digest)).to.equal(hex(hash(TPM_ALG_HASH.SHA384, d)));
      })
    );
  });
  it('refuses update after digest', () => {
    const m = new MultiHasher([TPM_ALG_HASH.SHA1]);
    m.digest();
    expect(() => m.update(abc)).to.throw(Error);
  });
});

describe('EDK II hash-algorithm bitmap', () => {
  it('maps bits SHA1=1, SHA256=2, SHA384=4, SHA512=8, SM3=0x10', () => {
    expect(algsFromBitmap(0x1f)).to.deep.equal([0x4, 0xb, 0xc, 0xd, 0x12]);
    expect(algsFromBitmap(0x02)).to.deep.equal([0xb]);
    expect(bitmapFromAlgs([0x12, 0x4])).to.equal(0x11);
  });
  it('looks banks up by name', () => {
    expect(hashAlgByName('SHA256')?.alg).to.equal(0xb);
    expect(hashAlgByName('sm3')?.alg).to.equal(0x12);
    expect(hashAlgByName('md5')).to.equal(undefined);
  });
});

describe('PCR extend', () => {
  it('computes H(old || new): PCR0 after extending SHA-256("") from zero', () => {
    // Independent check: sha256(32 zero bytes || sha256(""))
    const e = extendPcrValue(TPM_ALG_HASH.SHA256, new Uint8Array(32), hash(TPM_ALG_HASH.SHA256, new Uint8Array()));
    const manual = hash(TPM_ALG_HASH.SHA256, Buffer.concat([Buffer.alloc(32), Buffer.from(VECTORS[4]!.hex, 'hex')]));
    expect(hex(e)).to.equal(hex(manual));
    // Value computed with Python hashlib: sha256(bytes(32) + sha256(b'').digest()).
    expect(hex(e)).to.equal('1c9ecec90e28d2461650418635878a5c91e49f47586ecf75f2b0cbb94e897112');
  });
  it('rejects values of the wrong size', () => {
    expect(() => extendPcrValue(TPM_ALG_HASH.SHA1, new Uint8Array(32), new Uint8Array(20))).to.throw(RangeError);
  });
});
