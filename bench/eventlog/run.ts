/**
 * Benchmark: decode + replay of a 100 000-event crypto-agile log, ours vs `tpm2_eventlog`
 * (tpm2-tools) on the same file, side by side.
 *
 *   npx tsc -b && npx tsc -p bench/eventlog && node bench/eventlog/dist/run.js [events]
 *
 * Two comparisons are printed:
 *  1. in-process decode + replay (median of 5) vs the tpm2_eventlog process (median of 5 runs,
 *     which also prints YAML: it has no replay-only mode);
 *  2. whole process vs whole process: `tcg2sim eventlog FILE --yaml` vs `tpm2_eventlog FILE`,
 *     both writing the same YAML to /dev/null (Node start-up included).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { decodeEventLog, replayEventLog, replayEventLogBytes } from '@tcg2sim/event-log';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { generateLog } from './generate.ts';

const count = Number(process.argv[2] ?? 100_000);
const runs = 5;
const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', '..', '..', 'packages', 'cli', 'bin', 'tcg2sim.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function timeProcess(cmd: string, args: string[]): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    t.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${cmd} exited with ${String(r.status)}`);
  }
  return median(t);
}

function timeIn(fn: () => string): { ms: number; pcr0: string } {
  const t: number[] = [];
  let pcr0 = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    pcr0 = fn();
    t.push(performance.now() - t0);
  }
  return { ms: median(t), pcr0 };
}

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('hex');

function bench(dir: string, algs: readonly TpmAlgHash[], label: string): void {
  const bytes = generateLog(count, algs);
  const file = join(dir, `log-${label}.bin`);
  writeFileSync(file, bytes);
  process.stdout.write(`\n${label}: ${count} events + Spec ID, ${bytes.length} bytes\n`);
  const streamed = timeIn(() => hex(replayEventLogBytes(bytes).banks.get(TPM_ALG_HASH.SHA256)?.get(0)));
  const objects = timeIn(() => hex(replayEventLog(decodeEventLog(bytes)).banks.get(TPM_ALG_HASH.SHA256)?.get(0)));
  const theirs = timeProcess('tpm2_eventlog', [file]);
  const toolPcr0 = /sha256:\n {4}0 {2}: 0x([0-9a-f]+)/.exec(execFileSync('tpm2_eventlog', [file], { encoding: 'latin1', maxBuffer: 1 << 30 }))?.[1];
  const cliTime = timeProcess(process.execPath, [cli, 'eventlog', file, '--yaml']);
  const row = (name: string, ms: number): string => `  ${name.padEnd(44)} ${ms.toFixed(1).padStart(9)} ms  ${(theirs / ms).toFixed(1).padStart(5)}x\n`;
  process.stdout.write(`  same sha256 PCR0 as tpm2_eventlog: ${String(toolPcr0 === streamed.pcr0 && toolPcr0 === objects.pcr0)}\n`);
  process.stdout.write(row('tpm2_eventlog FILE (process, baseline)', theirs));
  process.stdout.write(row('replayEventLogBytes: decode+replay, one pass', streamed.ms));
  process.stdout.write(row('decodeEventLog + replayEventLog (objects)', objects.ms));
  process.stdout.write(row('tcg2sim eventlog FILE --yaml (process)', cliTime));
}

const dir = mkdtempSync(join(tmpdir(), 'tcg2sim-bench-'));
try {
  process.stdout.write('times are medians of 5; ratio = tpm2_eventlog time / ours (higher is faster)\n');
  bench(dir, [TPM_ALG_HASH.SHA256], 'sha256');
  bench(dir, [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256], 'sha1+sha256');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
