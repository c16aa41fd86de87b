import { createHash } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { TPM_ALG_HASH, bankExtender, hash, hashAlgInfo, oneShotDigest, UnsupportedHashError } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const NODE_NAME: Record<TpmAlgHash, string> = { 0x4: 'sha1', 0xb: 'sha256', 0xc: 'sha384', 0xd: 'sha512', 0x12: 'sm3' };
const ALGS = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512, TPM_ALG_HASH.SM3_256] as const;

/** Independent truth: node:crypto's streaming hasher over old || digest. */
function expected(alg: TpmAlgHash, old: Uint8Array, digest: Uint8Array): string {
  return createHash(NODE_NAME[alg]).update(old).update(digest).digest('hex');
}

describe('in-place bank extender', () => {
  for (const alg of ALGS) {
    const name = hashAlgInfo(alg).name;
    it(`extends a ${name} PCR in place from a digest at an offset of a larger buffer (property)`, () => {
      const n = hashAlgInfo(alg).size;
      const ext = bankExtender(alg);
      fc.assert(
        fc.property(fc.uint8Array({ minLength: n, maxLength: n }), fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: n, maxLength: n }), (old, pad, digest) => {
          const src = new Uint8Array([...pad, ...digest, 0xaa]);
          const pcr = Uint8Array.from(old);
          ext(pcr, src, pad.length);
          expect(hex(pcr)).to.equal(expected(alg, old, digest));
        }),
        { numRuns: 50 }
      );
    });
    if (alg !== TPM_ALG_HASH.SM3_256) {
      it(`the noble provider's ${name} extender gives the same chain`, () => {
        const n = hashAlgInfo(alg).size;
        const a = new Uint8Array(n);
        const b = new Uint8Array(n);
        const digest = hash(alg, new TextEncoder().encode('event'));
        const node = bankExtender(alg, 'node');
        const noble = bankExtender(alg, 'noble');
        for (let i = 0; i < 5; i++) {
          node(a, digest, 0);
          noble(b, digest, 0);
        }
        expect(hex(a)).to.equal(hex(b));
        let truth = new Uint8Array(n);
        for (let i = 0; i < 5; i++) truth = Uint8Array.from(Buffer.from(expected(alg, truth, digest), 'hex'));
        expect(hex(a)).to.equal(hex(truth));
      });
    }
  }
  it('extends a PCR with its own value (source and target the same bytes)', () => {
    const pcr = hash(TPM_ALG_HASH.SHA256, new TextEncoder().encode('x'));
    const old = Uint8Array.from(pcr);
    bankExtender(TPM_ALG_HASH.SHA256)(pcr, pcr, 0);
    expect(hex(pcr)).to.equal(expected(TPM_ALG_HASH.SHA256, old, old));
  });
  it('refuses SM3 from the noble provider when the extender is made', () => {
    expect(() => bankExtender(TPM_ALG_HASH.SM3_256, 'noble')).to.throw(UnsupportedHashError);
  });
});

describe('one-shot digest', () => {
  it('gives the FIPS 180-4 SHA-384 "abc" digest as a plain Uint8Array', () => {
    const d = oneShotDigest(TPM_ALG_HASH.SHA384)(new TextEncoder().encode('abc'));
    expect(d.constructor).to.equal(Uint8Array);
    expect(hex(d)).to.equal('cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7');
  });
  it('agrees with node:crypto streaming for every algorithm and provider (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...ALGS), fc.constantFrom('node' as const, 'noble' as const), (d, alg, provider) => {
        if (provider === 'noble' && alg === TPM_ALG_HASH.SM3_256) return;
        expect(hex(oneShotDigest(alg, provider)(d))).to.equal(createHash(NODE_NAME[alg]).update(d).digest('hex'));
        expect(hex(hash(alg, d, provider))).to.equal(createHash(NODE_NAME[alg]).update(d).digest('hex'));
      }),
      { numRuns: 100 }
    );
  });
});

describe('in-place bank extender: caller errors', () => {
  it('refuses a PCR value of the wrong size with a RangeError, for both providers', () => {
    for (const provider of ['node', 'noble'] as const) {
      const pcr = new Uint8Array(20);
      expect(() => { bankExtender(TPM_ALG_HASH.SHA256, provider)(pcr, new Uint8Array(32), 0); }).to.throw(RangeError);
      expect(hex(pcr)).to.equal('00'.repeat(20));
    }
  });
});
