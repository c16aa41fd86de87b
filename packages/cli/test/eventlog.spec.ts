import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { EV, EventLogBuilder, encodeVariableData } from '@tcg2sim/event-log';
import { tempDir } from '@tcg2sim/test-support';
import { main } from '../src/main.ts';
import type { CliIo } from '../src/context.ts';

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** A small firmware-like log: PCR0-7 separators, PCR7 SecureBoot, PCR4 action. */
function goodLog(): EventLogBuilder {
  const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256] });
  b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
  b.add({ pcrIndex: 7, eventType: EV.EFI_VARIABLE_DRIVER_CONFIG, eventData: encodeVariableData({ variableName: '8BE4DF61-93CA-11D2-AA0D-00E098032B8C', unicodeName: 'SecureBoot', variableData: new Uint8Array([0]) }) });
  b.add({ pcrIndex: 7, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });
  b.add({ pcrIndex: 4, eventType: EV.EFI_ACTION, eventData: ascii('Calling EFI Application from Boot Option') });
  for (let p = 0; p <= 6; p++) b.add({ pcrIndex: p, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });
  return b;
}

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

async function run(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = capture();
  const status = await main(['node', 'tcg2sim', 'eventlog', ...args], io);
  return { status, out: io.stdout(), err: io.stderr() };
}

describe('tcg2sim eventlog', () => {
  let dir: { path: string; remove: () => void };
  let good: string;
  before(() => {
    dir = tempDir('tcg2sim-cli-eventlog-');
    good = join(dir.path, 'good.bin');
    writeFileSync(good, goodLog().encode());
  });
  after(() => dir.remove());

  it('prints a summary with events and PCRs and exits 0', async () => {
    const r = await run(good);
    expect(r.status).to.equal(0);
    expect(r.out).to.contain('EV_S_CRTM_VERSION');
    expect(r.out).to.match(/\n {2}sha256:\n {4}0 : 0x[0-9a-f]{64}\n/);
  });

  it('--json gives the docs/cli.md shape', async () => {
    const r = await run(good, '--json');
    expect(r.status).to.equal(0);
    const j = JSON.parse(r.out) as { pcrs: Record<string, Record<string, string>>; events: { eventType: string; digests: Record<string, string> }[] };
    expect(Object.keys(j.pcrs)).to.deep.equal(['sha1', 'sha256']);
    expect(j.events[1]?.eventType).to.equal('EV_S_CRTM_VERSION');
    expect(j.events[1]?.digests['sha256']).to.equal('96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7');
  });

  it('--yaml gives tpm2_eventlog-style YAML with a pcrs section', async () => {
    const r = await run(good, '--yaml');
    expect(r.status).to.equal(0);
    const y = parse(r.out, { intAsBigInt: true }) as { version: bigint; events: unknown[]; pcrs: { sha256: Record<string, bigint> } };
    expect(y.version).to.equal(1n);
    expect(y.events.length).to.equal(12);
    expect(Object.keys(y.pcrs.sha256)).to.deep.equal(['0', '1', '2', '3', '4', '5', '6', '7']);
  });

  it('--cel gives CEL-JSON records', async () => {
    const r = await run(good, '--cel');
    const cel = JSON.parse(r.out) as { recnum: number; content_type: string }[];
    expect(cel.length).to.equal(12);
    expect(cel[3]?.content_type).to.equal('pcclient_std');
  });

  it('--lint exits 0 on a clean log and 1 with findings naming rule and event', async () => {
    expect((await run(good, '--lint')).status).to.equal(0);
    const b = goodLog();
    b.add({ pcrIndex: 3, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });
    const bad = join(dir.path, 'two-separators.bin');
    writeFileSync(bad, b.encode());
    const r = await run(bad, '--lint');
    expect(r.status).to.equal(1);
    expect(r.out).to.match(/lint error EL020 separator-once event 12:/);
  });

  it('--lint --json puts the findings in the JSON', async () => {
    const b = goodLog();
    b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
    const bad = join(dir.path, 'after-separator.bin');
    writeFileSync(bad, b.encode());
    const r = await run(bad, '--lint', '--json');
    expect(r.status).to.equal(1);
    const j = JSON.parse(r.out) as { lint: { rule: string; eventIndex: number }[] };
    expect(j.lint.some((f) => f.rule === 'EL022' && f.eventIndex === 12)).to.equal(true);
  });

  it('--diff exits 0 for equal logs and 1 when they diverge, the verdict first', async () => {
    expect((await run(good, '--diff', good)).status).to.equal(0);
    const b = goodLog();
    b.add({ pcrIndex: 4, eventType: EV.EFI_ACTION, eventData: ascii('Returning from EFI Application from Boot Option') });
    const other = join(dir.path, 'longer.bin');
    writeFileSync(other, b.encode());
    const r = await run(good, '--diff', other);
    expect(r.status).to.equal(1);
    expect(r.out.split('\n')[0]).to.equal('logs differ: 1 divergent event (12 vs 13 events), 2 PCRs differ');
    expect(r.out).to.contain('event 12 (PCR4 EV_EFI_ACTION) is only in the second log');
    expect(r.out).to.match(/\n {2}sha256:4 : 0x[0-9a-f]{64} -> 0x[0-9a-f]{64}\n/);
  });

  it('exits 2 on a truncated log with one line naming file, event and offset', async () => {
    const bytes = readFileSync(good);
    const cut = join(dir.path, 'cut.bin');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 5));
    const r = await run(cut);
    expect(r.status).to.equal(2);
    expect(r.out).to.equal('');
    expect(r.err.trim().split('\n')).to.have.length(1);
    expect(r.err).to.contain(cut);
    expect(r.err).to.match(/event 11 \(record at offset \d+\).*\(offset \d+\)/);
  });

  it('--lenient decodes up to the bad event, says where it stopped and exits 0', async () => {
    const bytes = readFileSync(good);
    const cut = join(dir.path, 'cut2.bin');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 5));
    const r = await run(cut, '--lenient', '--json');
    expect(r.status).to.equal(0);
    const j = JSON.parse(r.out) as { events: unknown[]; stop: { reason: string; eventIndex: number } };
    expect(j.events.length).to.equal(11);
    expect(j.stop).to.deep.include({ reason: 'error', eventIndex: 11 });
    expect(r.err).to.contain('stopped');
  });

  it('--free-space stops at the 0xFF fill of a log area and --out writes the used part', async () => {
    const bytes = goodLog().encode();
    const area = new Uint8Array(0x4000).fill(0xff);
    area.set(bytes);
    const file = join(dir.path, 'area.bin');
    const out = join(dir.path, 'trimmed.bin');
    writeFileSync(file, area);
    const r = await run(file, '--free-space', '--out', out);
    expect(r.status).to.equal(0);
    expect(new Uint8Array(readFileSync(out))).to.deep.equal(bytes);
  });

  it('--pcrs-only prints the same PCRs as the full decode, and exits 2 on a bad record', async () => {
    const full = JSON.parse((await run(good, '--json')).out) as { pcrs: unknown };
    const quick = JSON.parse((await run(good, '--pcrs-only', '--json')).out) as { pcrs: unknown };
    expect(quick.pcrs).to.deep.equal(full.pcrs);
    const bytes = readFileSync(good);
    const cut = join(dir.path, 'cut3.bin');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 1));
    const r = await run(cut, '--pcrs-only');
    expect(r.status).to.equal(2);
    expect(r.err).to.match(/event 11 \(record at offset \d+\)/);
  });

  it('exits 2 for a missing file and for two output formats', async () => {
    expect((await run(join(dir.path, 'nope.bin'))).status).to.equal(2);
    expect((await run(good, '--json', '--yaml')).status).to.equal(2);
  });
});
