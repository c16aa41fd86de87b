/**
 * `tcg2sim predict` with no firmware arguments: it runs the embedded default firmware (built in
 * memory, no /usr/share/OVMF needed), says so, and its log replays (ours and tpm2_eventlog's)
 * to the PCRs the TPM holds.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { EXIT } from '@tcg2sim/cli';
import { replayWithTpm2Eventlog } from '@tcg2sim/platform-ovmf';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const run = runCli;

interface PredictJson {
  readonly firmware: string;
  readonly endState: string;
  readonly pcrs: Record<string, Record<string, string>>;
  readonly tpmPcrs: Record<string, Record<string, string>>;
  readonly mismatches: readonly unknown[];
  readonly events: readonly { readonly pcrIndex: number; readonly eventType: string }[];
}

describe('tcg2sim predict on the embedded default firmware', function () {
  // The whole boot with the soft TPM takes well under this; a slower run fails the test.
  this.timeout(10_000);

  it('prints a summary naming the embedded default firmware, with exit status 0', async () => {
    const r = await run('predict');
    expect(r.status).to.equal(EXIT.OK);
    expect(r.err).to.equal('');
    expect(r.out.split('\n')[0]).to.match(/^tcg2sim predict: the embedded default firmware/);
    expect(r.out).to.include('EV_EFI_BOOT_SERVICES_APPLICATION');
    expect(r.out).to.include('started Boot0002 "EFI Internal Shell"');
  });

  it('--json: exit 0, tpmPcrs equal to the replayed pcrs in all four banks, the Shell measured into PCR4', async () => {
    const r = await run('predict', '--json');
    expect(r.status).to.equal(EXIT.OK);
    const j = JSON.parse(r.out) as PredictJson;
    expect(j.firmware).to.match(/^the embedded default firmware/);
    expect(j.mismatches).to.deep.equal([]);
    expect(Object.keys(j.tpmPcrs)).to.deep.equal(['sha1', 'sha256', 'sha384', 'sha512']);
    expect(j.tpmPcrs).to.deep.equal(j.pcrs);
    expect(j.events.filter((e) => e.eventType === 'EV_EFI_PLATFORM_FIRMWARE_BLOB').map((e) => e.pcrIndex)).to.deep.equal([0, 0]);
    expect(j.events.filter((e) => e.eventType === 'EV_SEPARATOR').map((e) => e.pcrIndex)).to.deep.equal([7, 0, 1, 2, 3, 4, 5, 6]);
    expect(j.events.at(-1)).to.include({ pcrIndex: 4, eventType: 'EV_EFI_BOOT_SERVICES_APPLICATION' });
  });

  it('--banks sha256 still runs on the default and replays to the TPM', async () => {
    const r = await run('predict', '--json', '--banks', 'sha256');
    expect(r.status).to.equal(EXIT.OK);
    const j = JSON.parse(r.out) as PredictJson;
    expect(Object.keys(j.tpmPcrs)).to.deep.equal(['sha256']);
    expect(j.tpmPcrs['sha256']).to.deep.equal(j.pcrs['sha256']);
  });
});

describe('tcg2sim predict on the embedded default firmware against tpm2_eventlog @integration', function () {
  this.timeout(20_000);
  before(function () {
    requirePrerequisites(this, { tools: ['tpm2_eventlog'] });
  });

  it('tpm2_eventlog parses the --log-out file and replays it to the PCRs the TPM holds', async () => {
    const tmp = tempDir();
    try {
      const log = join(tmp.path, 'default.log');
      const r = await run('predict', '--json', '--log-out', log);
      expect(r.status).to.equal(EXIT.OK);
      const j = JSON.parse(r.out) as PredictJson;
      const theirs = await replayWithTpm2Eventlog(log);
      expect(theirs.eventCount).to.equal(j.events.length);
      for (const [bank, pcrs] of Object.entries(j.tpmPcrs)) expect(theirs.pcrs[bank], bank).to.deep.include(pcrs);
    } finally {
      tmp.remove();
    }
  });
});
