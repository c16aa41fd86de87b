/**
 * `eventlog --diff` and `--lint` print their verdict first and then every divergence or finding,
 * before the listing. The divergences of two predicted boots that differ only in guest RAM
 * (512 vs 2048 MiB) are checked against tpm2_eventlog: the events whose YAML differs between
 * the two logs are exactly the ones the diff lists.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { EV, EventLogBuilder } from '@tcg2sim/event-log';
import { ovmfImage, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

interface Tpm2EventlogEvent {
  readonly EventNum: number;
  readonly [k: string]: unknown;
}

/** The EventNums whose tpm2_eventlog YAML differs between two logs of the same length. */
function differingEvents(a: string, b: string): number[] {
  const events = (f: string): Tpm2EventlogEvent[] => (parse(execFileSync('tpm2_eventlog', [f], { encoding: 'utf8' })) as { events: Tpm2EventlogEvent[] }).events;
  const ea = events(a);
  const eb = events(b);
  expect(ea.length).to.equal(eb.length);
  return ea.filter((e, i) => JSON.stringify(e) !== JSON.stringify(eb[i])).map((e) => e.EventNum);
}

describe('tcg2sim eventlog --diff of 512 and 2048 MiB boots @integration', function () {
  this.timeout(60_000);
  const code = ovmfImage('OVMF_CODE_4M.fd') ?? '/usr/share/OVMF/OVMF_CODE_4M.fd';
  const vars = ovmfImage('OVMF_VARS_4M.fd') ?? '/usr/share/OVMF/OVMF_VARS_4M.fd';
  let dir: { path: string; remove: () => void };
  let small: string;
  let large: string;
  before(async function () {
    dir = tempDir('tcg2sim-cli-verdicts-');
    requirePrerequisites(this, { tools: ['tpm2_eventlog'], files: [code, vars] });
    small = join(dir.path, '512.bin');
    large = join(dir.path, '2048.bin');
    for (const [mem, out] of [['512', small], ['2048', large]] as const) {
      const r = await runCli('predict', '--code', code, '--vars', vars, '--memory', mem, '--log-out', out);
      expect(r.status, r.err).to.equal(0);
    }
  });
  after(() => dir.remove());

  it('prints the verdict first, then every divergent event (the ones tpm2_eventlog shows differing), then the listing', async () => {
    const want = differingEvents(small, large);
    expect(want.length, 'the two boots differ in more than one event').to.be.greaterThan(1);
    const r = await runCli('eventlog', small, '--diff', large);
    expect(r.status).to.equal(1);
    const lines = r.out.split('\n');
    expect(lines[0]).to.match(new RegExp(`^logs differ: ${want.length} divergent events \\(\\d+ events each\\), \\d+ PCRs differ$`));
    const listed = lines.filter((l) => /^ {2}event \d+ /.test(l)).map((l) => Number(/event (\d+)/.exec(l)?.[1]));
    expect(listed).to.deep.equal(want);
    // the listing comes after every divergence and the PCRs that differ
    const listing = lines.findIndex((l) => l.startsWith('format: '));
    const lastDivergence = lines.findIndex((l) => l.startsWith(`  event ${want[want.length - 1] ?? -1} `));
    expect(listing).to.be.greaterThan(lastDivergence);
    expect(lines.slice(0, listing).some((l) => /^ {2}sha256:0 : 0x[0-9a-f]{64} -> 0x[0-9a-f]{64}$/.test(l))).to.equal(true);
  });

  it('--json: diff.divergences holds every divergent event, diff.divergence the first, diff.verdict the verdict line', async () => {
    const want = differingEvents(small, large);
    const r = await runCli('eventlog', small, '--diff', large, '--json');
    expect(r.status).to.equal(1);
    const j = JSON.parse(r.out) as { diff: { verdict: string; equal: boolean; divergence: { eventIndex: number }; divergences: { eventIndex: number; eventIndexB: number }[] } };
    expect(j.diff.equal).to.equal(false);
    expect(j.diff.divergences.map((d) => d.eventIndex)).to.deep.equal(want);
    expect(j.diff.divergences.map((d) => d.eventIndexB)).to.deep.equal(want);
    expect(j.diff.divergence).to.deep.equal(j.diff.divergences[0]);
    expect(j.diff.verdict).to.match(new RegExp(`^logs differ: ${want.length} divergent events`));
  });

  it('a log against itself: "logs identical" first, exit 0', async () => {
    const r = await runCli('eventlog', small, '--diff', small);
    expect(r.status).to.equal(0);
    expect(r.out.split('\n')[0]).to.match(/^logs identical \(\d+ events each\)$/);
  });
});

describe('tcg2sim eventlog --lint verdict', () => {
  let dir: { path: string; remove: () => void };
  before(() => {
    dir = tempDir('tcg2sim-cli-lint-');
  });
  after(() => dir.remove());

  it('prints "lint: N errors, M warnings" first, then every finding, then the listing', async () => {
    const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
    for (let p = 0; p <= 7; p++) b.add({ pcrIndex: p, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });
    b.add({ pcrIndex: 3, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) }); // EL020: second separator
    b.add({ pcrIndex: 5, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) }); // EL020 again
    const f = join(dir.path, 'lint.bin');
    writeFileSync(f, b.encode());
    const r = await runCli('eventlog', f, '--lint');
    expect(r.status).to.equal(1);
    const lines = r.out.split('\n');
    expect(lines[0]).to.equal('lint: 2 errors, 0 warnings');
    expect(lines[1]).to.match(/^ {2}lint error EL020 separator-once event 9:/);
    expect(lines[2]).to.match(/^ {2}lint error EL020 separator-once event 10:/);
    expect(lines.findIndex((l) => l.startsWith('format: '))).to.equal(4);
  });
});
