import { Worker } from 'node:worker_threads';
import { TPM_ALG_HASH, digestSize } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';

/**
 * A second thread for the largest hashing of a boot: Tcg2Pei hashes DXEFV (~13 MiB) in every
 * active bank right after SEC's decoding, the longest stretch of main-thread work left once the
 * LZMA decoding ends. The worker hashes a copy of those bytes (in a SharedArrayBuffer) in
 * SHA-1 and SHA-512 while the main thread goes on with PEI and hashes SHA-256 and SHA-384 itself.
 *
 * Hashing stays synchronous for its callers (Tcg2Pei's HashLib is): the main thread takes the
 * worker's digests when the worker has finished or is hashing (Atomics.wait), and hashes itself
 * when the worker has not started yet (a busy machine, a slow worker start-up) or failed. Either
 * way the digests are those of the same bytes with the same node:crypto algorithms.
 */

/** State word values (Int32 at offset 0 of the shared buffer). */
const IDLE = 0;
const HASHING = 1;
const DONE = 2;
const TAKEN = 3;
const HEADER = 256; // state word, slots-done word, then 64-byte digest slots
const SLOT = 64;
/**
 * The banks the worker hashes, in slot order: about half the work (node:crypto on x86-64 with
 * SHA extensions: SHA-1 ~11 ms, SHA-256 ~10 ms, SHA-384/512 ~16 ms each for 13 MiB), a little
 * less than the main thread's half, since the worker starts after the main thread's copy.
 */
const WORKER_ALGS: readonly (readonly [TpmAlgHash, string])[] = [
  [TPM_ALG_HASH.SHA1, 'sha1'],
  [TPM_ALG_HASH.SHA512, 'sha512'],
];
/** How long the main thread waits for a worker that is hashing before it hashes itself. */
const WAIT_MS = 10_000;

// CommonJS source of the worker (an eval worker: no separate file for the CLI bundle to carry).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ sab, length, algs }) => {
  const state = new Int32Array(sab, 0, 1);
  if (Atomics.compareExchange(state, 0, ${IDLE}, ${HASHING}) !== ${IDLE}) return;
  const progress = new Int32Array(sab, 4, 1);
  try {
    const data = new Uint8Array(sab, ${HEADER}, length);
    algs.forEach((alg, i) => {
      new Uint8Array(sab, 8 + i * ${SLOT}).set(createHash(alg).update(data).digest());
      Atomics.store(progress, 0, i + 1);
      Atomics.notify(progress, 0);
    });
    Atomics.store(state, 0, ${DONE});
  } catch {
    Atomics.store(state, 0, ${TAKEN});
  }
  Atomics.notify(progress, 0); // the main thread waits on the progress word
});
`;

interface Job {
  readonly data: Uint8Array;
  readonly sab: SharedArrayBuffer;
}

/** A hashing worker thread; started before its input exists, so its start-up overlaps other work. */
export class DigestWorker {
  readonly #worker: Worker;
  #job: Job | undefined;
  /** The algorithms the worker hashes. */
  readonly algs: readonly TpmAlgHash[] = WORKER_ALGS.map(([alg]) => alg);

  constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.unref(); // never keeps the process alive
    this.#worker.on('error', () => undefined); // a failed worker leaves the hashing to the main thread
  }

  /** Hands `data` (copied) to the worker; later digests of this same Uint8Array can come from it. */
  offer(data: Uint8Array): void {
    const sab = new SharedArrayBuffer(HEADER + data.length);
    new Uint8Array(sab, HEADER, data.length).set(data);
    this.#job = { data, sab };
    this.#worker.postMessage({ sab, length: data.length, algs: WORKER_ALGS.map(([, n]) => n) });
  }

  /** Whether `data` (this object) is the pending job. */
  offered(data: Uint8Array): boolean {
    return this.#job?.data === data;
  }

  /**
   * The worker's digests of `data` (same object as offered) in the `wanted` algorithms it hashes
   * (waiting for those while it is hashing), by algorithm; empty or partial when the main thread
   * must hash (some of) them itself: not offered, not started, failed. Ends the job.
   */
  take(data: Uint8Array, wanted: readonly TpmAlgHash[]): Map<TpmAlgHash, Uint8Array> {
    const out = new Map<TpmAlgHash, Uint8Array>();
    const job = this.#job;
    if (job?.data !== data) return out;
    this.#job = undefined;
    const state = new Int32Array(job.sab, 0, 1);
    const progress = new Int32Array(job.sab, 4, 1);
    if (Atomics.compareExchange(state, 0, IDLE, TAKEN) === IDLE) return out;
    const need = Math.max(0, ...wanted.map((a) => WORKER_ALGS.findIndex(([alg]) => alg === a) + 1));
    const deadline = performance.now() + WAIT_MS;
    for (;;) {
      const done = Atomics.load(progress, 0);
      const left = deadline - performance.now();
      if (done >= need || Atomics.load(state, 0) !== HASHING || left <= 0) break;
      Atomics.wait(progress, 0, done, left);
    }
    const done = Atomics.load(progress, 0);
    WORKER_ALGS.forEach(([alg], i) => {
      if (i < done) out.set(alg, new Uint8Array(job.sab, 8 + i * SLOT, digestSize(alg)).slice());
    });
    return out;
  }

  /** Stops the thread (idempotent). */
  close(): void {
    this.#job = undefined;
    void this.#worker.terminate();
  }
}
