#!/usr/bin/env node
/**
 * Bundles the CLI (packages/cli/dist/src/main.js and everything it imports, i.e. the compiled
 * workspace packages and npm libraries) into ESM chunks in packages/cli/dist/bundle/, one entry
 * plus one lazily loaded chunk per command. Node then loads a handful of files instead of ~300
 * modules, which is most of `tcg2sim`'s start-up time. The bundle is built from the same
 * compiled JavaScript `tsc -b` writes (no other transform), so it runs the same code the tests run.
 *
 * bin/tcg2sim.js uses the bundle only when it is fresh: inputs.json lists every input file with
 * its size and mtime, and any difference (e.g. `tsc -b` ran after the bundle was built) makes
 * the bin load the dist module graph instead. Run after `tsc -b` (`npm run build` does both).
 *
 * @napi-rs/lzma (a native addon) stays external: the bundle imports it by name, and it is the CLI
 * package's one runtime dependency (everything else is in the bundle). So the same bundle runs in
 * the repository and from the tarball `npm pack -w packages/cli` makes (files: bin/ and
 * dist/bundle/), which `npm i -g` installs with @napi-rs/lzma from the registry; bin/tcg2sim.js
 * takes the bundle there without the freshness check (no sources to compare with).
 */
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(cliDir, '..', '..');
const outdir = join(cliDir, 'dist', 'bundle');
const entry = join(cliDir, 'dist', 'src', 'main.js');
// predict's matrix worker thread: started as `new URL('./predict-matrix-worker.js', import.meta.url)`
// from the chunk holding predict-matrix-pool.js, so it sits next to the chunks (as in dist/src/commands/).
const matrixWorker = join(cliDir, 'dist', 'src', 'commands', 'predict-matrix-worker.js');

const native = ['@napi-rs/lzma'];
const cliRequire = createRequire(join(cliDir, 'package.json'));
const nativePath = new Map(native.map((name) => [name, cliRequire.resolve(name)]));

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { tcg2sim: entry, 'predict-matrix-worker': matrixWorker },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  metafile: true,
  logLevel: 'warning',
  // CommonJS dependencies (commander, cli-progress) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __tcg2simRequire } from 'node:module'; const require = __tcg2simRequire(import.meta.url);" },
  external: native,
});

// Freshness manifest: every input (paths relative to the repository root) with size and mtime.
const inputs = Object.keys(result.metafile.inputs)
  .map((p) => resolve(root, p))
  .concat([...nativePath.values()])
  .sort();
const files = inputs.map((abs) => {
  const s = statSync(abs);
  return [relative(root, abs).split(sep).join('/'), s.size, s.mtimeMs];
});
writeFileSync(join(outdir, 'inputs.json'), JSON.stringify({ files }) + '\n');
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bundle: ${relative(root, outdir)} (${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB, ${files.length} inputs)`);
