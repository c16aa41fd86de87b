#!/usr/bin/env node
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The CLI bundle (scripts/bundle.mjs, built by `npm run build`) loads in a fraction of the time
 * of the ~300-module dist graph; both are the same compiled code. The bundle is used only when
 * every file it was built from is unchanged (size and mtime in dist/bundle/inputs.json), so a
 * `tsc -b` after the bundle was built makes the bin load the dist graph instead.
 * TCG2SIM_BUNDLE=0: always the dist graph; TCG2SIM_BUNDLE=1: the bundle or an error.
 */
function freshBundle() {
  const dir = new URL('../dist/bundle/', import.meta.url);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('inputs.json', dir), 'utf8'));
  } catch {
    return undefined;
  }
  // Plain path strings: ~400 stat calls take a couple of milliseconds (URL objects: ten times that).
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  for (const [path, size, mtimeMs] of manifest.files) {
    const s = statSync(root + path, { throwIfNoEntry: false });
    if (s === undefined || s.size !== size || s.mtimeMs !== mtimeMs) return undefined;
  }
  return new URL('tcg2sim.js', dir).href;
}

const mode = process.env.TCG2SIM_BUNDLE;
const bundle = mode === '0' ? undefined : freshBundle();
if (mode === '1' && bundle === undefined) {
  process.stderr.write('tcg2sim: TCG2SIM_BUNDLE=1 but the CLI bundle is missing or stale (npm run build)\n');
  process.exit(2);
}
const { main } = await import(bundle ?? '../dist/src/main.js');

// `tcg2sim … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await main(process.argv);
