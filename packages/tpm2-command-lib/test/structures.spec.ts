import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError, LE, decode, encode, fromHex, toHex } from '@tcg2sim/binary-codec';
import { HASH_ALGS, TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import {
  TPMTHA, TPMLDigestValues, tpmlDigestValues, TPMSPCRSelection, TPMLPCRSelection, TPM2BDigest,
  TPMSCapabilityData, TPMSNVPublic, TPM2BNVPublic, TPMSAuthCommand, TPMTPublicParms, TPMSTimeInfo,
  TPMTTKHashcheck, TPMLDigest, TPM_CAP, TPM_ALG, TPM_ST, TPM_RH, pcrSelectBits, pcrsFromSelect,
  passwordSession,
} from '@tcg2sim/tpm2-command-lib';
import type { Codec } from '@tcg2sim/binary-codec';

const h = (s: string): Uint8Array => fromHex(s);
const RUNS = { numRuns: 200 };

function roundTrip<T>(c: Codec<T>, arb: fc.Arbitrary<T>): void {
  fc.assert(
    fc.property(arb, (v) => {
      const bytes = encode(c, v);
      expect(decode(c, bytes)).to.deep.equal(v);
      expect(toHex(encode(c, decode(c, bytes)))).to.equal(toHex(bytes));
    }),
    RUNS
  );
}

const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: min, maxLength: max });
const alg: fc.Arbitrary<TpmAlgHash> = fc.constantFrom(...HASH_ALGS.map((x) => x.alg));
const tpmtHa = alg.chain((a) => bytes(HASH_ALGS.find((x) => x.alg === a)!.size, HASH_ALGS.find((x) => x.alg === a)!.size).map((digest) => ({ hashAlg: a, digest })));
const pcrSel = fc.record({ hash: fc.integer({ min: 0, max: 0xffff }), pcrSelect: bytes(0, 8) });

describe('TPMT_HA / TPML_DIGEST_VALUES (Part 2 10.3.2, 10.9.7)', () => {
  it('encodes a SHA-256 TPMT_HA as alg id then the 32 digest bytes', () => {
    const v = { hashAlg: TPM_ALG_HASH.SHA256, digest: new Uint8Array(32).fill(0xab) };
    expect(toHex(encode(TPMTHA, v))).to.equal('000b' + 'ab'.repeat(32));
  });
  it('round-trips TPMT_HA', () => roundTrip(TPMTHA, tpmtHa));
  it('round-trips TPML_DIGEST_VALUES big-endian', () => roundTrip(TPMLDigestValues, fc.record({ digests: fc.array(tpmtHa, { maxLength: 5 }) })));
  it('builds the little-endian event-log variant from the same declaration', () => {
    const LEDV = tpmlDigestValues(LE);
    const v = { digests: [{ hashAlg: TPM_ALG_HASH.SHA1, digest: new Uint8Array(20) }] };
    expect(toHex(encode(LEDV, v))).to.equal('01000000' + '0400' + '00'.repeat(20));
    expect(toHex(encode(TPMLDigestValues, v))).to.equal('00000001' + '0004' + '00'.repeat(20));
    roundTrip(LEDV, fc.record({ digests: fc.array(tpmtHa, { maxLength: 5 }) }));
  });
  it('rejects an unknown hash algorithm with BAD_VALUE at TPMT_HA.hashAlg', () => {
    try {
      decode(TPMTHA, h('0099' + '00'.repeat(32)));
      expect.fail();
    } catch (e) {
      expect(e).to.be.instanceOf(DecodeError);
      if (!(e instanceof DecodeError)) return;
      expect(e.code).to.equal('BAD_VALUE');
      expect(e.path).to.deep.equal(['TPMT_HA', 'hashAlg']);
      expect(e.offset).to.equal(0);
    }
  });
  it('rejects a digest count beyond HASH_COUNT with LIMIT_EXCEEDED', () => {
    expect(() => decode(TPMLDigestValues, h('00000011'))).to.throw(DecodeError).with.property('code', 'LIMIT_EXCEEDED');
  });
  it('rejects a truncated digest with SHORT_BUFFER', () => {
    expect(() => decode(TPMLDigestValues, h('00000001000b' + '00'.repeat(31)))).to.throw(DecodeError).with.property('code', 'SHORT_BUFFER');
  });
});

describe('TPMS_PCR_SELECTION / TPML_PCR_SELECTION (Part 2 10.6.2, 10.9.7)', () => {
  it('sets pcrSelect[i/8] bit i%8', () => {
    expect(toHex(pcrSelectBits([0, 7, 8, 23]))).to.equal('810180');
    expect(pcrsFromSelect(h('810180'))).to.deep.equal([0, 7, 8, 23]);
    expect(() => pcrSelectBits([24])).to.throw(RangeError);
  });
  it('round-trips PCR bit maps', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 23 })), (pcrs) => {
      expect(pcrsFromSelect(pcrSelectBits(pcrs))).to.deep.equal([...pcrs].sort((a, b) => a - b));
    }), RUNS);
  });
  it('round-trips TPMS_PCR_SELECTION and TPML_PCR_SELECTION', () => {
    roundTrip(TPMSPCRSelection, pcrSel);
    roundTrip(TPMLPCRSelection, fc.record({ pcrSelections: fc.array(pcrSel, { maxLength: 6 }) }));
  });
});

describe('TPM2B_DIGEST and TPML_DIGEST (Part 2 10.4.2, 10.9.3)', () => {
  it('rejects a TPM2B_DIGEST larger than sizeof(TPMU_HA) with LIMIT_EXCEEDED', () => {
    expect(() => decode(TPM2BDigest, h('0041' + '00'.repeat(65)))).to.throw(DecodeError).with.property('code', 'LIMIT_EXCEEDED');
  });
  it('rejects more than 8 digests in a TPML_DIGEST', () => {
    expect(() => decode(TPMLDigest, h('00000009'))).to.throw(DecodeError).with.property('code', 'LIMIT_EXCEEDED');
  });
  it('round-trips TPML_DIGEST', () => roundTrip(TPMLDigest, fc.record({ digests: fc.array(bytes(0, 64), { maxLength: 8 }) })));
});

describe('TPMS_CAPABILITY_DATA (Part 2 10.10.2)', () => {
  it('round-trips TPM properties, PCR selections, algorithms and command attributes', () => {
    const prop = fc.record({ property: fc.nat(0xffffffff), value: fc.nat(0xffffffff) });
    roundTrip(TPMSCapabilityData, fc.oneof(
      fc.record({ capability: fc.constant<number>(TPM_CAP.TPM_PROPERTIES), data: fc.record({ tpmProperties: fc.record({ tpmProperty: fc.array(prop, { maxLength: 10 }) }) }) }),
      fc.record({ capability: fc.constant<number>(TPM_CAP.PCRS), data: fc.record({ assignedPCR: fc.record({ pcrSelections: fc.array(pcrSel, { maxLength: 5 }) }) }) }),
      fc.record({ capability: fc.constant<number>(TPM_CAP.ALGS), data: fc.record({ algorithms: fc.record({ algProperties: fc.array(fc.record({ alg: fc.nat(0xffff), algProperties: fc.nat(0xffffffff) }), { maxLength: 10 }) }) }) }),
      fc.record({ capability: fc.constant<number>(TPM_CAP.COMMANDS), data: fc.record({ command: fc.record({ commandAttributes: fc.array(fc.nat(0xffffffff), { maxLength: 10 }) }) }) }),
      fc.record({ capability: fc.constant<number>(TPM_CAP.PCR_PROPERTIES), data: fc.record({ pcrProperties: fc.record({ pcrProperty: fc.array(fc.record({ tag: fc.nat(0xffffffff), pcrSelect: bytes(0, 4) }), { maxLength: 10 }) }) }) }),
      fc.record({ capability: fc.constant<number>(TPM_CAP.HANDLES), data: fc.record({ handles: fc.record({ handle: fc.array(fc.nat(0xffffffff), { maxLength: 10 }) }) }) })
    ));
  });
  it('rejects an unknown capability with UNKNOWN_SELECTOR', () => {
    expect(() => decode(TPMSCapabilityData, h('0000004200000000'))).to.throw(DecodeError).with.property('code', 'UNKNOWN_SELECTOR');
  });
  it('rejects a property count beyond MAX_TPM_PROPERTIES (127) with LIMIT_EXCEEDED', () => {
    expect(() => decode(TPMSCapabilityData, h('0000000600000080'))).to.throw(DecodeError).with.property('code', 'LIMIT_EXCEEDED');
  });
});

describe('TPMS_NV_PUBLIC / TPM2B_NV_PUBLIC (Part 2 13.5, 13.6)', () => {
  const nvPub = fc.record({ nvIndex: fc.nat(0xffffffff), nameAlg: fc.nat(0xffff), attributes: fc.nat(0xffffffff), authPolicy: bytes(0, 64), dataSize: fc.nat(0xffff) });
  it('round-trips TPMS_NV_PUBLIC and its sized form', () => {
    roundTrip(TPMSNVPublic, nvPub);
    roundTrip(TPM2BNVPublic, nvPub);
  });
  it('rejects a TPM2B_NV_PUBLIC whose size leaves bytes unread', () => {
    expect(() => decode(TPM2BNVPublic, h('000f' + '01c10000' + '000b' + '00000000' + '0000' + '0010' + '00'))).to.throw(DecodeError).with.property('code', 'TRAILING_BYTES');
  });
});

describe('sessions, tickets, clock, public parameters', () => {
  it('encodes the EDK II empty password session in 9 bytes', () => {
    expect(toHex(encode(TPMSAuthCommand, passwordSession()))).to.equal('400000090000000000');
  });
  it('round-trips TPMS_AUTH_COMMAND', () => roundTrip(TPMSAuthCommand, fc.record({ sessionHandle: fc.nat(0xffffffff), nonce: bytes(0, 64), sessionAttributes: fc.nat(0xff), hmac: bytes(0, 64) })));
  it('decodes a NULL hash-check ticket', () => {
    expect(decode(TPMTTKHashcheck, h('8024' + '40000007' + '0000'))).to.deep.equal({ tag: TPM_ST.HASHCHECK, hierarchy: TPM_RH.NULL, digest: new Uint8Array(0) });
  });
  it('round-trips TPMS_TIME_INFO', () => roundTrip(TPMSTimeInfo, fc.record({ time: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), clockInfo: fc.record({ clock: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), resetCount: fc.nat(0xffffffff), restartCount: fc.nat(0xffffffff), safe: fc.nat(1) }) })));
  it('encodes TPMT_PUBLIC_PARMS for RSA-2048 with no scheme as TestParms expects', () => {
    const v = { type: TPM_ALG.RSA, parameters: { symmetric: { algorithm: TPM_ALG.NULL, details: {} }, scheme: { scheme: TPM_ALG.NULL, details: {} }, keyBits: 2048, exponent: 0 } };
    expect(toHex(encode(TPMTPublicParms, v))).to.equal('0001' + '0010' + '0010' + '0800' + '00000000');
    expect(decode(TPMTPublicParms, encode(TPMTPublicParms, v))).to.deep.equal(v);
  });
  it('encodes TPMT_PUBLIC_PARMS for ECC P-256 ECDSA/SHA-256 and AES-128-CFB', () => {
    const v = {
      type: TPM_ALG.ECC,
      parameters: { symmetric: { algorithm: TPM_ALG.AES, details: { keyBits: 128, mode: TPM_ALG.CFB } }, scheme: { scheme: TPM_ALG.ECDSA, details: { hashAlg: TPM_ALG.SHA256 } }, curveID: 3, kdf: { scheme: TPM_ALG.NULL, details: {} } },
    };
    expect(toHex(encode(TPMTPublicParms, v))).to.equal('0023' + '0006' + '0080' + '0043' + '0018' + '000b' + '0003' + '0010');
    expect(decode(TPMTPublicParms, encode(TPMTPublicParms, v))).to.deep.equal(v);
  });
  it('rejects an unsupported public type with UNKNOWN_SELECTOR', () => {
    expect(() => decode(TPMTPublicParms, h('0005'))).to.throw(DecodeError).with.property('code', 'UNKNOWN_SELECTOR');
  });
});
