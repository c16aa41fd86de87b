/**
 * PCR selections, tpm2-tools PCR files and the PolicyPCR digest on their own: round trips and
 * hostile input. Their agreement with tpm2-tools and swtpm is tested in
 * packages/cli/test/reference.spec.ts.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError, encode } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH, hash } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { TPMLPCRSelection } from '@tcg2sim/tpm2-command-lib';
import { expectErrorCode } from '@tcg2sim/test-support';
import {
  ReferenceError, TSS_LIMITS, decodeTpm2PcrsSerialized, encodeTpm2PcrsSerialized, encodeTpm2PcrsValues, parsePcrSelection, policyPcrDigest,
  serializedSize, toTpmlPcrSelection, tpm2PcrsYaml, withResetValues,
} from '@tcg2sim/reference-formats';
import type { PcrBanks } from '@tcg2sim/reference-formats';

/** Every PCR of the four banks set to bytes that name bank and PCR. */
function banks(): PcrBanks {
  const m = new Map<TpmAlgHash, Map<number, Uint8Array>>();
  for (const [alg, size] of [[TPM_ALG_HASH.SHA1, 20], [TPM_ALG_HASH.SHA256, 32], [TPM_ALG_HASH.SHA384, 48], [TPM_ALG_HASH.SHA512, 64]] as const) {
    const bank = new Map<number, Uint8Array>();
    for (let pcr = 0; pcr < 24; pcr++) bank.set(pcr, new Uint8Array(size).fill((alg << 4) ^ pcr));
    m.set(alg, bank);
  }
  return m;
}

describe('parsePcrSelection', () => {
  it("reads tpm2-tools' syntax: banks in the order given, PCRs ascending and once", () => {
    expect(parsePcrSelection('sha256:7,0,3,3+sha1:all')).to.deep.equal([
      { hashAlg: TPM_ALG_HASH.SHA256, pcrs: [0, 3, 7] },
      { hashAlg: TPM_ALG_HASH.SHA1, pcrs: Array.from({ length: 24 }, (_, i) => i) },
    ]);
    expect(parsePcrSelection('0x000c:23')).to.deep.equal([{ hashAlg: TPM_ALG_HASH.SHA384, pcrs: [23] }]);
  });

  for (const bad of ['sha256', 'md5:0', 'sha256:24', 'sha256:0+sha256:1', 'sha256:', 'sha256:1,,2', 'sha256:-1', `sha256:${'0,'.repeat(600)}0`]) {
    it(`refuses ${bad.length > 30 ? `${bad.slice(0, 30)}…` : JSON.stringify(bad)} with BAD_SELECTION`, () => {
      expectErrorCode(() => parsePcrSelection(bad), ReferenceError, 'BAD_SELECTION');
    });
  }
});

describe('tpm2-tools PCR files', () => {
  const b = banks();

  it('round-trips the serialized file, eight digests to a TPML_DIGEST across banks', () => {
    const sel = parsePcrSelection('sha384:3+sha1:0,1,7,17,23+sha256:0,1,2,3,4,5,6,7,8,9');
    const file = encodeTpm2PcrsSerialized(sel, b);
    expect(file.length).to.equal(serializedSize(16)).and.to.equal(4 + 16 * 8 + 4 + 2 * 532);
    const d = decodeTpm2PcrsSerialized(file);
    expect(d.selection).to.deep.equal(sel);
    for (const s of sel) for (const pcr of s.pcrs) expect(d.banks.get(s.hashAlg)?.get(pcr)).to.deep.equal(b.get(s.hashAlg)?.get(pcr));
  });

  it('writes the values file and the listing in selection order', () => {
    const sel = parsePcrSelection('sha256:1+sha1:0');
    expect(encodeTpm2PcrsValues(sel, b)).to.deep.equal(new Uint8Array([...(b.get(TPM_ALG_HASH.SHA256)?.get(1) ?? []), ...(b.get(TPM_ALG_HASH.SHA1)?.get(0) ?? [])]));
    expect(tpm2PcrsYaml(parsePcrSelection('sha1:0,17'), b)).to.equal(`  sha1:\n    0 : 0x${'40'.repeat(20)}\n    17: 0x${'51'.repeat(20)}\n`);
  });

  it('names the missing bank or PCR with MISSING_PCR', () => {
    const only256 = new Map([[TPM_ALG_HASH.SHA256, new Map([[0, new Uint8Array(32)]])]]) as PcrBanks;
    expectErrorCode(() => encodeTpm2PcrsSerialized(parsePcrSelection('sha1:0'), only256), ReferenceError, 'MISSING_PCR');
    expectErrorCode(() => encodeTpm2PcrsValues(parsePcrSelection('sha256:0,1'), only256), ReferenceError, 'MISSING_PCR');
    // withResetValues fills what a log does not touch: zeros, and ones for the DRTM PCRs 17-22.
    const full = withResetValues(only256);
    expect(full.get(TPM_ALG_HASH.SHA256)?.get(1)).to.deep.equal(new Uint8Array(32));
    expect(full.get(TPM_ALG_HASH.SHA256)?.get(17)).to.deep.equal(new Uint8Array(32).fill(0xff));
  });

  describe('decoding hostile input', () => {
    const good = encodeTpm2PcrsSerialized(parsePcrSelection('sha256:0,1,2'), b);
    const patched = (at: number, bytes: number[]): Uint8Array => {
      const f = good.slice();
      f.set(bytes, at);
      return f;
    };
    const listAt = 4 + 16 * 8 + 4;

    it('refuses a file cut short with SHORT_BUFFER', () => {
      expectErrorCode(() => decodeTpm2PcrsSerialized(good.subarray(0, good.length - 1)), DecodeError, 'SHORT_BUFFER');
    });
    it('refuses more banks than the array holds and more lists than tpm2_pcrs holds', () => {
      expectErrorCode(() => decodeTpm2PcrsSerialized(patched(0, [17, 0, 0, 0])), DecodeError, 'LIMIT_EXCEEDED');
      expectErrorCode(() => decodeTpm2PcrsSerialized(patched(listAt - 4, [33, 0, 0, 0])), DecodeError, 'LIMIT_EXCEEDED');
      expectErrorCode(() => decodeTpm2PcrsSerialized(patched(listAt, [9, 0, 0, 0])), DecodeError, 'LIMIT_EXCEEDED');
    });
    it('refuses an unknown hash, a sizeofSelect over 4, a digest of the wrong size or over 64 bytes', () => {
      expectErrorCode(() => decodeTpm2PcrsSerialized(patched(4, [0x10, 0])), DecodeError, 'BAD_VALUE');
      expectErrorCode(() => decodeTpm2PcrsSerialized(patched(6, [5])), DecodeError, 'BAD_VALUE');
      expectErrorCode(() => decodeTpm2PcrsSerialized(patched(listAt + 4, [20, 0])), DecodeError, 'BAD_VALUE');
      expectErrorCode(() => decodeTpm2PcrsSerialized(patched(listAt + 4, [65, 0])), DecodeError, 'BAD_VALUE');
    });
    it('refuses fewer digests than PCRs selected, and more', () => {
      expectErrorCode(() => decodeTpm2PcrsSerialized(patched(listAt, [2, 0, 0, 0])), DecodeError, 'SHORT_BUFFER');
      expectErrorCode(() => decodeTpm2PcrsSerialized(patched(7, [0x0f])), DecodeError, 'SHORT_BUFFER');
      expectErrorCode(() => decodeTpm2PcrsSerialized(patched(7, [0x03])), DecodeError, 'TRAILING_BYTES');
    });
    it('never throws anything but a DecodeError on mutated files (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(good.length), (edits, cut) => {
          const f = good.slice(0, cut === 0 ? good.length : cut);
          for (const [at, v] of edits) if (at < f.length) f[at] = v;
          try {
            decodeTpm2PcrsSerialized(f);
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
          }
        }),
        { numRuns: 500 }
      );
    });
  });

  it(`holds at most ${TSS_LIMITS.banks} banks`, () => {
    expect(() => encodeTpm2PcrsSerialized(Array.from({ length: 17 }, () => ({ hashAlg: TPM_ALG_HASH.SHA256, pcrs: [0] })), b)).to.throw(RangeError);
  });
});

describe('policyPcrDigest', () => {
  const b = banks();
  it('is H(zeros || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || H(values)) from a fresh session (Part 3 §23.7)', () => {
    const sel = parsePcrSelection('sha1:0+sha256:7');
    const values = new Uint8Array([...(b.get(TPM_ALG_HASH.SHA1)?.get(0) ?? []), ...(b.get(TPM_ALG_HASH.SHA256)?.get(7) ?? [])]);
    const pcrs = encode(TPMLPCRSelection, toTpmlPcrSelection(sel));
    expect([...pcrs]).to.deep.equal([0, 0, 0, 2, 0, 4, 3, 1, 0, 0, 0, 0x0b, 3, 0x80, 0, 0]);
    const expected = hash(TPM_ALG_HASH.SHA256, new Uint8Array([...new Uint8Array(32), 0, 0, 1, 0x7f, ...pcrs, ...hash(TPM_ALG_HASH.SHA256, values)]));
    expect(policyPcrDigest(sel, b)).to.deep.equal(expected);
    const chained = policyPcrDigest(sel, b, { previous: expected });
    expect(chained).to.not.deep.equal(expected);
    expect(policyPcrDigest(sel, b, { policyAlg: TPM_ALG_HASH.SHA1 })).to.have.length(20);
    expect(() => policyPcrDigest(sel, b, { previous: new Uint8Array(20) })).to.throw(RangeError);
  });
});
