/**
 * Bad usage is one line naming what the user typed: the flag (`--memory`, not `memoryMiB`), the
 * scenario file and field, and for a file that cannot be read, the flag that named it, for every
 * command that reads files (never Node's `ENOENT: …` text).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { logAndEfiFiles, runCli } from './harness.ts';
import type { LogAndEfi } from './harness.ts';

/** Exit status 2 and exactly one line on stderr, nothing on stdout. */
async function usageLine(...args: string[]): Promise<string> {
  const r = await runCli(...args);
  expect(r.status, `${args.join(' ')}: ${r.err}`).to.equal(2);
  expect(r.out).to.equal('');
  expect(r.err.split('\n').filter((l) => l !== ''), r.err).to.have.length(1);
  return r.err.trimEnd();
}

describe('tcg2sim usage errors name the flag typed', () => {
  let dir: LogAndEfi;
  let log: string;
  let efi: string;
  before(() => {
    dir = logAndEfiFiles('tcg2sim-cli-usage-');
    ({ log, efi } = dir);
  });
  after(() => dir.remove());

  it('predict flags: --memory, --banks, --tpm-interface, --machine (not memoryMiB, banks[0], tpmInterface)', async () => {
    const e = await usageLine('predict', '--memory', '64', '--banks', 'sha256,md5', '--tpm-interface', 'spi', '--machine', 'virt');
    expect(e).to.match(/^tcg2sim: /);
    expect(e).to.include('--memory: 64:');
    expect(e).to.include('--banks: "md5":');
    expect(e).to.include('--tpm-interface: "spi":');
    expect(e).to.include('--machine: "virt":');
    expect(e).not.to.match(/memoryMiB|banks\[|tpmInterface|(?<![-\w])machine:/);
  });

  it('a scenario file: its name and the field, with the element of a list', async () => {
    const s = join(dir.path, 'vm.yaml');
    writeFileSync(s, 'memoryMiB: 64\nbanks: [sha256, md5]\nnic: e1000\n');
    const e = await usageLine('predict', '--scenario', s);
    expect(e).to.include(`${s}: memoryMiB: 64:`);
    expect(e).to.include(`${s}: banks[1]: "md5":`);
    expect(e).to.include(`${s}: unknown field nic`);
    // a flag given over the file is named as the flag
    expect(await usageLine('predict', '--scenario', s, '--memory', '100', '--banks', 'sha1')).to.include('--memory: 100:');
  });

  it('--vars without --code is an error, not ignored', async () => {
    expect(await usageLine('predict', '--vars', efi)).to.equal('tcg2sim: --vars: a variable store needs --code, the OVMF_CODE*.fd it belongs to');
  });

  it('--bios with --code names both flags', async () => {
    const e = await usageLine('predict', '--bios', efi, '--code', efi);
    expect(e).to.match(/--bios and --code: give either bios or code/);
  });

  it('--eventlog-version without --yaml is an error; with --yaml it selects the version', async () => {
    expect(await usageLine('eventlog', log, '--eventlog-version', '2')).to.equal('tcg2sim: --eventlog-version applies to --yaml output only');
    const r = await runCli('eventlog', log, '--yaml', '--eventlog-version', '2');
    expect(r.status).to.equal(0);
    expect(r.out).to.match(/^---\nversion: 2\n/);
  });
});

describe('tcg2sim: a file that cannot be read is one line naming its flag', () => {
  let dir: LogAndEfi;
  let log: string;
  let efi: string;
  let missing: string;
  before(() => {
    dir = logAndEfiFiles('tcg2sim-cli-missing-');
    ({ log, efi } = dir);
    missing = join(dir.path, 'no-such-file.bin');
  });
  after(() => dir.remove());

  const cases: readonly (readonly [string, (m: string) => string[], string])[] = [
    ['predict --code', (m) => ['predict', '--code', m], '--code '],
    ['predict --bios', (m) => ['predict', '--bios', m], '--bios '],
    ['predict --scenario', (m) => ['predict', '--scenario', m], '--scenario '],
    ['predict --disk', (m) => ['predict', '--disk', m], '--disk '],
    ['eventlog FILE', (m) => ['eventlog', m], ''],
    ['eventlog --json FILE', (m) => ['eventlog', '--json', m], ''],
    ['fv FILE', (m) => ['fv', m], ''],
    ['vars FILE', (m) => ['vars', m], ''],
    ['pe FILE', (m) => ['pe', m], ''],
    ['config show FILE', (m) => ['config', 'show', m], ''],
    ['acpi check FILE', (m) => ['acpi', 'check', m], ''],
    ['tpm run --transcript', (m) => ['tpm', 'run', '--transcript', m], '--transcript '],
  ];
  for (const [name, args, flag] of cases) {
    it(name, async () => {
      expect(await usageLine(...args(missing))).to.equal(`tcg2sim: cannot read ${flag}${missing}: no such file`);
    });
  }

  it('eventlog --diff and pe --vars name the flag of the second file', async () => {
    expect(await usageLine('eventlog', log, '--diff', missing)).to.equal(`tcg2sim: cannot read --diff ${missing}: no such file`);
    expect(await usageLine('pe', efi, '--vars', missing)).to.equal(`tcg2sim: cannot read --vars ${missing}: no such file`);
  });

  it('predict --vars, and a path named in a scenario file (its field)', async () => {
    expect(await usageLine('predict', '--code', efi, '--vars', missing)).to.equal(`tcg2sim: cannot read --vars ${missing}: no such file`);
    const s = join(dir.path, 's.json');
    writeFileSync(s, JSON.stringify({ code: 'no-such-code.fd' }));
    expect(await usageLine('predict', '--scenario', s)).to.equal(`tcg2sim: cannot read ${s}: code ${join(dir.path, 'no-such-code.fd')}: no such file`);
  });

  it('a directory given as a file, and an output path in a missing folder', async () => {
    expect(await usageLine('eventlog', dir.path)).to.equal(`tcg2sim: cannot read ${dir.path}: is a directory`);
    expect(await usageLine('fv', dir.path)).to.equal(`tcg2sim: cannot read ${dir.path}: is a directory`);
    expect(await usageLine('predict', '--code', dir.path)).to.equal(`tcg2sim: cannot read --code ${dir.path}: is a directory`);
    const out = join(missing, 'x.bin');
    const r = await runCli('eventlog', log, '--out', out);
    expect(r.status).to.equal(2);
    expect(r.err).to.equal(`tcg2sim: cannot write --out ${out}: no such file\n`);
  });
});
