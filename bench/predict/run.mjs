// Benchmark: `tcg2sim predict --code OVMF_CODE_4M.fd --vars OVMF_VARS_4M.fd --json` (Debian's
// images, soft TPM), the whole process as a user runs it (bin/tcg2sim.js: the CLI bundle when it
// is fresh, see bench/README.md), against the native floor (floor.py: LZMA decompression of
// FVMAIN_COMPACT and four-bank hashing of PEIFV and DXEFV only, Python's lzma + hashlib),
// run alternately on the same machine. Prints median wall times, the mean CPU time (user + sys)
// of each process, and the wall-time ratio (goal <= 1.2, limit 2).
// Usage: node bench/predict/run.mjs [rounds]   (after `npm run build`)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const code = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const vars = '/usr/share/OVMF/OVMF_VARS_4M.fd';
if (!existsSync(code)) {
  console.error(`bench/predict: ${code} missing (apt-get install ovmf)`);
  process.exit(2);
}
const rounds = Number(process.argv[2] ?? 7);
const bin = join(root, 'packages/cli/bin/tcg2sim.js');
const ours = [process.execPath, [bin, 'predict', '--code', code, '--vars', vars, '--json']];
const floor = ['python3', [join(here, 'floor.py'), code]];

// CPU time of waited-for children (Linux /proc/self/stat cutime + cstime, in clock ticks of
// 10 ms): summed over all rounds, then averaged. Undefined elsewhere.
function childCpuMs() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

function time([cmd, args]) {
  const c = childCpuMs();
  const t = performance.now();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const wall = performance.now() - t;
  const c2 = childCpuMs();
  return { wall, cpu: c === undefined || c2 === undefined ? undefined : c2 - c };
}

// Whether the bin runs the bundle (TCG2SIM_BUNDLE=1 fails when it is missing or stale).
let bundled = true;
try {
  execFileSync(process.execPath, [bin, '--help'], { stdio: 'ignore', env: { ...process.env, TCG2SIM_BUNDLE: '1' } });
} catch {
  bundled = false;
}

const o = [];
const f = [];
for (let i = 0; i < rounds; i++) {
  o.push(time(ours));
  f.push(time(floor));
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const cpu = (a) => (a.some((x) => x.cpu === undefined) ? 'n/a' : `${(a.reduce((n, x) => n + (x.cpu ?? 0), 0) / a.length).toFixed(0)} ms`);
const ow = median(o.map((x) => x.wall));
const fw = median(f.map((x) => x.wall));
console.log(`tcg2sim predict --json (whole process, ${bundled ? 'CLI bundle' : 'dist module graph: run `npm run build` for the bundle'}):`);
console.log(`  wall ${ow.toFixed(0)} ms (median of ${rounds}), CPU ${cpu(o)} per run (mean)`);
console.log(`native floor (python3 floor.py: LZMA + 2 FVs x 4 banks, single-threaded):`);
console.log(`  wall ${fw.toFixed(0)} ms (median of ${rounds}), CPU ${cpu(f)} per run (mean)`);
console.log(`ratio (wall): ${(ow / fw).toFixed(2)} (goal <= 1.2, limit 2)`);
console.log('ours uses up to two cores: the LZMA decoding (started by the bin) runs on libuv\'s thread pool while the main thread loads code and starts the TPM; a worker thread hashes half of DXEFV\'s banks');
