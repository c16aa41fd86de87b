import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { formatVarStore, getVariable, readVarStore } from '@tcg2sim/uefi';
import { runCli } from './harness.ts';

const run = runCli;

const GUID = '12345678-9ABC-DEF0-1234-56789ABCDEF0';

describe('tcg2sim vars', () => {
  let dir: { path: string; remove: () => void };
  let file: string;
  beforeEach(() => {
    dir = tempDir('tcg2sim-cli-vars-');
    file = join(dir.path, 'vars.fd');
    writeFileSync(file, formatVarStore({ blockSize: 0x200, regionBlocks: 4 }));
  });
  afterEach(() => dir.remove());

  it('sets a variable in place and lists it as JSON', async () => {
    const set = await run('vars', 'set', file, '--name', 'Test', '--guid', GUID, '--data', 'cafe', '--json');
    expect(set.status).to.equal(0);
    expect(JSON.parse(set.out)).to.deep.include({ outcome: 'added', bytesProgrammed: 60 + 1 + 10 + 2 + 1, powerLost: false });
    const list = await run('vars', file, '--json');
    expect(list.status).to.equal(0);
    expect(JSON.parse(list.out)).to.deep.equal({ variables: [{ name: 'Test', guid: GUID, attributes: 7, data: 'cafe', state: 0x3f }] });
  });

  it('prints a readable table with attribute names', async () => {
    await run('vars', 'set', file, '--name', 'Test', '--guid', GUID, '--data', '01', '--attributes', 'NV|BS');
    const list = await run('vars', file);
    expect(list.status).to.equal(0);
    expect(list.out).to.match(/Test\s+NV\|BS\s+1 bytes/);
  });

  it('stops programming at --power-loss-after and the old value survives the next read', async () => {
    await run('vars', 'set', file, '--name', 'Test', '--guid', GUID, '--data', '01');
    const cut = await run('vars', 'set', file, '--name', 'Test', '--guid', GUID, '--data', '02', '--power-loss-after', '30', '--json');
    expect(cut.status).to.equal(0);
    expect(JSON.parse(cut.out)).to.deep.include({ powerLost: true, bytesProgrammed: 30 });
    const img = new Uint8Array(readFileSync(file));
    expect(getVariable(img, 'Test', GUID)?.data).to.deep.equal(Uint8Array.of(1));
    expect(readVarStore(img).records.map((r) => r.state)).to.deep.equal([0x3e, 0xff]);
  });

  it('bad input is exit 2 with a one-line message; bad usage too', async () => {
    const img = new Uint8Array(readFileSync(file));
    img[0x28] = 0;
    writeFileSync(file, img);
    const bad = await run('vars', file);
    expect(bad.status).to.equal(2);
    expect(bad.err.trim().split('\n')).to.have.length(1);
    expect(bad.err).to.include(file);
    expect((await run('vars', 'set', file, '--name', 'X', '--guid', 'nope', '--data', '00')).status).to.equal(2);
    expect((await run('vars', 'set', file, '--name', 'X', '--guid', GUID, '--data', 'zz')).status).to.equal(2);
    expect((await run('vars', join(dir.path, 'missing.fd'))).status).to.equal(2);
  });
});

describe('tcg2sim vars on the Debian OVMF store', () => {
  before(function () {
    requirePrerequisites(this, { files: ['/usr/share/OVMF/OVMF_VARS_4M.ms.fd'] });
  });
  it('lists the 31 live variables and, with --all, the 57 records', async () => {
    const r = await run('vars', '/usr/share/OVMF/OVMF_VARS_4M.ms.fd', '--json', '--all');
    expect(r.status).to.equal(0);
    const j = JSON.parse(r.out) as { variables: unknown[]; records: unknown[] };
    expect(j.variables).to.have.length(31);
    expect(j.records).to.have.length(57);
  });
});
