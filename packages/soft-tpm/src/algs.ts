/**
 * The hash algorithms libtpms 0.9 implements (HASH_COUNT = 4: SHA-1, SHA-256, SHA-384, SHA-512,
 * in the order CryptHashGetAlgByIndex returns them) and digest helpers over @tcg2sim/hash-lib.
 */
import { createHasher, isHashAlg, type TpmAlgHash } from '@tcg2sim/hash-lib';

type OneShot = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Uint8Array;

/**
 * node:crypto's one-shot `hash()` (Node >= 20.12) when available: for the short inputs of PCR
 * extends it costs about half of createHash().update().digest(). Elsewhere hash-lib's hashers.
 */
const oneShot: OneShot | undefined = await import('node:crypto').then(
  (m): OneShot | undefined => {
    // `hash` is typed on Node 20 but only exists from 20.12 on.
    const f: unknown = m.hash;
    if (typeof f !== 'function') return undefined;
    // A plain Uint8Array view of the Buffer: Buffers serialize differently (Buffer#toJSON).
    return (algorithm, data) => {
      const b = m.hash(algorithm, data, 'buffer');
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    };
  },
  () => undefined
);

/** Scratch space for digestOf's concatenation (the hash is computed before it is reused). */
const scratch = new Uint8Array(256);

const NODE_NAMES: Readonly<Record<number, string>> = { 0x0004: 'sha1', 0x000b: 'sha256', 0x000c: 'sha384', 0x000d: 'sha512' };

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

/** Digest of the concatenation of `parts` with an implemented hash. */
export function digestOf(alg: number, ...parts: readonly Uint8Array[]): Uint8Array {
  const name = NODE_NAMES[alg];
  if (oneShot !== undefined && name !== undefined) {
    if (parts.length === 1 && parts[0] !== undefined) return oneShot(name, parts[0], 'buffer');
    let n = 0;
    for (const p of parts) n += p.length;
    // Short concatenations (a PCR value and a digest) go through one reused scratch buffer.
    const all = n <= scratch.length ? scratch.subarray(0, n) : new Uint8Array(n);
    n = 0;
    for (const p of parts) {
      all.set(p, n);
      n += p.length;
    }
    return oneShot(name, all, 'buffer');
  }
  const h = createHasher(asHashAlg(alg));
  for (const p of parts) h.update(p);
  return h.digest();
}
