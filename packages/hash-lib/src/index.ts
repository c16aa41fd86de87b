/**
 * @tcg2sim/hash-lib: the TPM_ALG hash registry and multi-bank hashing (EDK II HashLib /
 * HashLibBaseCryptoRouter). `node:crypto` on Node (SM3 included), `@noble/hashes` elsewhere
 * (no SM3: see {@link missingAlgs}).
 */
export {
  TPM_ALG_HASH, HASH_ALGS, isHashAlg, findHashAlg, hashAlgInfo, hashAlgByName, digestSize,
  algsFromBitmap, bitmapFromAlgs, sortAlgs,
} from './registry.ts';
export type { TpmAlgHash, BankName, HashAlgInfo } from './registry.ts';
export { createHasher, hash, supportsAlg, missingAlgs, defaultProvider, UnsupportedHashError } from './hasher.ts';
export type { Hasher, HashProvider } from './hasher.ts';
export { MultiHasher, hashAll, extendPcrValue, pcrInitValue } from './multi.ts';
export type { BankDigest } from './multi.ts';
export { bankExtender, oneShotDigest } from './extend.ts';
export type { BankExtender } from './extend.ts';
