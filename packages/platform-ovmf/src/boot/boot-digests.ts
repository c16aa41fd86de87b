import { toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH, hashAll } from '@tcg2sim/hash-lib';
import type { BankDigest, TpmAlgHash } from '@tcg2sim/hash-lib';
import type { DigestWorker } from './digest-worker.ts';

/**
 * The hashing of one simulated boot, digests kept per buffer: BDS identifies the build by the
 * SHA-256 of the DXEFV bytes Tcg2Pei already hashed in every bank (~12 MiB: hashed once, not
 * twice). Keyed by the Uint8Array object: a boot's buffers are not modified once hashed.
 *
 * Everything is hashed on the calling thread. Handing DXEFV's SHA-384/SHA-512 to libuv's pool
 * (SubtleCrypto.digest) was measured: ~10 ms less wall time on an idle two-core machine, 20-30 ms
 * more CPU (SubtleCrypto copies its input), so a loss whenever the other core is busy. With a
 * {@link DigestWorker}, the buffer offered to it (DXEFV) has the worker's banks (SHA-1, SHA-512)
 * from the worker when it has them (the main thread hashes the other banks first, then takes them).
 */
export class BootDigests {
  readonly #memo = new WeakMap<Uint8Array, Map<TpmAlgHash, Uint8Array>>();
  readonly #worker: DigestWorker | undefined;

  constructor(worker?: DigestWorker) {
    this.#worker = worker;
  }

  /** Digests of `data` in `algs`, in that order (Tcg2Pei's HashLib: @tcg2sim/hash-lib's hashAll). */
  readonly hashAll = (algs: readonly TpmAlgHash[], data: Uint8Array): BankDigest[] => {
    let known = this.#memo.get(data);
    if (known === undefined) {
      known = new Map();
      this.#memo.set(data, known);
    }
    const memo = known;
    let missing = algs.filter((a) => !memo.has(a));
    const offered = this.#worker?.offered(data) === true ? this.#worker : undefined;
    if (offered !== undefined && missing.some((a) => offered.algs.includes(a))) {
      const mine = missing.filter((a) => !offered.algs.includes(a));
      for (const d of hashAll(mine, data)) memo.set(d.alg, d.digest);
      for (const [alg, digest] of offered.take(data, missing)) if (!memo.has(alg)) memo.set(alg, digest);
      missing = missing.filter((a) => !memo.has(a));
    }
    if (missing.length > 0) for (const d of hashAll(missing, data)) memo.set(d.alg, d.digest);
    return algs.map((alg) => {
      const digest = memo.get(alg);
      if (digest === undefined) throw new Error(`BootDigests: no digest for algorithm 0x${alg.toString(16)}`);
      return { alg, digest };
    });
  };

  /** SHA-256 of `data` as lower-case hex. */
  sha256Hex(data: Uint8Array): string {
    const [d] = this.hashAll([TPM_ALG_HASH.SHA256], data);
    return toHex(d?.digest ?? new Uint8Array());
  }
}
