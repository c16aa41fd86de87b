/**
 * The installed command, bin/tcg2sim.js, as a process: through the CLI bundle
 * (scripts/bundle.mjs, built by `npm run build`) and through the dist module graph it is built
 * from, `predict --json` prints exactly what main() prints in-process (the bin reads an image
 * named by --code/--bios and starts its LZMA decoding before the CLI loads: main() in-process
 * does not).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { main, EXIT } from '@tcg2sim/cli';
import type { CliIo } from '@tcg2sim/cli';
import { buildDefaultFirmware } from '@tcg2sim/platform-ovmf';
import { requirePrerequisites, skipBecause, tempDir } from '@tcg2sim/test-support';

const bin = fileURLToPath(new URL('../../bin/tcg2sim.js', import.meta.url));
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

async function inProcess(args: readonly string[]): Promise<{ status: number; out: string }> {
  let out = '';
  const io: CliIo = { out: (t) => (out += t), err: () => undefined };
  const status = await main(['node', 'tcg2sim', ...args], io);
  return { status, out };
}

function viaBin(args: readonly string[], bundle: '0' | '1'): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, TCG2SIM_BUNDLE: bundle } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** Skips (locally) or fails (CI) when the bundle is missing or older than the dist it is built from. */
function requireFreshBundle(ctx: Mocha.Context): void {
  const probe = viaBin(['--help'], '1');
  if (probe.status === 2 && probe.err.includes('TCG2SIM_BUNDLE=1')) {
    skipBecause(ctx, 'the CLI bundle is missing or stale (npm run build)');
  }
}

describe('bin/tcg2sim.js as a process', function () {
  this.timeout(60_000);
  // A YAML scenario (the YAML parser is loaded lazily: a path of its own in the bundle).
  const tmp = tempDir('tcg2sim-cli-bin-');
  const scenario = join(tmp.path, 'scenario.yaml');
  before(() => {
    const fw = buildDefaultFirmware();
    writeFileSync(join(tmp.path, 'CODE.fd'), fw.code);
    writeFileSync(join(tmp.path, 'VARS.fd'), fw.vars);
    writeFileSync(scenario, 'code: CODE.fd\nvars: VARS.fd\nmachine: pc\n');
  });
  after(() => tmp.remove());

  const cases: readonly (readonly [string, readonly string[]])[] = [
    ['the embedded default firmware', ['predict', '--json']],
    ['a YAML scenario file', ['predict', '--scenario', scenario, '--yaml']],
    ["Debian's OVMF_CODE_4M.fd + OVMF_VARS_4M.fd", ['predict', '--code', OVMF_CODE, '--vars', OVMF_VARS, '--json']],
    ["Debian's OVMF_CODE_4M.fd without --vars, YAML", ['predict', '--yaml', '--code', OVMF_CODE]],
    ['the default firmware as --code/--vars files', ['predict', '--vars', join(tmp.path, 'VARS.fd'), '--code', join(tmp.path, 'CODE.fd'), '--json']],
  ];
  for (const [name, args] of cases) {
    describe(`predict --json on ${name}`, () => {
      let expected: { status: number; out: string };
      before(async function () {
        if (args.includes(OVMF_CODE)) requirePrerequisites(this, { files: [OVMF_CODE, OVMF_VARS] });
        expected = await inProcess(args);
        expect(expected.status).to.equal(EXIT.OK);
      });

      it('through the CLI bundle prints what main() prints', function () {
        requireFreshBundle(this);
        const r = viaBin(args, '1');
        expect(r.status).to.equal(EXIT.OK);
        expect(r.out).to.equal(expected.out);
      });

      it('through the dist module graph prints what main() prints', () => {
        const r = viaBin(args, '0');
        expect(r.status).to.equal(EXIT.OK);
        expect(r.out).to.equal(expected.out);
      });
    });
  }
});
