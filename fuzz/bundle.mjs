// Bundles each compiled fuzz target (packages/*/dist/fuzz/*.fuzz.js, from `npx tsc -b`) into one
// CommonJS file under fuzz/build/targets/, because Jazzer.js 2.1.0 instruments code only through
// Node's require hook: ES modules (our packages) would run uninstrumented, i.e. without coverage
// feedback. Our @tcg2sim/* code is inlined (and so instrumented); npm dependencies stay external
// (required from the repository's node_modules, not instrumented).
//
// Usage: node fuzz/bundle.mjs            (prints one line per bundled target)
import { readdirSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const outDir = join(here, 'build', 'targets');

/** `packages/<pkg>/dist/fuzz/<name>.fuzz.js` for every package that has fuzz targets. */
export function fuzzTargets() {
  const found = [];
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', pkg, 'dist', 'fuzz');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      if (f.endsWith('.fuzz.js')) found.push({ pkg, name: basename(f, '.fuzz.js'), entry: join(dir, f) });
    }
  }
  return found;
}

// Bundle @tcg2sim/* (workspace links); keep every other bare import external, required by its
// absolute path: npm hoists some dependencies into packages/<pkg>/node_modules, which a require
// from fuzz/build/ would not find.
const externalNpm = {
  name: 'external-npm',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@tcg2sim/') || args.pluginData === 'inner') return undefined;
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'inner' });
      if (r.errors.length > 0) return { errors: r.errors };
      return { path: r.path, external: true };
    });
  },
};

// CommonJS has no top-level await. Our packages use it in one pattern only, to load node:crypto
// optionally (`await import('node:crypto').then(ok, fail)`, for browser portability). In the
// bundle that becomes a synchronous require with the same result. Any other top-level await
// makes esbuild fail loudly.
const syncNodeImports = {
  name: 'sync-node-imports',
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/].*\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(args.path, 'utf8');
      const patched = text.replace(
        /await import\((['"])(node:[a-z_/]+)\1\)/g,
        (_m, _q, mod) => `({ then: (ok) => ok(require(${JSON.stringify(mod)})) })`
      );
      return { contents: patched, loader: 'js' };
    });
  },
};

export async function bundleAll() {
  mkdirSync(outDir, { recursive: true });
  const out = [];
  for (const t of fuzzTargets()) {
    const outfile = join(outDir, `${t.pkg}-${t.name}.cjs`);
    // Written to a temporary name, then renamed: mocha --parallel workers may bundle at the same
    // time, and a reader must never see a half-written target.
    const result = await build({
      entryPoints: [t.entry],
      outfile,
      write: false,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'warning',
      plugins: [externalNpm, syncNodeImports],
    });
    for (const f of result.outputFiles) {
      const tmp = `${f.path}.${process.pid}.tmp`;
      writeFileSync(tmp, f.contents);
      renameSync(tmp, f.path);
    }
    out.push({ ...t, bundle: outfile });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const t of await bundleAll()) console.log(`${t.pkg}/${t.name} -> ${t.bundle}`);
}
