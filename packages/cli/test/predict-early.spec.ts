/**
 * `predict` reads a firmware image named on the command line and starts its SEC decoding before
 * the simulator is loaded. That early work must never change what predict does: the same output
 * as the scenario-file path (which does not start early), the same usage errors for unreadable
 * images and rejected flag combinations, and the flag's image when a scenario names another.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { main, EXIT } from '@tcg2sim/cli';
import type { CliIo } from '@tcg2sim/cli';
import { buildDefaultFirmware } from '@tcg2sim/platform-ovmf';
import { tempDir } from '@tcg2sim/test-support';

async function run(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t) };
  const status = await main(['node', 'tcg2sim', ...args], io);
  return { status, out, err };
}

function expectUsageError(r: { status: number; out: string; err: string }): void {
  expect(r.status).to.equal(EXIT.USAGE);
  expect(r.out).to.equal('');
  expect(r.err.split('\n').filter((l) => l !== '')).to.have.length(1);
}

describe('tcg2sim predict with the image named on the command line (early SEC)', function () {
  this.timeout(30_000);
  const tmp = tempDir('tcg2sim-cli-early-');
  const fw = buildDefaultFirmware();
  const code = join(tmp.path, 'CODE.fd');
  const vars = join(tmp.path, 'VARS.fd');
  const other = join(tmp.path, 'OTHER.fd');
  before(() => {
    writeFileSync(code, fw.code);
    writeFileSync(vars, fw.vars);
    writeFileSync(other, fw.code); // same bytes, another path: the firmware field tells which was booted
  });
  after(() => tmp.remove());

  it('prints exactly what the same image given through a scenario file prints', async () => {
    const scenario = join(tmp.path, 'scenario.json');
    writeFileSync(scenario, JSON.stringify({ code, vars }));
    const flags = await run('predict', '--code', code, '--vars', vars, '--json');
    const viaFile = await run('predict', '--scenario', scenario, '--json');
    expect(flags.status).to.equal(EXIT.OK);
    expect(viaFile.status).to.equal(EXIT.OK);
    expect(flags.out).to.equal(viaFile.out);
    expect((JSON.parse(flags.out) as { firmware: string }).firmware).to.equal(`${code} + ${vars}`);
  });

  it('boots the --bios image as code and variable store, like a scenario with bios', async () => {
    const scenario = join(tmp.path, 'bios.yaml');
    writeFileSync(scenario, `bios: ${code}\n`);
    const flags = await run('predict', '--bios', code, '--json');
    const viaFile = await run('predict', '--scenario', scenario, '--json');
    expect(flags.status).to.equal(viaFile.status);
    expect(flags.out).to.equal(viaFile.out);
  });

  it('reports a missing image, a directory and --bios with --code as usage errors (exit 2, one line)', async () => {
    expectUsageError(await run('predict', '--code', join(tmp.path, 'missing.fd'), '--json'));
    expectUsageError(await run('predict', '--code', tmp.path, '--json'));
    expectUsageError(await run('predict', '--bios', code, '--code', code, '--json'));
  });

  it('reports an image without FVMAIN_COMPACT as a usage error naming the file', async () => {
    const r = await run('predict', '--code', vars, '--json');
    expectUsageError(r);
    expect(r.err).to.include(vars);
  });

  it('boots the flag\'s image when the scenario file names another (flags win)', async () => {
    const scenario = join(tmp.path, 'other.json');
    writeFileSync(scenario, JSON.stringify({ code: other, vars }));
    const r = await run('predict', '--scenario', scenario, '--code', code, '--json');
    expect(r.status).to.equal(EXIT.OK);
    expect((JSON.parse(r.out) as { firmware: string }).firmware).to.equal(`${code} + ${vars}`);
  });
});
