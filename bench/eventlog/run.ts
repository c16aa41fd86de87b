/**
 * Benchmark: decode + replay of a 100 000-event crypto-agile log, ours vs `tpm2_eventlog`
 * (tpm2-tools) on the same file, side by side.
 *
 *   npx tsc -b && npx tsc -p bench/eventlog && node bench/eventlog/dist/run.js [events]
 *
 * Two comparisons are printed:
 *  1. in-process decode + replay vs the tpm2_eventlog process (which also prints YAML: it has
 *     no replay-only mode), best of 7 runs each, wall-clock and CPU time;
 *  2. whole process vs whole process: `tcg2sim eventlog FILE --yaml` vs `tpm2_eventlog FILE`,
 *     both writing the same YAML to /dev/null, and `tcg2sim eventlog FILE --pcrs-only` (Node
 *     start-up included).
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
import { generateLog, generateSecureBootLog } from './generate.ts';

const count = Number(process.argv[2] ?? 100_000);
const runs = 7;
const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', '..', '..', 'packages', 'cli', 'bin', 'tcg2sim.js');

// Best of N for both sides: on a shared machine the minimum is the run least disturbed by
// other load. CPU time (user + system) is reported too: it does not count time spent waiting
// for a core, so it is the steadier measure of each program's own cost on a busy machine.
interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

function best(ts: readonly Timing[]): Timing {
  return { wall: Math.min(...ts.map((t) => t.wall)), cpu: Math.min(...ts.map((t) => t.cpu)) };
}

function timeProcess(cmd: string, args: string[]): Timing {
  const t: Timing[] = [];
  const quoted = [cmd, ...args].map((x) => `'${x.replace(/'/g, "'\\''")}'`).join(' ');
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    // `times` prints the children's user and system CPU time on its second line.
    const r = spawnSync('sh', ['-c', `${quoted} >/dev/null 2>&1 || exit 3; times`], { encoding: 'latin1' });
    const wall = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} failed (${String(r.status)})`);
    const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(r.stdout.trim());
    const cpu = m ? (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 : NaN;
    t.push({ wall, cpu });
  }
  return best(t);
}

function timeIn(fn: () => string): Timing & { pcr0: string } {
  const t: Timing[] = [];
  let pcr0 = '';
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    pcr0 = fn();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    t.push({ wall, cpu: (c.user + c.system) / 1000 });
  }
  return { ...best(t), pcr0 };
}

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('hex');

function bench(dir: string, algs: readonly TpmAlgHash[], label: string, gen: (n: number, a: readonly TpmAlgHash[]) => Uint8Array): void {
  const bytes = gen(count, algs);
  const file = join(dir, `log-${label}.bin`);
  writeFileSync(file, bytes);
  process.stdout.write(`\n${label}: ${count} events + Spec ID, ${bytes.length} bytes\n`);
  const streamed = timeIn(() => hex(replayEventLogBytes(bytes).banks.get(TPM_ALG_HASH.SHA256)?.get(0)));
  const objects = timeIn(() => hex(replayEventLog(decodeEventLog(bytes)).banks.get(TPM_ALG_HASH.SHA256)?.get(0)));
  const theirs = timeProcess('tpm2_eventlog', [file]);
  const toolPcr0 = /sha256:\n {4}0 {2}: 0x([0-9a-f]+)/.exec(execFileSync('tpm2_eventlog', [file], { encoding: 'latin1', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }))?.[1];
  const cliTime = timeProcess(process.execPath, [cli, 'eventlog', file, '--yaml']);
  const cliPcrs = timeProcess(process.execPath, [cli, 'eventlog', file, '--pcrs-only']);
  const row = (name: string, t: Timing): string =>
    `  ${name.padEnd(44)} wall ${t.wall.toFixed(1).padStart(8)} ms ${(theirs.wall / t.wall).toFixed(1).padStart(5)}x   cpu ${t.cpu.toFixed(1).padStart(8)} ms ${(theirs.cpu / t.cpu).toFixed(1).padStart(5)}x\n`;
  process.stdout.write(`  same sha256 PCR0 as tpm2_eventlog: ${String(toolPcr0 === streamed.pcr0 && toolPcr0 === objects.pcr0)}\n`);
  process.stdout.write(row('tpm2_eventlog FILE (process, baseline)', theirs));
  process.stdout.write(row('replayEventLogBytes: decode+replay, one pass', streamed));
  process.stdout.write(row('decodeEventLog + replayEventLog (objects)', objects));
  process.stdout.write(row('tcg2sim eventlog FILE --yaml (process)', cliTime));
  process.stdout.write(row('tcg2sim eventlog FILE --pcrs-only (process)', cliPcrs));
}

const dir = mkdtempSync(join(tmpdir(), 'tcg2sim-bench-'));
try {
  process.stdout.write('times are the best of 7 runs each; ratio = tpm2_eventlog time / ours (higher is faster)\n');
  bench(dir, [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256], 'Secure Boot + shim + GRUB mix, sha1+sha256', generateSecureBootLog);
  bench(dir, [TPM_ALG_HASH.SHA256], 'Secure Boot + shim + GRUB mix, sha256', generateSecureBootLog);
  bench(dir, [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256], 'OVMF-only events (small data), sha1+sha256', generateLog);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
