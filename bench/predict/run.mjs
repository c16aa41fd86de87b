// Benchmark: `tcg2sim predict` on Debian's OVMF_CODE_4M.fd (whole process, soft TPM) against the
// native floor (floor.py: LZMA decompression of FVMAIN_COMPACT and four-bank hashing of PEIFV and
// DXEFV only), run alternately on the same machine. Prints medians and the ratio (goal <= 1.2,
// limit 2). Usage: node bench/predict/run.mjs [rounds]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
const time = (cmd, args) => {
  const t = performance.now();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  return performance.now() - t;
};
const ours = [];
const floor = [];
for (let i = 0; i < rounds; i++) {
  ours.push(time(process.execPath, [join(root, 'packages/cli/bin/tcg2sim.js'), 'predict', '--code', code, '--vars', vars, '--json']));
  floor.push(time('python3', [join(here, 'floor.py'), code]));
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const o = median(ours);
const f = median(floor);
console.log(`tcg2sim predict: ${o.toFixed(0)} ms (median of ${rounds})`);
console.log(`native floor:    ${f.toFixed(0)} ms`);
console.log(`ratio: ${(o / f).toFixed(2)} (goal <= 1.2, limit 2)`);
