import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '@tcg2sim/cli';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';

/** Runs the CLI in-process and captures its output. */
async function cli(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await main(['node', 'tcg2sim', ...args], { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { status, out, err };
}

// Startup(CLEAR), then the same again (TPM_RC_INITIALIZE), GetRandom(8), an unknown command.
const TRANSCRIPT = `# tcg2sim tpm run test transcript
80 01 00 00 00 0c 00 00 01 44 00 00   # TPM2_Startup(CLEAR)
80010000000c000001440000
80010000000c0000017b0008  # GetRandom(8)

80010000000a00000999
`;

/** The four answers to {@link TRANSCRIPT}, one hex line each (swtpm's, and the soft backend's alike). */
function expectTranscriptAnswers(out: string): void {
  const lines = out.trimEnd().split('\n');
  expect(lines).to.have.length(4);
  expect(lines[0]).to.equal('80010000000a00000000');
  expect(lines[1]).to.equal('80010000000a00000100');
  expect(lines[2]).to.match(/^800100000014000000000008[0-9a-f]{16}$/);
  expect(lines[3]).to.equal('80010000000a00000143');
}

describe('tcg2sim tpm run', function () {
  this.timeout(20000);
  const dir = tempDir('tcg2sim-cli-tpm-');
  const file = join(dir.path, 'cmds.txt');
  writeFileSync(file, TRANSCRIPT);
  after(() => { dir.remove(); });

  describe('with swtpm @integration', () => {
    before(function () {
      requirePrerequisites(this, { tools: ['swtpm'] });
    });

    it('prints one hex response per command line', async () => {
      const r = await cli('tpm', 'run', '--backend', 'swtpm', '--interface', 'none', '--transcript', file);
      expect(r.status, r.err).to.equal(0);
      expectTranscriptAnswers(r.out);
    });

    it('prints {responses: [hex, …]} with --json', async () => {
      const r = await cli('tpm', 'run', '--backend', 'swtpm', '--transcript', file, '--json');
      expect(r.status, r.err).to.equal(0);
      const doc = JSON.parse(r.out) as { responses: unknown };
      expect(doc.responses).to.be.an('array').with.length(4);
      expect((doc.responses as string[])[0]).to.equal('80010000000a00000000');
    });

    it('activates the PCR banks given with --banks', async () => {
      const f = join(dir.path, 'pcrs.txt');
      writeFileSync(f, '80010000000c000001440000\n8001000000160000017a000000050000000000000001\n');
      const r = await cli('tpm', 'run', '--backend', 'swtpm', '--banks', 'sha256', '--transcript', f);
      expect(r.status, r.err).to.equal(0);
      expect(r.out.split('\n')[1]).to.equal('80010000002b' + '00000000' + '00' + '00000005' + '00000004' + '000403000000' + '000b03ffffff' + '000c03000000' + '000d03000000');
    });
  });

  it('answers the transcript with the soft backend as swtpm does', async () => {
    const r = await cli('tpm', 'run', '--backend', 'soft', '--transcript', file);
    expect(r.status, r.err).to.equal(0);
    expectTranscriptAnswers(r.out);
  });

  it('refuses an unknown PCR bank for the soft backend with exit status 2', async () => {
    const r = await cli('tpm', 'run', '--backend', 'soft', '--banks', 'sha256,md5', '--transcript', file);
    expect(r.status).to.equal(2);
  });

  for (const iface of ['tis', 'crb']) {
    it(`gives the same responses through --interface ${iface} as straight to swtpm @integration`, async function () {
      requirePrerequisites(this, { tools: ['swtpm'] });
      const r = await cli('tpm', 'run', '--backend', 'swtpm', '--interface', iface, '--transcript', file);
      expect(r.status, r.err).to.equal(0);
      const lines = r.out.trimEnd().split('\n');
      expect([lines[0], lines[1], lines[3]]).to.deep.equal(['80010000000a00000000', '80010000000a00000100', '80010000000a00000143']);
      expect(lines[2]).to.match(/^800100000014000000000008[0-9a-f]{16}$/);
    });
  }

  it('gives byte-identical output through --interface none, tis and crb with the soft backend', async () => {
    const outs: string[] = [];
    for (const iface of ['none', 'tis', 'crb']) {
      const r = await cli('tpm', 'run', '--backend', 'soft', '--interface', iface, '--transcript', file);
      expect(r.status, r.err).to.equal(0);
      outs.push(r.out);
    }
    expect(outs[0]?.split('\n')).to.have.length(5);
    expect(outs[1]).to.equal(outs[0]);
    expect(outs[2]).to.equal(outs[0]);
  });

  it('refuses a locality other than 0 on the CRB interface with exit status 2', async () => {
    const r = await cli('tpm', 'run', '--backend', 'swtpm', '--interface', 'crb', '--locality', '1', '--transcript', file);
    expect(r.status).to.equal(2);
  });

  it('rejects a line that is not hex with exit status 2', async () => {
    const f = join(dir.path, 'bad.txt');
    writeFileSync(f, '800100\nxyz\n');
    const r = await cli('tpm', 'run', '--backend', 'swtpm', '--transcript', f);
    expect(r.status).to.equal(2);
    expect(r.err.split('\n')).to.have.length(2);
  });

  it('rejects a missing file, an unknown backend and a bad locality with exit status 2', async () => {
    expect((await cli('tpm', 'run', '--backend', 'swtpm', '--transcript', join(dir.path, 'nope.txt'))).status).to.equal(2);
    expect((await cli('tpm', 'run', '--backend', 'qemu', '--transcript', file)).status).to.equal(2);
    expect((await cli('tpm', 'run', '--backend', 'swtpm', '--locality', '7', '--transcript', file)).status).to.equal(2);
    expect((await cli('tpm', 'run', '--backend', 'swtpm')).status).to.equal(2);
  });
});
