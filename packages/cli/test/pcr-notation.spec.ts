/**
 * One PCR notation in the text output of `predict` and `eventlog`: tpm2_pcrread's layout
 * (`  sha256:` then `    0 : 0x…`, as tpm2_pcrread 5.x prints it), with the values tpm2_eventlog
 * replays from the same log; and the event listing labels its digest column with its bank.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { replayWithTpm2Eventlog } from '@tcg2sim/platform-ovmf';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

/** The PCR blocks of a text output in tpm2_pcrread's layout: bank -> index -> lower-case hex. */
function pcrreadBlocks(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let bank: Record<string, string> | undefined;
  for (const l of text.split('\n')) {
    const b = /^ {2}(sha1|sha256|sha384|sha512):$/.exec(l);
    if (b?.[1] !== undefined) {
      bank = {};
      out[b[1]] = bank;
      continue;
    }
    const p = /^ {4}(\d+) *: 0x([0-9a-f]+)$/.exec(l);
    if (p?.[1] !== undefined && p[2] !== undefined && bank !== undefined) {
      expect(l, 'index left-aligned in two columns, then ": 0x"').to.match(/^ {4}(\d{2}|\d ): 0x/);
      bank[p[1]] = p[2];
    } else bank = undefined;
  }
  return out;
}

describe('tcg2sim PCR notation in predict and eventlog @integration', function () {
  this.timeout(30_000);
  let dir: { path: string; remove: () => void };
  before(function () {
    dir = tempDir('tcg2sim-cli-notation-');
    requirePrerequisites(this, { tools: ['tpm2_eventlog'] });
  });
  after(() => dir.remove());

  it("predict, eventlog and eventlog --pcrs-only print the same PCR lines, tpm2_pcrread's layout, tpm2_eventlog's values", async () => {
    const log = join(dir.path, 'default.log');
    const p = await runCli('predict', '--log-out', log);
    expect(p.status, p.err).to.equal(0);
    const e = await runCli('eventlog', log);
    const only = await runCli('eventlog', log, '--pcrs-only');
    const theirs = await replayWithTpm2Eventlog(log);
    const fromPredict = pcrreadBlocks(p.out);
    expect(Object.keys(fromPredict)).to.deep.equal(['sha1', 'sha256', 'sha384', 'sha512']);
    for (const [bank, pcrs] of Object.entries(fromPredict)) {
      expect(Object.keys(pcrs)).to.deep.equal(['0', '1', '2', '3', '4', '5', '6', '7']);
      expect(theirs.pcrs[bank], bank).to.deep.include(pcrs);
    }
    expect(pcrreadBlocks(e.out)).to.deep.equal(fromPredict);
    expect(pcrreadBlocks(only.out)).to.deep.equal(fromPredict);
    // --pcrs-only is the blocks alone, as tpm2_pcrread prints them
    expect(only.out.split('\n').filter((l) => l !== '').every((l) => /^ {2}sha\d+:$|^ {4}[0-9][0-9 ]: 0x[0-9a-f]+$/.test(l))).to.equal(true);
  });

  it('the event listing names its columns; the digest column is the first 8 bytes of the sha256 digest', async () => {
    const log = join(dir.path, 'listing.log');
    const p = await runCli('predict', '--log-out', log);
    const j = JSON.parse((await runCli('eventlog', log, '--json')).out) as { events: { index: number; digests: Record<string, string> }[] };
    for (const out of [p.out, (await runCli('eventlog', log)).out]) {
      const lines = out.split('\n');
      const header = lines.findIndex((l) => /^ +Event +PCR +EventType +Size +sha256 digest \(first 8 B\) +Event data$/.test(l));
      expect(header, out).to.be.greaterThan(-1);
      const digestColumn = (lines[header] ?? '').indexOf('sha256 digest');
      for (const ev of j.events) {
        const row = lines[header + 1 + ev.index] ?? '';
        // the Spec ID header (TCG_PCR_EVENT) has a sha1 digest only: '-'
        expect(row.slice(digestColumn, digestColumn + 16).trimEnd(), row).to.equal(ev.digests['sha256']?.slice(0, 16) ?? '-');
      }
    }
  });
});
