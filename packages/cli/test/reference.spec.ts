/**
 * `tcg2sim reference --format tpm2-pcrs|policy-pcr` against tpm2-tools on swtpm: the TPM is
 * extended to a predicted boot's log, then tpm2_pcrread, tpm2_quote, tpm2_checkquote and
 * tpm2_createpolicy (trial session) are the independent truth for every file and digest.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { EXIT } from '@tcg2sim/cli';
import { runCli } from './harness.ts';
import { extendLog, startSwtpm } from './swtpm-tools.ts';
import type { SwtpmForTools } from './swtpm-tools.ts';

/** Exit 2 with exactly one line on stderr. */
function expectUsageError(r: { status: number; out: string; err: string }): void {
  expect(r.status, r.err).to.equal(EXIT.USAGE);
  expect(r.err.split('\n').filter((l) => l !== ''), r.err).to.have.length(1);
}

const TOOLS = ['swtpm', 'tpm2_pcrextend', 'tpm2_pcrread', 'tpm2_createek', 'tpm2_createak', 'tpm2_quote', 'tpm2_checkquote', 'tpm2_createpolicy', 'tpm2_flushcontext'];

/** Selections: the default, several banks in a non-canonical order, more than 8 digests, DRTM PCRs. */
const SELECTIONS = ['sha256:0,1,2,3,4,5,6,7', 'sha384:3+sha1:0,1,7,17,23+sha256:0,1,2,3,4,5,6,7,8,9', 'sha512:0,4,7', 'sha256:all'];

describe('tcg2sim reference: tpm2-tools PCR files and PolicyPCR against swtpm @integration', function () {
  this.timeout(120_000);
  const tmp = tempDir('tcg2sim-reference-');
  const log = join(tmp.path, 'default.log');
  let tpm: SwtpmForTools | undefined;
  const path = (name: string): string => join(tmp.path, name);
  const tpm2 = (cmd: string, ...args: string[]): string => {
    if (tpm === undefined) throw new Error('no swtpm');
    return tpm.tool(cmd, ...args);
  };

  before(async function () {
    requirePrerequisites(this, { tools: TOOLS });
    const r = await runCli('predict', '--log-out', log);
    expect(r.status, r.err).to.equal(EXIT.OK);
    tpm = await startSwtpm();
    expect(extendLog(tpm, readFileSync(log))).to.be.greaterThan(10);
  });
  after(async () => {
    await tpm?.stop();
    tmp.remove();
  });

  for (const sel of SELECTIONS) {
    it(`writes tpm2_pcrread's serialized, values and YAML output for ${sel}`, async () => {
      const yaml = tpm2('tpm2_pcrread', sel, '-F', 'serialized', '-o', path('theirs.ser'));
      tpm2('tpm2_pcrread', sel, '-o', path('theirs.val'));
      expect((await runCli('reference', '--log', log, '--pcrs', sel, '--out', path('ours.ser'))).status).to.equal(EXIT.OK);
      expect((await runCli('reference', '--log', log, '--pcrs', sel, '--pcrs-format', 'values', '--out', path('ours.val'))).status).to.equal(EXIT.OK);
      const y = await runCli('reference', '--log', log, '--pcrs', sel);
      expect(readFileSync(path('ours.ser')).equals(readFileSync(path('theirs.ser'))), 'serialized').to.equal(true);
      expect(readFileSync(path('ours.val')).equals(readFileSync(path('theirs.val'))), 'values').to.equal(true);
      expect(y.out).to.equal(yaml);
    });
  }

  it('tpm2_checkquote accepts a real quote against our PCR file, and refuses it with one bit changed', async () => {
    tpm2('tpm2_createek', '-c', path('ek.ctx'), '-G', 'ecc', '-u', path('ek.pub'));
    tpm2('tpm2_createak', '-C', path('ek.ctx'), '-c', path('ak.ctx'), '-G', 'ecc', '-g', 'sha256', '-s', 'ecdsa', '-u', path('ak.pem'), '-f', 'pem', '-n', path('ak.name'));
    tpm2('tpm2_flushcontext', '-t');
    const sel = 'sha256:0,1,2,3,4,5,6,7+sha1:0,7';
    tpm2('tpm2_quote', '-c', path('ak.ctx'), '-l', sel, '-q', 'c0ffee', '-m', path('quote.msg'), '-s', path('quote.sig'), '-o', path('quote.pcrs'), '-g', 'sha256');
    tpm2('tpm2_flushcontext', '-t');
    // From the simulated boot itself (predict's flags), not from the log.
    const r = await runCli('reference', '--pcrs', sel, '--out', path('ours.pcrs'));
    expect(r.status, r.err).to.equal(EXIT.OK);
    const ours = readFileSync(path('ours.pcrs'));
    expect(ours.equals(readFileSync(path('quote.pcrs'))), 'same bytes as tpm2_quote -o').to.equal(true);
    const check = (file: string): string => tpm2('tpm2_checkquote', '-u', path('ak.pem'), '-m', path('quote.msg'), '-s', path('quote.sig'), '-f', file, '-g', 'sha256', '-q', 'c0ffee');
    expect(() => check(path('ours.pcrs'))).not.to.throw();
    const bad = Buffer.from(ours);
    const firstDigest = 4 + 16 * 8 + 4 + 4 + 2; // selection, list count, TPML_DIGEST.count, TPM2B size
    bad[firstDigest + 5] = (bad[firstDigest + 5] ?? 0) ^ 0x10;
    writeFileSync(path('bad.pcrs'), bad);
    expect(() => check(path('bad.pcrs'))).to.throw(/PCR values failed to match/);
  });

  const policies: [string, string[]][] = [
    ['sha256:0,1,2,3,4,5,6,7', []],
    ['sha256:7', []],
    ['sha1:0,2,4+sha256:7', []],
    ['sha384:0,1,16,23', []],
    ['sha256:0,7', ['-g', 'sha1']],
  ];
  for (const [sel, extra] of policies) {
    it(`gives tpm2_createpolicy --policy-pcr's digest for ${sel} ${extra.join(' ')}`, async () => {
      tpm2('tpm2_flushcontext', '-l');
      tpm2('tpm2_createpolicy', '--policy-pcr', '-l', sel, ...extra, '-L', path('policy.bin'));
      const r = await runCli('reference', '--log', log, '--format', 'policy-pcr', '--pcrs', sel, ...(extra.length > 0 ? ['--policy-alg', 'sha1'] : []));
      expect(r.status, r.err).to.equal(EXIT.OK);
      expect(r.out.trim()).to.equal(readFileSync(path('policy.bin')).toString('hex'));
    });
  }

  it('gives the digest tpm2_createpolicy computes from a values file, and writes it raw with --out', async () => {
    expect((await runCli('reference', '--log', log, '--pcrs', 'sha256:0,2,4', '--pcrs-format', 'values', '--out', path('v.bin'))).status).to.equal(EXIT.OK);
    tpm2('tpm2_flushcontext', '-l');
    tpm2('tpm2_createpolicy', '--policy-pcr', '-l', 'sha256:0,2,4', '-f', path('v.bin'), '-L', path('policy.bin'));
    expect((await runCli('reference', '--log', log, '--format', 'policy-pcr', '--pcrs', 'sha256:0,2,4', '--out', path('ours.bin'))).status).to.equal(EXIT.OK);
    expect(readFileSync(path('ours.bin')).equals(readFileSync(path('policy.bin')))).to.equal(true);
  });

  it('exits 2 with one line for bad usage and bad input', async () => {
    expectUsageError(await runCli('reference', '--log', log, '--format', 'nope'));
    expectUsageError(await runCli('reference', '--log', log, '--pcrs', 'sha256:0,24'));
    expectUsageError(await runCli('reference', '--log', log, '--pcrs', 'md5:0'));
    expectUsageError(await runCli('reference', '--log', log, '--pcrs-format', 'serialized'));
    expectUsageError(await runCli('reference', '--log', log, '--code', log));
    expectUsageError(await runCli('reference', '--log', path('missing.log')));
    writeFileSync(path('cut.log'), readFileSync(log).subarray(0, 200));
    expectUsageError(await runCli('reference', '--log', path('cut.log')));
    expectUsageError(await runCli('reference', '--log', log, '--format', 'keylime', '--pcrs', 'sha256:0'));
    expectUsageError(await runCli('reference', '--log', log, '--format', 'policy-pcr', '--policy-alg', 'md5'));
  });
});
