// Benchmark: `tcg2sim predict --matrix` over 24 configurations of Debian's OVMF_CODE_4M.fd
// (--memory 512,1024,2048,4096 x --cpus 1,2,4 x --tpm-interface tis,crb, soft TPM, --json) as
// one process, against one single `predict` and against the 24 single `predict` processes it
// replaces, run alternately on the same machine (whole processes as a user runs them,
// bin/tcg2sim.js: the CLI bundle when it is fresh, see bench/README.md). Prints median wall
// times, mean CPU (user + sys) per run, and the ratios matrix / one single run (goal < 3) and
// matrix / 24 single runs. Before timing, checks once that the matrix's JSON holds, for each
// configuration, exactly what the single run prints.
// Usage: node bench/predict-matrix/run.mjs [rounds]   (after `npm run build`)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const code = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const vars = '/usr/share/OVMF/OVMF_VARS_4M.fd';
if (!existsSync(code)) {
  console.error(`bench/predict-matrix: ${code} missing (apt-get install ovmf)`);
  process.exit(2);
}
const rounds = Number(process.argv[2] ?? 5);
const bin = join(root, 'packages/cli/bin/tcg2sim.js');
const memory = ['512', '1024', '2048', '4096'];
const cpus = ['1', '2', '4'];
const ifaces = ['tis', 'crb'];
const base = [bin, 'predict', '--code', code, '--vars', vars, '--json'];
const matrix = [process.execPath, [...base, '--memory', memory.join(','), '--cpus', cpus.join(','), '--tpm-interface', ifaces.join(',')]];
const singles = memory.flatMap((m) => cpus.flatMap((c) => ifaces.map((t) => [process.execPath, [...base, '--memory', m, '--cpus', c, '--tpm-interface', t]])));

// CPU time of waited-for children (Linux /proc/self/stat cutime + cstime, clock ticks of 10 ms).
function childCpuMs() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

function time(cmds) {
  const c = childCpuMs();
  const t = performance.now();
  for (const [cmd, args] of cmds) execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 64 << 20 });
  const wall = performance.now() - t;
  const c2 = childCpuMs();
  return { wall, cpu: c === undefined || c2 === undefined ? undefined : c2 - c };
}

// Each configuration of the matrix prints what its single run prints (checked once, not timed).
const m = JSON.parse(execFileSync(matrix[0], matrix[1], { maxBuffer: 64 << 20 }).toString('utf8'));
if (m.configurations.length !== singles.length) throw new Error(`matrix: ${m.configurations.length} configurations, expected ${singles.length}`);
singles.forEach(([cmd, args], i) => {
  const single = execFileSync(cmd, args, { maxBuffer: 64 << 20 }).toString('utf8');
  if (JSON.stringify(m.configurations[i].prediction, null, 2) + '\n' !== single) throw new Error(`configuration ${i + 1} differs from its single run`);
});
console.log(`checked: the matrix's ${singles.length} configurations equal their single runs byte for byte`);

const rm = [];
const r1 = [];
const r24 = [];
for (let i = 0; i < rounds; i++) {
  rm.push(time([matrix]));
  r1.push(time([singles[0]]));
  r24.push(time(singles));
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const cpu = (a) => (a.some((x) => x.cpu === undefined) ? 'n/a' : `${(a.reduce((n, x) => n + (x.cpu ?? 0), 0) / a.length).toFixed(0)} ms`);
const wm = median(rm.map((x) => x.wall));
const w1 = median(r1.map((x) => x.wall));
const w24 = median(r24.map((x) => x.wall));
console.log(`tcg2sim predict --json, OVMF_CODE_4M.fd, ${rounds} alternating rounds, median wall:`);
console.log(`  matrix of 24 (one process):  ${wm.toFixed(0)} ms, CPU ${cpu(rm)}`);
console.log(`  one single run:              ${w1.toFixed(0)} ms, CPU ${cpu(r1)}`);
console.log(`  24 single runs (sequential): ${w24.toFixed(0)} ms, CPU ${cpu(r24)}`);
console.log(`ratio matrix / one single run: ${(wm / w1).toFixed(2)} (goal < 3)`);
console.log(`ratio matrix / 24 single runs: ${(wm / w24).toFixed(3)} (${(w24 / wm).toFixed(1)}x faster)`);
