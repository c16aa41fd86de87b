import { webcrypto } from 'node:crypto';
import { toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH, hashAll } from '@tcg2sim/hash-lib';
import type { BankDigest, TpmAlgHash } from '@tcg2sim/hash-lib';

/**
 * Banks hashed on libuv's thread pool (SubtleCrypto.digest, which copies its input first) for
 * large inputs, while the calling thread hashes the others: the two slowest of the four.
 */
const POOLED: ReadonlyMap<TpmAlgHash, string> = new Map<TpmAlgHash, string>([
  [TPM_ALG_HASH.SHA384, 'SHA-384'],
  [TPM_ALG_HASH.SHA512, 'SHA-512'],
]);

/** Inputs from this size on (DXEFV: ~12 MiB) are split between the pool and the calling thread. */
const POOL_MIN_BYTES = 4 << 20;

/**
 * The hashing of one simulated boot. Digests are kept per buffer: BDS identifies the build by
 * the SHA-256 of the DXEFV bytes Tcg2Pei already hashed in every bank (~12 MiB: hashed once, not
 * twice). Keyed by the Uint8Array object: a boot's buffers are not modified once hashed. With
 * `pool`, a large input's SHA-384 and SHA-512 run on libuv's thread pool while this thread hashes
 * the other banks (two cores: about half the time; one busy core: a copy more).
 */
export class BootDigests {
  readonly #memo = new WeakMap<Uint8Array, Map<TpmAlgHash, Uint8Array>>();
  readonly #pool: boolean;

  constructor(options: { readonly pool?: boolean } = {}) {
    this.#pool = options.pool ?? true;
  }

  /** Digests of `data` in `algs`, in that order (Tcg2Pei's HashLib; the digests of hash-lib's hashAll). */
  readonly hashAll = async (algs: readonly TpmAlgHash[], data: Uint8Array): Promise<BankDigest[]> => {
    const known = this.#known(data);
    const missing = algs.filter((a) => !known.has(a));
    const pooled = this.#pool && data.length >= POOL_MIN_BYTES ? missing.filter((a) => POOLED.has(a)) : [];
    const jobs = pooled.map(async (alg) => {
      known.set(alg, new Uint8Array(await webcrypto.subtle.digest(POOLED.get(alg) ?? '', data)));
    });
    const inline = missing.filter((a) => !pooled.includes(a));
    if (inline.length > 0) for (const d of hashAll(inline, data)) known.set(d.alg, d.digest);
    await Promise.all(jobs);
    return this.#collect(algs, known);
  };

  /** SHA-256 of `data` as lower-case hex (computed on this thread, or kept from hashAll). */
  sha256Hex(data: Uint8Array): string {
    const known = this.#known(data);
    if (!known.has(TPM_ALG_HASH.SHA256)) for (const d of hashAll([TPM_ALG_HASH.SHA256], data)) known.set(d.alg, d.digest);
    const [d] = this.#collect([TPM_ALG_HASH.SHA256], known);
    return toHex(d?.digest ?? new Uint8Array());
  }

  #known(data: Uint8Array): Map<TpmAlgHash, Uint8Array> {
    let m = this.#memo.get(data);
    if (m === undefined) {
      m = new Map();
      this.#memo.set(data, m);
    }
    return m;
  }

  #collect(algs: readonly TpmAlgHash[], known: ReadonlyMap<TpmAlgHash, Uint8Array>): BankDigest[] {
    return algs.map((alg) => {
      const digest = known.get(alg);
      if (digest === undefined) throw new Error(`BootDigests: no digest for algorithm 0x${alg.toString(16)}`);
      return { alg, digest };
    });
  }
}
