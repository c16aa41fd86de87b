/**
 * The hash algorithms of the TCG Algorithm Registry that PC Client firmware uses, with their
 * digest sizes and EDK II's PcdTpm2HashMask / PcdTcg2HashAlgorithmBitmap bits
 * (SecurityPkg/Include/Library/HashLib.h: HASH_ALG_SHA1 = 1, SHA256 = 2, SHA384 = 4,
 * SHA512 = 8, SM3_256 = 0x10; the same values as EFI_TCG2_BOOT_HASH_ALG_*).
 */
export const TPM_ALG_HASH = {
  SHA1: 0x0004,
  SHA256: 0x000b,
  SHA384: 0x000c,
  SHA512: 0x000d,
  SM3_256: 0x0012,
} as const;
/** A TPM_ALG_ID of a hash algorithm known to this library. */
export type TpmAlgHash = (typeof TPM_ALG_HASH)[keyof typeof TPM_ALG_HASH];

/** Short bank names used in JSON, CLI flags and tpm2-tools YAML. */
export type BankName = 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'sm3_256';

/** One registry row. */
export interface HashAlgInfo {
  readonly alg: TpmAlgHash;
  /** Bank name (`sha256`). */
  readonly name: BankName;
  /** Spec identifier (`TPM_ALG_SHA256`). */
  readonly tpmName: string;
  /** Digest size in bytes (TPM 2.0 Part 2, TPMU_HA). */
  readonly size: number;
  /** EDK II HASH_ALG_* / EFI_TCG2_BOOT_HASH_ALG_* bit. */
  readonly bitmap: number;
}

/** All supported algorithms, in EDK II's bank order (the order Tcg2Dxe writes digests). */
export const HASH_ALGS: readonly HashAlgInfo[] = [
  { alg: TPM_ALG_HASH.SHA1, name: 'sha1', tpmName: 'TPM_ALG_SHA1', size: 20, bitmap: 0x01 },
  { alg: TPM_ALG_HASH.SHA256, name: 'sha256', tpmName: 'TPM_ALG_SHA256', size: 32, bitmap: 0x02 },
  { alg: TPM_ALG_HASH.SHA384, name: 'sha384', tpmName: 'TPM_ALG_SHA384', size: 48, bitmap: 0x04 },
  { alg: TPM_ALG_HASH.SHA512, name: 'sha512', tpmName: 'TPM_ALG_SHA512', size: 64, bitmap: 0x08 },
  { alg: TPM_ALG_HASH.SM3_256, name: 'sm3_256', tpmName: 'TPM_ALG_SM3_256', size: 32, bitmap: 0x10 },
];

const BY_ALG = new Map<number, HashAlgInfo>(HASH_ALGS.map((h) => [h.alg, h]));
const BY_NAME = new Map<string, HashAlgInfo>(HASH_ALGS.map((h) => [h.name, h]));

/** True when `alg` is a hash TPM_ALG_ID known here. */
export function isHashAlg(alg: number): alg is TpmAlgHash {
  return BY_ALG.has(alg);
}

/** Registry row of `alg`, or undefined. */
export function findHashAlg(alg: number): HashAlgInfo | undefined {
  return BY_ALG.get(alg);
}

/** Registry row of `alg`; RangeError when unknown (a caller bug). */
export function hashAlgInfo(alg: number): HashAlgInfo {
  const h = BY_ALG.get(alg);
  if (!h) throw new RangeError(`"alg" 0x${alg.toString(16)} is not a known hash algorithm`);
  return h;
}

/** Registry row for a bank name (`sha256`, also `SHA256`, `sm3`); undefined when unknown. */
export function hashAlgByName(name: string): HashAlgInfo | undefined {
  const n = name.toLowerCase();
  return BY_NAME.get(n === 'sm3' ? 'sm3_256' : n);
}

/** Digest size of `alg` in bytes. */
export function digestSize(alg: TpmAlgHash): number {
  return hashAlgInfo(alg).size;
}

/** The algorithms whose EDK II bitmap bit is set in `bitmap`, in bank order. */
export function algsFromBitmap(bitmap: number): TpmAlgHash[] {
  return HASH_ALGS.filter((h) => (bitmap & h.bitmap) !== 0).map((h) => h.alg);
}

/** The EDK II bitmap of `algs`. */
export function bitmapFromAlgs(algs: Iterable<number>): number {
  let b = 0;
  for (const a of algs) b |= hashAlgInfo(a).bitmap;
  return b;
}

/** Sorts algorithms into EDK II bank order. */
export function sortAlgs<T extends number>(algs: Iterable<T>): T[] {
  const order = (a: number): number => HASH_ALGS.findIndex((h) => h.alg === a);
  return [...algs].sort((a, b) => order(a) - order(b));
}
