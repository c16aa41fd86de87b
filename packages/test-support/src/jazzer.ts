/**
 * Running the Jazzer.js fuzz targets from integration tests. The fuzzing setup lives in the
 * repository's fuzz/ directory, an npm project of its own that fuzz/build.sh installs and builds
 * (see fuzz/README.md); the fuzz targets are packages/<pkg>/fuzz/<name>.fuzz.ts, compiled by
 * `tsc -b` and bundled to CommonJS by fuzz/bundle.mjs so that Jazzer.js instruments them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './index.ts';

/** The repository root (this file is packages/test-support/{src,dist/src}/jazzer.*). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'fuzz', 'bundle.mjs')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The fuzz/ project. */
export const FUZZ_DIR: string = join(repoRoot(), 'fuzz');
/** The native addon fuzz/build.sh compiles; its presence means the setup is built. */
export const JAZZER_ADDON: string = join(FUZZ_DIR, 'node_modules', '@jazzer.js', 'fuzzer', 'build', 'Release', 'jazzerjs.node');
/** Jazzer.js's command line (@jazzer.js/core 2.1.0). */
export const JAZZER_CLI: string = join(FUZZ_DIR, 'node_modules', '@jazzer.js', 'core', 'dist', 'cli.js');

let bundled = false;

/**
 * The CommonJS bundle of packages/<pkg>/dist/fuzz/<name>.fuzz.js. Bundles every target once
 * per process, so that the bundles always match the compiled code under test.
 */
export function fuzzBundle(pkg: string, name: string): string {
  if (!bundled) {
    const r = spawnSync(process.execPath, [join(FUZZ_DIR, 'bundle.mjs')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`fuzz/bundle.mjs failed:\n${r.stderr}`);
    bundled = true;
  }
  const file = join(FUZZ_DIR, 'build', 'targets', `${pkg}-${name}.cjs`);
  if (!existsSync(file)) throw new Error(`no fuzz target ${pkg}/${name} (packages/${pkg}/fuzz/${name}.fuzz.ts)`);
  return file;
}

/** How long and on what one fuzzing run goes. */
export interface JazzerOptions {
  /** A file exporting `fuzz(data)`: a {@link fuzzBundle} or any CommonJS module. */
  readonly target: string;
  /** The initial corpus (written to a fresh corpus directory). */
  readonly seeds: readonly Uint8Array[];
  /** libFuzzer's -max_total_time, in seconds. */
  readonly seconds: number;
  /** libFuzzer's -runs: stop after this many executions (default: no bound but `seconds`). */
  readonly runs?: number;
  /** libFuzzer's -max_len (default: the largest seed, at least 4096). */
  readonly maxLen?: number;
  /** libFuzzer's -seed (default 1, so that a run can be repeated). */
  readonly seed?: number;
  /** Jazzer.js --timeout for one input, in ms (default 5000): longer is reported as a hang. */
  readonly timeoutMs?: number;
}

/** What one run did. */
export interface JazzerRun {
  /** 0: no finding; 77: an uncaught exception; 70: a timeout; see `finding`. */
  readonly exitCode: number | null;
  /** stdout and stderr as written. */
  readonly output: string;
  /**
   * The input libFuzzer wrote for a finding: `crash` (an uncaught exception), `timeout` (one
   * input ran longer than the timeout: a hang), `oom` (RSS limit), `slow-unit`, `leak`.
   */
  readonly finding: { readonly kind: string; readonly input: Uint8Array } | undefined;
  /** Coverage (libFuzzer's `cov:`) after the seed corpus was run. */
  readonly initialCoverage: number | undefined;
  /** Coverage at the end. */
  readonly finalCoverage: number | undefined;
  /** libFuzzer's final stats (-print_final_stats=1): executions and inputs that added coverage. */
  readonly executions: number | undefined;
  readonly newUnits: number | undefined;
}

function lastNumber(text: string, re: RegExp): number | undefined {
  let last: number | undefined;
  for (const m of text.matchAll(re)) last = Number(m[1]);
  return last;
}

/** libFuzzer's own default -rss_limit_mb. */
const DEFAULT_RSS_LIMIT_MB = 2048;

/** This process's peak resident set in MB, which a child started from it starts with. */
function inheritedPeakRssMb(): number {
  return Math.ceil(process.resourceUsage().maxRSS / 1024);
}

/** Fuzzes `target` from `seeds` for a bounded time in a child process (`jazzer --sync`). */
export async function runJazzer(o: JazzerOptions): Promise<JazzerRun> {
  const tmp = tempDir('tcg2sim-jazzer-');
  try {
    const corpus = join(tmp.path, 'corpus');
    const artifacts = join(tmp.path, 'artifacts');
    mkdirSync(corpus);
    mkdirSync(artifacts);
    o.seeds.forEach((s, i) => writeFileSync(join(corpus, `seed-${i}`), s));
    const maxLen = o.maxLen ?? Math.max(4096, ...o.seeds.map((s) => s.length));
    const libFuzzerArgs = [
      corpus, `-max_total_time=${o.seconds}`, `-max_len=${maxLen}`, `-seed=${o.seed ?? 1}`,
      `-artifact_prefix=${artifacts}/`, '-print_final_stats=1',
      // libFuzzer's RSS limit reads the process's peak RSS (getrusage ru_maxrss), which Linux
      // carries over from this (parent) process through fork and exec: a mocha worker that has
      // grown to 2 GB would make the fuzzer "out of memory" before its first input. The limit is
      // libFuzzer's default of 2048 MB on top of the peak it inherits.
      `-rss_limit_mb=${inheritedPeakRssMb() + DEFAULT_RSS_LIMIT_MB}`,
      ...(o.runs === undefined ? [] : [`-runs=${o.runs}`]),
    ];
    const args = [JAZZER_CLI, o.target, '--sync', `--timeout=${o.timeoutMs ?? 5000}`, '--', ...libFuzzerArgs];
    // The output goes to a file, not a pipe: Node makes its stderr pipe non-blocking, and
    // libFuzzer's writes to a full pipe would be dropped (EAGAIN), losing lines.
    const log = join(tmp.path, 'output.txt');
    const fd = openSync(log, 'w');
    let code: number | null;
    try {
      code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: tmp.path, stdio: ['ignore', fd, fd] });
        child.on('error', reject);
        child.on('close', resolve);
      });
    } finally {
      closeSync(fd);
    }
    const output = readFileSync(log, 'utf8');
    const found = readdirSync(artifacts).find((f) => /^[a-z-]+-[0-9a-f]{40}$/.test(f));
    return {
      exitCode: code,
      output,
      finding: found === undefined ? undefined : { kind: found.slice(0, -41), input: new Uint8Array(readFileSync(join(artifacts, found))) },
      initialCoverage: lastNumber(output, /INITED cov: (\d+)/g),
      finalCoverage: lastNumber(output, /\bcov: (\d+)/g),
      executions: lastNumber(output, /stat::number_of_executed_units:\s+(\d+)/g),
      newUnits: lastNumber(output, /stat::new_units_added:\s+(\d+)/g),
    };
  } finally {
    tmp.remove();
  }
}

/** A readable account of a run for an assertion message: the finding, or the output's tail. */
export function describeJazzerRun(run: JazzerRun): string {
  const f = run.finding;
  const crash = f === undefined ? '' : `${f.kind} input (base64): ${Buffer.from(f.input).toString('base64')}\n`;
  const tail = run.output.split('\n').filter((l) => !l.startsWith('INFO: New number of coverage counters')).slice(-40).join('\n');
  return `jazzer exit code ${run.exitCode}\n${crash}${tail}`;
}
