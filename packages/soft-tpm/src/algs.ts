/**
 * The hash algorithms libtpms 0.9 implements (HASH_COUNT = 4: SHA-1, SHA-256, SHA-384, SHA-512,
 * in the order CryptHashGetAlgByIndex returns them) and digest helpers over @tcg2sim/hash-lib.
 */
import { bankExtender, createHasher, hash, isHashAlg, type BankExtender, type TpmAlgHash } from '@tcg2sim/hash-lib';

/** Scratch space for digestOf's concatenation (the hash is computed before it is reused). */
const scratch = new Uint8Array(256);

/** The implemented hash algorithms in libtpms' index order. */
export const HASH_COUNT_ALGS: readonly number[] = [0x0004, 0x000b, 0x000c, 0x000d];

/** Digest size of an implemented hash (0 for anything else, e.g. TPM_ALG_NULL). */
export function digestLength(alg: number): number {
  switch (alg) {
    case 0x0004:
      return 20;
    case 0x000b:
      return 32;
    case 0x000c:
      return 48;
    case 0x000d:
      return 64;
    default:
      return 0;
  }
}

function asHashAlg(alg: number): TpmAlgHash {
  if (digestLength(alg) === 0 || !isHashAlg(alg)) {
    throw new RangeError(`"alg" 0x${alg.toString(16)} is not an implemented hash`);
  }
  return alg;
}

/**
 * Digest of the concatenation of `parts` with an implemented hash (hash-lib's one-shot hash on
 * node:crypto when available).
 */
export function digestOf(alg: number, ...parts: readonly Uint8Array[]): Uint8Array {
  const a = asHashAlg(alg);
  if (parts.length === 1 && parts[0] !== undefined) return hash(a, parts[0]);
  let n = 0;
  for (const p of parts) n += p.length;
  if (n > scratch.length) {
    const h = createHasher(a);
    for (const p of parts) h.update(p);
    return h.digest();
  }
  // Short concatenations (a PCR value and a digest) go through one reused scratch buffer.
  n = 0;
  for (const p of parts) {
    scratch.set(p, n);
    n += p.length;
  }
  return hash(a, scratch.subarray(0, n));
}

const EXTENDERS: readonly (BankExtender | undefined)[] = (() => {
  const out: (BankExtender | undefined)[] = [];
  for (const alg of HASH_COUNT_ALGS) out[alg] = bankExtender(asHashAlg(alg));
  return out;
})();

/**
 * PCR extend in place: `pcr` (a digest of `alg`) becomes H(pcr || digest), the digest being the
 * `digestLength(alg)` bytes of `src` at `at`. Returns false, changing nothing, when the sizes do
 * not fit (the caller then extends by digestOf).
 */
export function extendInPlace(alg: number, pcr: Uint8Array, src: Uint8Array, at: number): boolean {
  const ext = EXTENDERS[alg];
  const n = digestLength(alg);
  if (ext === undefined || pcr.length !== n || at < 0 || at + n > src.length) return false;
  ext(pcr, src, at);
  return true;
}
