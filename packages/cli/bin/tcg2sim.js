#!/usr/bin/env node
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * `tcg2sim predict --code|--bios FILE`: most of its time goes to decoding the image's LZMA
 * section (FVMAIN_COMPACT), which does not need the CLI's code. Before that code loads, the file
 * is read and the decoding of its first LZMA GUID-defined section started on libuv's thread pool
 * (@napi-rs/lzma, as the parser would call it); the CLI's predict takes both over through
 * globalThis[Symbol.for('tcg2sim.earlyFirmware')] only when its own parsed options name the same
 * file, and the parser adopts the decode only for exactly the section bytes it would decode
 * (adoptLzmaDecode), after its own header checks. Anything unusual (other options syntax,
 * --scenario, --help, an unreadable file, no such section): nothing is started here.
 */
function startEarlyDecode(args) {
  if (args.some((a) => a === '--' || a === '-h' || a === '--help' || a.startsWith('--scenario') || a.startsWith('--code=') || a.startsWith('--bios='))) return undefined;
  let path;
  for (const flag of ['--code', '--bios']) {
    const i = args.lastIndexOf(flag);
    if (i >= 0 && i + 1 < args.length) path = args[i + 1];
  }
  if (path === undefined) return undefined;
  try {
    const file = readFileSync(path);
    const image = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    // gLzmaCustomDecompressGuid EE4E5898-3914-4259-9D6E-DC7BD79403CF as stored (EFI_GUID layout).
    const guid = Buffer.from('98584eee143959429d6edc7bd79403cf', 'hex');
    const at = file.indexOf(guid);
    if (at < 4 || at + 20 > file.length || file[at - 1] !== 0x02) return undefined; // EFI_SECTION_GUID_DEFINED
    const sec = at - 4;
    const size = file.readUIntLE(sec, 3);
    const dataOffset = file.readUInt16LE(at + 16);
    if (size === 0xffffff || dataOffset + 13 > size || sec + size > file.length) return undefined;
    const data = image.subarray(sec + dataOffset, sec + size);
    const announced = file.readBigUInt64LE(sec + dataOffset + 5);
    if (file[sec + dataOffset] >= 225 || announced > 256n * 1024n * 1024n) return undefined; // left to the parser's checks
    const { lzma } = createRequire(import.meta.url)('@napi-rs/lzma'); // the CLI package's dependency
    const out = lzma.decompress(data);
    out.catch(() => undefined); // settled by the parser, or never asked for
    return { path, image, data, out };
  } catch {
    return undefined;
  }
}
if (process.argv[2] === 'predict' && process.env.TCG2SIM_EARLY_DECODE !== '0') {
  const early = startEarlyDecode(process.argv.slice(3));
  if (early !== undefined) globalThis[Symbol.for('tcg2sim.earlyFirmware')] = early;
}

/**
 * The CLI bundle (scripts/bundle.mjs, built by `npm run build`) loads in a fraction of the time
 * of the ~300-module dist graph; both are the same compiled code. The bundle is used only when
 * every file it was built from is unchanged (size and mtime in dist/bundle/inputs.json), so a
 * `tsc -b` after the bundle was built makes the bin load the dist graph instead.
 * TCG2SIM_BUNDLE=0: always the dist graph; TCG2SIM_BUNDLE=1: the bundle or an error.
 * Installed from the packed tarball (`npm pack -w packages/cli`, then `npm i -g`) there is no
 * manifest and no dist graph, only the bundle: it is used as it is.
 */
const bundleDir = new URL('../dist/bundle/', import.meta.url);
const distMain = new URL('../dist/src/main.js', import.meta.url);
function freshBundle() {
  const dir = bundleDir;
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('inputs.json', dir), 'utf8'));
  } catch {
    const packed = new URL('tcg2sim.js', dir);
    return !existsSync(distMain) && existsSync(packed) ? packed.href : undefined;
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
if (bundle === undefined && !existsSync(distMain)) {
  // A clone before `npm ci` (whose prepare script builds) or after `npm run clean`.
  process.stderr.write('tcg2sim: not built yet: run `npm ci` (or `npm run build`) in the repository first\n');
  process.exit(2);
}
const { main } = await import(bundle ?? distMain.href);

// `tcg2sim … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
process.exitCode = await main(process.argv);
