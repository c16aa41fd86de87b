/**
 * `tcg2sim reference` output without a consumer at hand: where each format goes (stdout, --out
 * file, --out directory) and that the boot flags and --log give the same reference. The formats'
 * agreement with tpm2-tools, systemd-pcrlock and Keylime is in the reference*.spec.ts beside this.
 */
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@tcg2sim/test-support';
import { EXIT } from '@tcg2sim/cli';
import { runCli } from './harness.ts';

describe('tcg2sim reference output', function () {
  this.timeout(60_000);
  const tmp = tempDir('tcg2sim-reference-out-');
  const log = join(tmp.path, 'default.log');
  before(async () => {
    expect((await runCli('predict', '--log-out', log)).status).to.equal(EXIT.OK);
  });
  after(() => tmp.remove());

  it('gives the same reference from the simulated boot as from its log, in every format', async () => {
    for (const f of ['tpm2-pcrs', 'policy-pcr', 'keylime', 'pcrlock']) {
      const fromBoot = await runCli('reference', '--format', f);
      const fromLog = await runCli('reference', '--format', f, '--log', log);
      expect(fromBoot.status, fromBoot.err).to.equal(EXIT.OK);
      expect(fromBoot.out, f).to.equal(fromLog.out).and.not.equal('');
    }
  });

  it('prints the policy digest as hex and the pcrlock components as one JSON object', async () => {
    expect((await runCli('reference', '--log', log, '--format', 'policy-pcr')).out).to.match(/^[0-9a-f]{64}\n$/);
    const p = JSON.parse((await runCli('reference', '--log', log, '--format', 'pcrlock', '--pcrs', 'sha256:0')).out) as Record<string, { records: { pcr: number; digests: { hashAlg: string }[] }[] }>;
    expect(Object.keys(p)).to.include('250-firmware-code-early');
    const records = Object.values(p).flatMap((c) => c.records);
    expect(records.length).to.be.greaterThan(0);
    expect(records.every((r) => r.pcr === 0 && r.digests.length === 1 && r.digests[0]?.hashAlg === 'sha256')).to.equal(true);
  });

  it('writes one .pcrlock file per component under --out DIR', async () => {
    const dir = join(tmp.path, 'pcrlock.d');
    expect((await runCli('reference', '--log', log, '--format', 'pcrlock', '--out', dir)).status).to.equal(EXIT.OK);
    const names = readdirSync(dir).sort();
    expect(names).to.deep.equal(['240-secureboot-policy.pcrlock.d', '250-firmware-code-early.pcrlock.d', '250-firmware-config-early.pcrlock.d', '550-firmware-code-late.pcrlock.d', '550-firmware-config-late.pcrlock.d']);
    const early = JSON.parse(readFileSync(join(dir, '250-firmware-code-early.pcrlock.d', 'tcg2sim.pcrlock'), 'utf8')) as { records: unknown[] };
    expect(early.records.length).to.be.greaterThan(0);
  });

  it('needs SHA-256 digests for Keylime: a sha1-only log is refused with exit 2', async () => {
    const sha1 = join(tmp.path, 'sha1.log');
    expect((await runCli('predict', '--banks', 'sha1', '--log-out', sha1)).status).to.equal(EXIT.OK);
    const r = await runCli('reference', '--log', sha1, '--format', 'keylime');
    expect(r.status).to.equal(EXIT.USAGE);
    expect(r.err).to.match(/sha256/);
  });
});
