/**
 * A matrix worker thread (started by predict-matrix-pool.ts; its own entry point of the CLI
 * bundle, `predict-matrix-worker.js` next to the module that starts it, in dist/src/commands/
 * and in dist/bundle/ alike). It boots configurations claimed from the shared counter exactly as
 * the main thread does (MatrixBooter), with the main thread's work on the image handed over:
 * the LZMA output of FVMAIN_COMPACT (adopted by the parser instead of decoding again) and the
 * digests of DXEFV. Nothing here runs on the main thread.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import type { SecOutput } from '@tcg2sim/platform-ovmf';
import type { MatrixJob, MatrixOutcome, ThreadImage } from './predict-matrix-boot.ts';

/** workerData that marks a matrix worker. */
export const MATRIX_WORKER = 'tcg2sim-matrix-worker';

/** Main → worker: the jobs, the images' bytes, the variable stores and the claim counter (first message). */
export interface JobsMessage {
  readonly kind: 'jobs';
  readonly jobs: readonly MatrixJob[];
  readonly codes: readonly Uint8Array[];
  readonly vars: readonly Uint8Array[];
  /** Int32 at 0: the next job index to claim (Atomics.add). */
  readonly counter: SharedArrayBuffer;
}

/** Main → worker: SEC's work on image `index` (or its failure: the main thread reports it). */
export interface ImageMessage {
  readonly kind: 'image';
  readonly index: number;
  readonly failed: boolean;
  /** LZMA sections of the image: offset and length of the compressed data, and its decoding. */
  readonly lzma: readonly { readonly offset: number; readonly length: number; readonly out: Uint8Array }[];
  /** DXEFV's digests per bank. */
  readonly dxe: readonly (readonly [TpmAlgHash, Uint8Array])[];
}

/** Worker → main. */
export type WorkerMessage = { readonly kind: 'result'; readonly index: number; readonly outcome: MatrixOutcome } | { readonly kind: 'done' };

interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (v: T) => void;
  readonly reject: (e: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function serve(port: MessagePort): void {
  // The simulator's modules load while the main thread decodes the image.
  const modules = Promise.all([import('@tcg2sim/uefi/fv'), import('@tcg2sim/platform-ovmf/sec'), import('./predict-matrix-boot.ts')]);
  const secs: Deferred<SecOutput>[] = [];
  let codes: readonly Uint8Array[] = [];
  const images: Deferred<ImageMessage>[] = [];
  const image = (i: number): Deferred<ImageMessage> => (images[i] ??= deferred<ImageMessage>());
  port.on('message', (m: JobsMessage | ImageMessage) => {
    if (m.kind === 'image') image(m.index).resolve(m);
    else void run(m);
  });

  async function run(m: JobsMessage): Promise<void> {
    const [{ adoptLzmaDecode }, { decompressMemFvsAsync }, { MatrixBooter, matrixDigests }] = await modules;
    codes = m.codes;
    const threadImages: ThreadImage[] = codes.map((code, i) => {
      const sec = (secs[i] = deferred<SecOutput>());
      const digests = matrixDigests();
      void image(i).promise.then(async (msg) => {
        if (msg.failed) throw new Error('the main thread reports this image');
        for (const l of msg.lzma) adoptLzmaDecode(code.subarray(l.offset, l.offset + l.length), Promise.resolve(l.out));
        const out = await decompressMemFvsAsync(code);
        digests.seed(out.dxeFv.bytes, msg.dxe);
        return out;
      }).then(sec.resolve, sec.reject);
      return { code, sec: sec.promise, digests };
    });
    const booter = new MatrixBooter(threadImages, m.vars);
    const next = new Int32Array(m.counter, 0, 1);
    for (let i = Atomics.add(next, 0, 1); i < m.jobs.length; i = Atomics.add(next, 0, 1)) {
      const job = m.jobs[i];
      if (job === undefined) break;
      const outcome = await booter.run(job);
      port.postMessage({ kind: 'result', index: i, outcome } satisfies WorkerMessage);
    }
    port.postMessage({ kind: 'done' } satisfies WorkerMessage);
  }
}

if (!isMainThread && parentPort !== null && workerData === MATRIX_WORKER) serve(parentPort);
