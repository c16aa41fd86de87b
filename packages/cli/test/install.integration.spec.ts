/**
 * tcg2sim as users run it: `./tcg2sim` at the repository root (the README's quick start), and the
 * tarball `npm pack -w packages/cli` makes, installed with `npm i -g --prefix` into a fresh
 * directory and run from outside the clone. Both must predict what the CLI predicts in-process.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OVMF_DIR, lazyTempDir, requirePrerequisites, skipBecause } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', '..');
const launcher = join(root, 'tcg2sim');
const OVMF_CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const OVMF_VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');

/** The environment without what `npm run`/`npm test` put there (npm_config_prefix, …). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): { status: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

interface PredictJson {
  readonly pcrs: Record<string, Record<string, string>>;
  readonly tpmPcrs: unknown;
  readonly events: readonly unknown[];
}

function pcrsOf(out: string): Pick<PredictJson, 'pcrs' | 'tpmPcrs'> & { events: number } {
  const j = JSON.parse(out) as PredictJson;
  return { pcrs: j.pcrs, tpmPcrs: j.tpmPcrs, events: j.events.length };
}

describe('tcg2sim installed as users run it @integration', function () {
  this.timeout(300_000);
  const tmp = lazyTempDir('tcg2sim-install-');
  after(() => tmp.remove());

  it('./tcg2sim at the repository root (the README quick start) predicts the embedded firmware as the CLI does in-process', async () => {
    const viaLauncher = run(launcher, ['predict', '--json'], root);
    expect(viaLauncher.status, viaLauncher.err).to.equal(0);
    const inProcess = await runCli('predict', '--json');
    expect(inProcess.status).to.equal(0);
    expect(viaLauncher.out).to.equal(inProcess.out);
    const summary = run(launcher, ['predict'], root);
    expect(summary.status).to.equal(0);
    expect(summary.out).to.match(/^tcg2sim predict: the embedded default firmware/);
  });

  /** Packs the CLI and installs the tarball into a fresh prefix (once); the installed bin. */
  let installedBin: string | undefined;
  function installOnce(ctx: Mocha.Context): string {
    if (installedBin !== undefined) return installedBin;
    requirePrerequisites(ctx, { tools: ['npm'], hint: 'npm comes with Node.js' });
    // The tarball is the bundle `npm run build` made (scripts/test-all.sh builds first); a stale one would test old code.
    if (run(process.execPath, [join(root, 'packages', 'cli', 'bin', 'tcg2sim.js'), '--help'], root, { ...cleanEnv(), TCG2SIM_BUNDLE: '1' }).status !== 0) {
      skipBecause(ctx, 'the CLI bundle is missing or stale (npm run build)');
    }
    const pack = run('npm', ['pack', '-w', 'packages/cli', '--ignore-scripts', '--json', '--pack-destination', tmp.path], root);
    expect(pack.status, pack.err).to.equal(0);
    const [packed] = JSON.parse(pack.out) as { filename: string; files: { path: string }[] }[];
    const files = packed?.files.map((f) => f.path) ?? [];
    expect(files).to.include.members(['bin/tcg2sim.js', 'dist/bundle/tcg2sim.js', 'package.json']);
    expect(files.filter((f) => !f.startsWith('dist/bundle/') && !['bin/tcg2sim.js', 'package.json', 'README.md'].includes(f))).to.deep.equal([]);
    expect(files).to.not.include('dist/bundle/inputs.json');

    const prefix = join(tmp.path, 'prefix');
    const install = run('npm', ['i', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(tmp.path, packed?.filename ?? '')], tmp.path);
    expect(install.status, install.err).to.equal(0);
    // Installed: the CLI and the native LZMA decoder, nothing of the workspace from a registry.
    const installed = join(prefix, 'lib', 'node_modules', '@tcg2sim', 'cli');
    expect(readdirSync(join(prefix, 'lib', 'node_modules', '@tcg2sim'))).to.deep.equal(['cli']);
    expect(readdirSync(join(installed, 'node_modules'))).to.deep.equal(['@napi-rs']);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).to.deep.equal(['@napi-rs/lzma']);
    installedBin = join(prefix, 'bin', 'tcg2sim');
    return installedBin;
  }

  /** `args` run by the installed tcg2sim from outside the clone and by ./tcg2sim in it: the same PCRs and events. */
  function expectSamePrediction(bin: string, args: readonly string[]): void {
    const outside = run(bin, args, tmp.path);
    expect(outside.status, outside.err).to.equal(0);
    const inClone = run(launcher, args, root);
    expect(inClone.status, inClone.err).to.equal(0);
    expect(pcrsOf(outside.out)).to.deep.equal(pcrsOf(inClone.out));
  }

  it('npm pack -w packages/cli: a tarball npm i -g installs into a fresh prefix, whose tcg2sim predicts outside the clone what the clone predicts', function () {
    expectSamePrediction(installOnce(this), ['predict', '--json']);
  });

  it("the installed tcg2sim on Debian's OVMF_CODE_4M.fd (the bin's early LZMA decode with the installed @napi-rs/lzma)", function () {
    requirePrerequisites(this, { files: [OVMF_CODE, OVMF_VARS] });
    expectSamePrediction(installOnce(this), ['predict', '--code', OVMF_CODE, '--vars', OVMF_VARS, '--json']);
  });
});
