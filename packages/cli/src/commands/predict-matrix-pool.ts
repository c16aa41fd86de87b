import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { hashAlgByName } from '@tcg2sim/hash-lib';
import type { SecOutput } from '@tcg2sim/platform-ovmf';
import { SECTION_GUID, walkFv } from '@tcg2sim/uefi/fv';
import { MatrixBooter, matrixDigests } from './predict-matrix-boot.ts';
import type { MatrixJob, MatrixOutcome, ThreadImage } from './predict-matrix-boot.ts';
import { MATRIX_WORKER } from './predict-matrix-worker.ts';
import type { ImageMessage, JobsMessage, WorkerMessage } from './predict-matrix-worker.ts';

/** A firmware image of the matrix: its bytes and SEC's output (decoded once, on the main thread's pool). */
export interface PoolImage {
  readonly code: Uint8Array;
  readonly sec: Promise<SecOutput>;
}

/**
 * How many worker threads to start for `jobs` configurations. A worker costs a start-up (module
 * loading, ~50 ms of CPU) and boots slowly until its JIT is warm (the first three take ~200 ms);
 * warm, a configuration of OVMF_CODE_4M takes ~10-15 ms. So: at least 8 configurations per
 * worker, one worker per core beyond the main thread's (at most 7), and only on machines with
 * at least 4 cores whose load leaves one free (`spareCore`). On the 2-vCPU development VM a
 * second thread made both slower (two boots at once ran ~2.5x slower each), see
 * bench/README.md. TCG2SIM_MATRIX_WORKERS=N decides instead (0: the main thread alone). Only
 * the timing depends on it, never the output.
 */
export function matrixWorkerCount(jobs: number, spareCore: () => boolean): number {
  const forced = process.env['TCG2SIM_MATRIX_WORKERS'];
  if (forced !== undefined && /^\d+$/.test(forced)) return Math.min(Number(forced), Math.max(0, jobs - 1));
  const cores = availableParallelism();
  if (cores < 4 || jobs < 16 || !spareCore()) return 0;
  return Math.max(0, Math.min(cores - 1, 7, Math.floor(jobs / 8)));
}

/** What the pool did: outcomes in job order, and how the work was shared. */
export interface PoolResult {
  readonly outcomes: MatrixOutcome[];
  /** Configurations whose outcome came from a worker thread. */
  readonly onWorkers: number;
  /** Why worker threads failed (their jobs then ran on the main thread). */
  readonly workerErrors: readonly string[];
}

/**
 * Boots every job, the main thread and `workers` worker threads claiming jobs from a shared
 * counter (`mainClaims` false: the main thread boots only what the workers did not, a test
 * knob). The image work that does not depend on the configuration is done once, on the main
 * thread: SEC (LZMA decoding, volume parsing), the digests of DXEFV in every bank any job uses;
 * workers get both (they parse the decoded volumes again, ~10 ms, instead of decoding). Each
 * thread remembers the UEFI Shell's Authenticode digests and PEIFV digests by content.
 * A job a worker could not finish (it failed, or the worker died) is booted again on the main
 * thread, which alone decides what is reported. Outcomes in job order.
 */
export async function runMatrixPool(
  jobs: readonly MatrixJob[],
  images: readonly PoolImage[],
  vars: readonly Uint8Array[],
  workers: number,
  o: { readonly mainClaims: boolean } = { mainClaims: true }
): Promise<PoolResult> {
  const counter = new SharedArrayBuffer(4);
  const next = new Int32Array(counter, 0, 1);
  const outcomes: (MatrixOutcome | undefined)[] = jobs.map(() => undefined);
  const workerErrors: string[] = [];
  const threads = startWorkers(workers, { kind: 'jobs', jobs, codes: images.map((i) => i.code), vars, counter }, outcomes, workerErrors);
  const mine: ThreadImage[] = images.map((img, index) => {
    const digests = matrixDigests();
    const algs = [...new Set(jobs.filter((j) => j.image === index).flatMap((j) => j.scenario.banks))].flatMap((b) => hashAlgByName(b)?.alg ?? []);
    // Registered before any boot awaits `sec`: the workers get the image first.
    // Every worker gets an answer for every image (a worker waits for it).
    const failed = (): void => {
      const msg: ImageMessage = { kind: 'image', index, failed: true, lzma: [], dxe: [] };
      for (const t of threads) t.worker.postMessage(msg);
    };
    img.sec.then((sec) => {
      if (threads.length === 0) return;
      let msg: ImageMessage;
      try {
        digests.hashAll(algs, sec.dxeFv.bytes);
        msg = { kind: 'image', index, failed: false, lzma: lzmaSections(sec, img.code), dxe: [...digests.known(sec.dxeFv.bytes)] };
      } catch {
        failed(); // the main thread boots these configurations and reports what goes wrong
        return;
      }
      for (const t of threads) t.worker.postMessage(msg);
    }, failed);
    return { code: img.code, sec: img.sec, digests };
  });
  const booter = new MatrixBooter(mine, vars);
  const onMain: boolean[] = [];
  try {
    for (let i = o.mainClaims || threads.length === 0 ? Atomics.add(next, 0, 1) : jobs.length; i < jobs.length; i = Atomics.add(next, 0, 1)) {
      const job = jobs[i];
      if (job !== undefined) outcomes[i] = await booter.run(job);
      onMain[i] = true;
    }
    await Promise.all(threads.map((t) => t.finished));
  } finally {
    for (const t of threads) void t.worker.terminate();
  }
  const onWorkers = outcomes.filter((o, i) => o !== undefined && onMain[i] !== true).length;
  const out: MatrixOutcome[] = [];
  for (const [i, job] of jobs.entries()) {
    // The main thread's own outcomes stand as they are; a worker's are kept only when it succeeded.
    out.push(outcomes[i] ?? (await booter.run(job)));
  }
  return { outcomes: out, onWorkers, workerErrors };
}

interface Thread {
  readonly worker: Worker;
  /** Settles when the worker said it is done, or ended. */
  readonly finished: Promise<void>;
}

function startWorkers(n: number, jobs: JobsMessage, outcomes: (MatrixOutcome | undefined)[], errors: string[]): Thread[] {
  const threads: Thread[] = [];
  for (let k = 0; k < n; k++) {
    const worker = new Worker(new URL('./predict-matrix-worker.js', import.meta.url), { workerData: MATRIX_WORKER, stdout: true, stderr: true });
    const finished = new Promise<void>((resolve) => {
      worker.on('message', (m: WorkerMessage) => {
        if (m.kind === 'done') resolve();
        // A worker's failure is not reported from there: the main thread boots that job again.
        else if (m.outcome.ok) outcomes[m.index] = m.outcome;
      });
      worker.on('error', (e) => {
        errors.push(e.message);
        resolve();
      });
      worker.on('exit', () => resolve());
    });
    worker.postMessage(jobs);
    threads.push({ worker, finished });
  }
  return threads;
}

/** The LZMA GUID-defined sections SEC decoded: where their data sits in `code`, and the output. */
function lzmaSections(sec: SecOutput, code: Uint8Array): ImageMessage['lzma'] {
  const out: { offset: number; length: number; out: Uint8Array }[] = [];
  for (const n of walkFv(sec.fvMainCompact)) {
    if (n.kind !== 'section' || n.guid !== SECTION_GUID.LZMA || n.decompressed === undefined || n.body.buffer !== code.buffer) continue;
    out.push({ offset: n.body.byteOffset - code.byteOffset, length: n.body.length, out: n.decompressed });
  }
  return out;
}
