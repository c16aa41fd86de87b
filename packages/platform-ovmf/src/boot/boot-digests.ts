import { toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH, hashAll } from '@tcg2sim/hash-lib';
import type { BankDigest, TpmAlgHash } from '@tcg2sim/hash-lib';
import { peImageDigests } from '@tcg2sim/uefi';
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
  readonly #peMemo = new WeakMap<Uint8Array, Map<TpmAlgHash, Uint8Array>>();
  readonly #worker: DigestWorker | undefined;
  /** Buffers remembered by content (see the constructor), most recent last. */
  readonly #byContent: { readonly data: Uint8Array; readonly memo: Map<TpmAlgHash, Uint8Array> }[] = [];
  readonly #contentSlots: number;

  /**
   * `shared.contentSlots`: for a memo shared by many boots of one image (a configuration matrix),
   * how many buffers of at least 64 KiB to remember by content as well: a boot's PEIFV copy is a
   * new object each time but often the same bytes (configurations that differ only in what
   * PlatformPei does not write); comparing is far cheaper than hashing in four banks. Default 0.
   */
  constructor(worker?: DigestWorker, shared: { readonly contentSlots?: number } = {}) {
    this.#worker = worker;
    this.#contentSlots = shared.contentSlots ?? 0;
  }

  /** The memo entry of `data`: by object, else by content when enabled. */
  #entry(data: Uint8Array): Map<TpmAlgHash, Uint8Array> {
    const known = this.#memo.get(data);
    if (known !== undefined) return known;
    let memo: Map<TpmAlgHash, Uint8Array> | undefined;
    if (this.#contentSlots > 0 && data.length >= 0x10000) {
      memo = this.#byContent.find((e) => e.data.length === data.length && Buffer.compare(e.data, data) === 0)?.memo;
      if (memo === undefined) {
        memo = new Map();
        // A copy: the comparison must see the bytes that were hashed, whatever happens to `data` later.
        this.#byContent.push({ data: data.slice(), memo });
        if (this.#byContent.length > this.#contentSlots) this.#byContent.shift();
      }
    }
    memo ??= new Map();
    this.#memo.set(data, memo);
    return memo;
  }

  /** Digests of `data` known without hashing (seeded or hashed before), by algorithm. */
  known(data: Uint8Array): ReadonlyMap<TpmAlgHash, Uint8Array> {
    return this.#memo.get(data) ?? new Map();
  }

  /** Records digests of `data` computed elsewhere (another thread's memo of the same bytes). */
  seed(data: Uint8Array, digests: Iterable<readonly [TpmAlgHash, Uint8Array]>): void {
    const memo = this.#entry(data);
    for (const [alg, d] of digests) memo.set(alg, d);
  }

  /**
   * Authenticode digests of a PE file (peImageDigests), remembered per buffer object: the UEFI
   * Shell BDS loads from DXEFV is the same bytes in every boot of an image. Throws as
   * peImageDigests does (nothing remembered then).
   */
  readonly peImage = (image: Uint8Array, algs: readonly TpmAlgHash[]): BankDigest[] => {
    let memo = this.#peMemo.get(image);
    if (memo === undefined) {
      memo = new Map();
      this.#peMemo.set(image, memo);
    }
    const m = memo;
    const missing = algs.filter((a) => !m.has(a));
    if (missing.length > 0) for (const d of peImageDigests(image, missing)) m.set(d.alg, d.digest);
    return algs.map((alg) => ({ alg, digest: m.get(alg) ?? new Uint8Array() }));
  };

  /** Digests of `data` in `algs`, in that order (Tcg2Pei's HashLib: @tcg2sim/hash-lib's hashAll). */
  readonly hashAll = (algs: readonly TpmAlgHash[], data: Uint8Array): BankDigest[] => {
    const memo = this.#entry(data);
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
