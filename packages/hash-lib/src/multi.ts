import { createHasher, hash } from './hasher.ts';
import type { Hasher, HashProvider } from './hasher.ts';
import { digestSize, hashAlgInfo, sortAlgs } from './registry.ts';
import type { TpmAlgHash } from './registry.ts';

/** One bank's digest (TPMT_HA as a value). */
export interface BankDigest {
  readonly alg: TpmAlgHash;
  readonly digest: Uint8Array;
}

/**
 * Hashes one stream into several banks at once, the way HashLibBaseCryptoRouter's
 * HashStart/HashUpdate/HashCompleteAndExtend fan out to every registered instance.
 * Digests come back in the order the algorithms were given.
 */
export class MultiHasher {
  readonly #hashers: { alg: TpmAlgHash; h: Hasher }[];
  #done = false;

  constructor(algs: Iterable<TpmAlgHash>, provider?: HashProvider) {
    this.#hashers = [...algs].map((alg) => ({ alg, h: createHasher(alg, provider) }));
  }

  update(data: Uint8Array): this {
    if (this.#done) throw new Error('MultiHasher: update after digest');
    for (const { h } of this.#hashers) h.update(data);
    return this;
  }

  digest(): BankDigest[] {
    if (this.#done) throw new Error('MultiHasher: digest called twice');
    this.#done = true;
    return this.#hashers.map(({ alg, h }) => ({ alg, digest: h.digest() }));
  }
}

/** Hashes `data` in every bank of `algs` (streamed in 1 MiB pieces for large inputs). */
export function hashAll(algs: Iterable<TpmAlgHash>, data: Uint8Array, provider?: HashProvider): BankDigest[] {
  const m = new MultiHasher(algs, provider);
  const CHUNK = 1 << 20;
  for (let i = 0; i < data.length; i += CHUNK) m.update(data.subarray(i, i + CHUNK));
  if (data.length === 0) m.update(data);
  return m.digest();
}

/** PCR extend: H(old || digest), TPM 2.0 Part 1 §17.3. */
export function extendPcrValue(alg: TpmAlgHash, old: Uint8Array, digest: Uint8Array, provider?: HashProvider): Uint8Array {
  const n = digestSize(alg);
  if (old.length !== n || digest.length !== n) {
    throw new RangeError(`"${hashAlgInfo(alg).name}" extend expects ${n}-byte values, got ${old.length} and ${digest.length}`);
  }
  const both = new Uint8Array(2 * n);
  both.set(old, 0);
  both.set(digest, n);
  return hash(alg, both, provider);
}

/** A fresh PCR bank value: `fill` repeated (0x00 normally, 0xFF for PCR 17-22 at reset). */
export function pcrInitValue(alg: TpmAlgHash, fill = 0): Uint8Array {
  return new Uint8Array(digestSize(alg)).fill(fill);
}

export { sortAlgs };
