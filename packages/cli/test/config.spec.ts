import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { formatVarStore, readVarStore } from '@tcg2sim/uefi';
import { runCli } from './harness.ts';

const run = runCli;

interface Shown { configuration: { value?: number; attributes: number } | null; deviceDetection: { value?: number } | null; effectiveDevice: number }

describe('tcg2sim config', () => {
  let dir: { path: string; remove: () => void };
  let file: string;
  beforeEach(() => {
    dir = tempDir('tcg2sim-cli-config-');
    file = join(dir.path, 'vars.fd');
    writeFileSync(file, formatVarStore({ blockSize: 0x200, regionBlocks: 4 }));
  });
  afterEach(() => dir.remove());

  it('sets the device and the cached detection, and shows them back', async () => {
    const set = await run('config', 'set', file, '--device', 'dtpm2', '--detected', 'dtpm2', '--json');
    expect(set.status).to.equal(0);
    expect((JSON.parse(set.out) as { writes: Array<{ outcome: string }> }).writes.map((w) => w.outcome)).to.deep.equal(['added', 'added']);
    const show = JSON.parse((await run('config', 'show', file, '--json')).out) as Shown;
    expect([show.configuration?.value, show.configuration?.attributes, show.deviceDetection?.value, show.effectiveDevice]).to.deep.equal([2, 3, 2, 2]);
  });

  it('device none is stored as 0 and shown as the TPM 1.2 default the generic module turns it into', async () => {
    await run('config', 'set', file, '--device', 'none');
    const show = JSON.parse((await run('config', 'show', file, '--json')).out) as Shown;
    expect([show.configuration?.value, show.effectiveDevice]).to.deep.equal([0, 1]);
    const text = await run('config', 'show', file);
    expect(text.out).to.match(/does not disable the TPM/);
  });

  it('device auto removes the variable', async () => {
    await run('config', 'set', file, '--device', 'dtpm1.2');
    await run('config', 'set', file, '--device', 'auto');
    expect(readVarStore(new Uint8Array(readFileSync(file))).variables.map((v) => v.name)).to.deep.equal([]);
  });

  it('rejects bad usage and bad stores with exit 2 and one line', async () => {
    expect((await run('config', 'set', file, '--device', 'tpm3')).status).to.equal(2);
    expect((await run('config', 'set', file)).status).to.equal(2);
    writeFileSync(file, new Uint8Array(100));
    const r = await run('config', 'show', file);
    expect(r.status).to.equal(2);
    expect(r.err.split('\n').filter(Boolean)).to.have.length(1);
  });

  describe('predict with the generic Tcg2ConfigPei on that store', function () {
    this.timeout(60_000);
    const code = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
    const vars = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
    before(function () {
      requirePrerequisites(this, { files: [code, vars] });
    });

    it('device none: the probe still selects the dTPM, and the log equals the OVMF variant\'s', async () => {
      writeFileSync(file, readFileSync(vars));
      await run('config', 'set', file, '--device', 'none');
      const generic = await run('predict', '--code', code, '--vars', file, '--tcg2-config', 'generic', '--json');
      const ovmf = await run('predict', '--code', code, '--vars', file, '--json');
      expect([generic.status, ovmf.status]).to.deep.equal([0, 0]);
      const g = JSON.parse(generic.out) as { events: unknown[]; pcrs: unknown; notes: string[] };
      const o = JSON.parse(ovmf.out) as { events: unknown[]; pcrs: unknown; notes: string[] };
      expect(g.events).to.deep.equal(o.events);
      expect(g.notes.some((n) => n.includes('TCG2_CONFIGURATION = 0') && n.includes('out of range'))).to.equal(true);
      expect(o.notes.some((n) => n.includes("OVMF's variant"))).to.equal(true);
    });

    it('device none without auto-detection: TPM 1.2 is selected and nothing is measured (exit 1)', async () => {
      writeFileSync(file, readFileSync(vars));
      await run('config', 'set', file, '--device', 'none');
      const r = await run('predict', '--code', code, '--vars', file, '--tcg2-config', 'generic', '--no-tpm-auto-detection', '--json');
      expect(r.status).to.equal(1);
      const j = JSON.parse(r.out) as { events: unknown[]; endState: string };
      expect(j.events).to.deep.equal([]);
      expect(j.endState).to.match(/^TPM 1\.2 selected/);
    });
  });
});
