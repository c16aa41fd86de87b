/**
 * `--help` of every command: required options say `(required)`, defaults read `(default: X)` one
 * way (no quotes, no `default X`), and `predict --help` and `eventlog --help` name every field
 * their `--json` output has (collected from real output, so a new field without help fails).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { EV, EventLogBuilder } from '@tcg2sim/event-log';
import { tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

async function help(...path: string[]): Promise<string> {
  const r = await runCli(...path, '--help');
  expect(r.status, r.err).to.equal(0);
  return r.out;
}

/** The subcommand names a help text lists under `Commands:`. */
function subcommands(text: string): string[] {
  const at = text.indexOf('\nCommands:\n');
  if (at < 0) return [];
  return text
    .slice(at + 11)
    .split('\n')
    .map((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && n !== 'help');
}

/** Every command path (`['tpm', 'run']`, …) with its help text. */
async function allHelp(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (path: string[]): Promise<void> => {
    const text = await help(...path);
    out.set(path.join(' '), text);
    for (const c of subcommands(text)) await walk([...path, c]);
  };
  await walk([]);
  return out;
}

/** The option lines of a help text, one string per option (continuation lines joined). */
function optionEntries(text: string): string[] {
  const at = text.indexOf('\nOptions:\n');
  if (at < 0) return [];
  const entries: string[] = [];
  for (const l of text.slice(at + 10).split('\n')) {
    if (/^ {2}-/.test(l)) entries.push(l.trim());
    else if (/^ {3,}\S/.test(l) && entries.length > 0) entries.push(`${entries.pop() ?? ''} ${l.trim()}`);
    else if (l.trim() === '' || /^\S/.test(l)) break;
  }
  return entries;
}

describe('tcg2sim --help', function () {
  this.timeout(20_000);
  let texts: Map<string, string>;
  before(async () => {
    texts = await allHelp();
  });

  it('reaches every command, nested ones included', () => {
    for (const c of ['predict', 'eventlog', 'fv', 'vars', 'vars set', 'tpm run', 'acpi check', 'config show', 'pe']) expect([...texts.keys()]).to.include(c);
  });

  it('shows defaults one way: (default: X), no quotes, no "default X"', () => {
    for (const [cmd, text] of texts) {
      for (const e of optionEntries(text)) {
        expect(e, `${cmd}: ${e}`).not.to.match(/\(default [^:]|default: "|, default\)|\bdefault\)/);
        expect(e, `${cmd}: ${e}`).not.to.match(/\(default:[^)]*\(default:/);
      }
    }
    const acpi = texts.get('acpi tpm2') ?? '';
    expect(optionEntries(acpi).find((e) => e.startsWith('--machine'))).to.match(/\(default: q35\)$/);
    expect(optionEntries(texts.get('predict') ?? '').find((e) => e.startsWith('--memory'))).to.match(/\(default: 512\)$/);
  });

  it('marks required options (required) and only those', () => {
    const required = (cmd: string): string[] =>
      optionEntries(texts.get(cmd) ?? '').filter((e) => e.includes('(required')).map((e) => e.split(/[ ,]/)[0] ?? '');
    expect(required('tpm run')).to.deep.equal(['--transcript']);
    expect(required('vars set')).to.deep.equal(['--name', '--guid', '--data']);
    expect(required('acpi tpm2')).to.deep.equal(['--tpm-interface']);
    expect(required('predict')).to.deep.equal([]);
    // required arguments are in the usage line as <file>
    expect(texts.get('eventlog')).to.match(/^Usage: tcg2sim eventlog \[options\] <file>/);
  });

  describe('lists every --json field', () => {
    let dir: { path: string; remove: () => void };
    before(() => {
      dir = tempDir('tcg2sim-cli-help-');
    });
    after(() => dir.remove());

    /** The field names of a JSON value, descending into arrays and objects except maps (`pcrs`, `digests`, decoded values). */
    function fieldNames(v: unknown, out = new Set<string>(), skip: ReadonlySet<string> = MAPS): Set<string> {
      if (Array.isArray(v)) for (const x of v) fieldNames(x, out, skip);
      else if (typeof v === 'object' && v !== null) {
        for (const [k, x] of Object.entries(v)) {
          out.add(k);
          if (!skip.has(k)) fieldNames(x, out, skip);
        }
      }
      return out;
    }
    const MAPS = new Set(['pcrs', 'tpmPcrs', 'digests', 'value', 'specId']);

    const listed = (text: string, field: string): boolean => new RegExp(`\\b${field}\\b`).test(text.slice(text.indexOf('JSON fields')));

    it('predict', async () => {
      const r = await runCli('predict', '--json');
      expect(r.status, r.err).to.equal(0);
      const text = texts.get('predict') ?? '';
      const fields = fieldNames(JSON.parse(r.out));
      expect(fields.size).to.be.greaterThan(10);
      for (const f of fields) expect(listed(text, f), `predict --help lacks JSON field ${f}`).to.equal(true);
      for (const f of ['kind', 'code', 'path', 'replayed', 'tpm']) expect(listed(text, f), f).to.equal(true); // fields of decodeError and mismatches
    });

    it('eventlog (with --lint, --diff, --lenient)', async () => {
      const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
      b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
      b.add({ pcrIndex: 4, eventType: EV.EFI_ACTION, eventData: new Uint8Array(Buffer.from('x', 'latin1')) });
      const a = join(dir.path, 'a.bin');
      writeFileSync(a, b.encode());
      b.add({ pcrIndex: 5, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });
      const other = join(dir.path, 'b.bin');
      writeFileSync(other, Buffer.concat([b.encode(), Buffer.alloc(40, 0xff)])); // free space after the log: a `stop`
      const r = await runCli('eventlog', other, '--json', '--lint', '--diff', a, '--lenient', '--free-space');
      expect(r.status).to.equal(1);
      const j = JSON.parse(r.out) as Record<string, unknown>;
      expect(Object.keys(j)).to.include.members(['lint', 'diff', 'stop']);
      const text = texts.get('eventlog') ?? '';
      const fields = fieldNames(j);
      for (const f of fields) expect(listed(text, f), `eventlog --help lacks JSON field ${f}`).to.equal(true);
      const pcrsOnly = JSON.parse((await runCli('eventlog', a, '--json', '--pcrs-only')).out) as Record<string, unknown>;
      for (const f of Object.keys(pcrsOnly)) expect(listed(text, f), f).to.equal(true);
    });
  });
});
