/**
 * NV public area, tickets, clock and the public parameters TestParms takes (TPM 2.0 Library
 * Part 2 rev 1.59, 10.7, 10.11, 11.1-12.2, 13.5).
 */
import { sizedStruct, struct, u16be, u32be, u64be, u8, union } from '@tcg2sim/binary-codec';
import type { Codec, Infer } from '@tcg2sim/binary-codec';
import { MAX_NV_INDEX_SIZE, TPM_ALG } from '../constants.ts';
import { TPM2BDigest } from './basic.ts';

/**
 * TPMS_NV_PUBLIC (Part 2, 13.5, Table 234): TPMI_RH_NV_INDEX nvIndex; TPMI_ALG_HASH nameAlg;
 * TPMA_NV attributes; TPM2B_DIGEST authPolicy; UINT16 dataSize (<= MAX_NV_INDEX_SIZE).
 * `attributes` is the raw TPMA_NV word (bits in TPMA_NV, TPM_NT in bits 7:4).
 */
export const TPMSNVPublic = struct('TPMS_NV_PUBLIC', {
  nvIndex: u32be,
  nameAlg: u16be,
  attributes: u32be,
  authPolicy: TPM2BDigest,
  dataSize: u16be,
});
export type TPMSNVPublic = Infer<typeof TPMSNVPublic>;

/** TPM2B_NV_PUBLIC (Part 2, 13.6, Table 235): UINT16 size; TPMS_NV_PUBLIC nvPublic. */
export const TPM2BNVPublic = sizedStruct('TPM2B_NV_PUBLIC', u16be, TPMSNVPublic, 4 + 2 + 4 + 2 + 64 + 2);

/** The largest dataSize an NV index may declare here (bounds NV_Read/NV_Write sizes). */
export const NV_DATA_SIZE_MAX = MAX_NV_INDEX_SIZE;

/**
 * TPMT_TK_HASHCHECK (Part 2, 10.7.6, Table 97): TPM_ST tag (TPM_ST_HASHCHECK);
 * TPMI_RH_HIERARCHY+ hierarchy; TPM2B_DIGEST digest. A NULL ticket is tag TPM_ST_HASHCHECK,
 * hierarchy TPM_RH_NULL, empty digest.
 */
export const TPMTTKHashcheck = struct('TPMT_TK_HASHCHECK', { tag: u16be, hierarchy: u32be, digest: TPM2BDigest });
export type TPMTTKHashcheck = Infer<typeof TPMTTKHashcheck>;

/**
 * TPMS_CLOCK_INFO (Part 2, 10.11.1, Table 118): UINT64 clock; UINT32 resetCount;
 * UINT32 restartCount; TPMI_YES_NO safe.
 */
export const TPMSClockInfo = struct('TPMS_CLOCK_INFO', { clock: u64be, resetCount: u32be, restartCount: u32be, safe: u8 });
export type TPMSClockInfo = Infer<typeof TPMSClockInfo>;

/** TPMS_TIME_INFO (Part 2, 10.11.6, Table 120): UINT64 time; TPMS_CLOCK_INFO clockInfo. */
export const TPMSTimeInfo = struct('TPMS_TIME_INFO', { time: u64be, clockInfo: TPMSClockInfo });
export type TPMSTimeInfo = Infer<typeof TPMSTimeInfo>;

// ---------------------------------------------------------------------------------------------
// TPMT_PUBLIC_PARMS, minimal: enough for TPM2_TestParms with RSA, ECC, KEYEDHASH and SYMCIPHER.

const empty = struct('TPMS_EMPTY', {});
/** A scheme member with no details (TPMS_EMPTY, Part 2 10.1.2). */
// eslint-disable-next-line @typescript-eslint/no-generated-empty-object-type -- TPMS_EMPTY has no fields
type Empty = Infer<typeof empty>;

/** TPMS_SCHEME_HASH (Part 2, 11.1.17): TPMI_ALG_HASH hashAlg. */
export const TPMSSchemeHash = struct('TPMS_SCHEME_HASH', { hashAlg: u16be });
/** TPMS_SCHEME_ECDAA (Part 2, 11.1.18): TPMI_ALG_HASH hashAlg; UINT16 count. */
export const TPMSSchemeECDAA = struct('TPMS_SCHEME_ECDAA', { hashAlg: u16be, count: u16be });
/** TPMS_SCHEME_XOR (Part 2, 11.1.21): TPMI_ALG_HASH hashAlg; TPMI_ALG_KDF kdf. */
export const TPMSSchemeXOR = struct('TPMS_SCHEME_XOR', { hashAlg: u16be, kdf: u16be });

/** Scheme details: empty for TPM_ALG_NULL (and RSAES), a hash otherwise. */
export type SchemeDetails = Empty | Infer<typeof TPMSSchemeHash> | Infer<typeof TPMSSchemeECDAA> | Infer<typeof TPMSSchemeXOR>;

function scheme(name: string, pick: (alg: number) => Codec<SchemeDetails>) {
  return union(name, 'scheme', u16be, 'details', pick);
}

/** TPMT_KEYEDHASH_SCHEME (Part 2, 11.1.23): NULL, HMAC (hash) or XOR (hash, kdf). */
export const TPMTKeyedHashScheme = scheme('TPMT_KEYEDHASH_SCHEME', (a) =>
  a === TPM_ALG.NULL ? empty : a === TPM_ALG.XOR ? TPMSSchemeXOR : TPMSSchemeHash
);
/** TPMT_RSA_SCHEME (Part 2, 11.2.4.2): NULL and RSAES have no details; others a hash. */
export const TPMTRSAScheme = scheme('TPMT_RSA_SCHEME', (a) => (a === TPM_ALG.NULL || a === TPM_ALG.RSAES ? empty : TPMSSchemeHash));
/** TPMT_ECC_SCHEME (Part 2, 11.2.5.6): NULL empty, ECDAA hash + count, others a hash. */
export const TPMTECCScheme = scheme('TPMT_ECC_SCHEME', (a) => (a === TPM_ALG.NULL ? empty : a === TPM_ALG.ECDAA ? TPMSSchemeECDAA : TPMSSchemeHash));
/** TPMT_KDF_SCHEME (Part 2, 11.2.3.3): NULL empty, others a hash. */
export const TPMTKDFScheme = scheme('TPMT_KDF_SCHEME', (a) => (a === TPM_ALG.NULL ? empty : TPMSSchemeHash));

/** The key bits and mode of a symmetric definition. */
export const TPMUSymDetails = struct('TPMU_SYM_DETAILS', { keyBits: u16be, mode: u16be });
/**
 * TPMT_SYM_DEF_OBJECT (Part 2, 11.1.7, Table 141): TPMI_ALG_SYM_OBJECT algorithm; then, unless
 * the algorithm is TPM_ALG_NULL, TPMU_SYM_KEY_BITS keyBits and TPMU_SYM_MODE mode.
 */
export const TPMTSymDefObject = union('TPMT_SYM_DEF_OBJECT', 'algorithm', u16be, 'details', (a: number): Codec<Empty | Infer<typeof TPMUSymDetails>> =>
  a === TPM_ALG.NULL ? empty : TPMUSymDetails
);

/** TPMS_KEYEDHASH_PARMS (Part 2, 12.2.3.3). */
export const TPMSKeyedHashParms = struct('TPMS_KEYEDHASH_PARMS', { scheme: TPMTKeyedHashScheme });
/** TPMS_SYMCIPHER_PARMS (Part 2, 11.1.9). */
export const TPMSSymCipherParms = struct('TPMS_SYMCIPHER_PARMS', { sym: TPMTSymDefObject });
/** TPMS_RSA_PARMS (Part 2, 12.2.3.5): symmetric; scheme; UINT16 keyBits; UINT32 exponent. */
export const TPMSRSAParms = struct('TPMS_RSA_PARMS', { symmetric: TPMTSymDefObject, scheme: TPMTRSAScheme, keyBits: u16be, exponent: u32be });
/** TPMS_ECC_PARMS (Part 2, 12.2.3.6): symmetric; scheme; TPMI_ECC_CURVE curveID; kdf. */
export const TPMSECCParms = struct('TPMS_ECC_PARMS', { symmetric: TPMTSymDefObject, scheme: TPMTECCScheme, curveID: u16be, kdf: TPMTKDFScheme });

/** TPMU_PUBLIC_PARMS (Part 2, 12.2.3.7, Table 205), members named as in the spec. */
export type TPMUPublicParms =
  | Infer<typeof TPMSKeyedHashParms>
  | Infer<typeof TPMSSymCipherParms>
  | Infer<typeof TPMSRSAParms>
  | Infer<typeof TPMSECCParms>;

/**
 * TPMT_PUBLIC_PARMS (Part 2, 12.2.3.8, Table 206): TPMI_ALG_PUBLIC type; TPMU_PUBLIC_PARMS
 * parameters. Types other than RSA, ECC, KEYEDHASH and SYMCIPHER are `UNKNOWN_SELECTOR`.
 */
export const TPMTPublicParms = union('TPMT_PUBLIC_PARMS', 'type', u16be, 'parameters', (t: number): Codec<TPMUPublicParms> | undefined => {
  switch (t) {
    case TPM_ALG.KEYEDHASH:
      return TPMSKeyedHashParms;
    case TPM_ALG.SYMCIPHER:
      return TPMSSymCipherParms;
    case TPM_ALG.RSA:
      return TPMSRSAParms;
    case TPM_ALG.ECC:
      return TPMSECCParms;
    default:
      return undefined;
  }
});
export type TPMTPublicParms = Infer<typeof TPMTPublicParms>;
