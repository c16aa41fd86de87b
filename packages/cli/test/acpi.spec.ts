import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const run = runCli;

// Captured from guest RAM: Debian OVMF_CODE_4M.fd, fresh vars, QEMU 7.2 q35 512 MiB, tpm-crb.
const REAL_CRB = '54504d324c000000041b424f434853204258504320202020010000004258504301000000000000004000d4fe00000000070000000000000000000000000000000000010000507e1f00000000';

describe('tcg2sim acpi', () => {
  let dir: { path: string; remove: () => void };
  beforeEach(() => {
    dir = tempDir('tcg2sim-cli-acpi-');
  });
  afterEach(() => dir.remove());

  it('writes the tpm-crb table QEMU 7.2 builds, equal to the one taken from a real guest', async () => {
    const out = join(dir.path, 'TPM2');
    const r = await run('acpi', 'tpm2', '--tpm-interface', 'crb', '--out', out, '--json');
    expect(r.status).to.equal(0);
    expect(Buffer.from(readFileSync(out)).toString('hex')).to.equal(REAL_CRB);
    const j = JSON.parse(r.out) as { table: string; fields: Record<string, unknown> };
    expect(j.table).to.equal(REAL_CRB);
    expect(j.fields).to.deep.include({ startMethod: 7, addressOfControlArea: '0xFED40040', laml: 0x10000, lasa: '0x1F7E5000', revision: 4 });
  });

  it('places the log area from --memory, or takes it from --log-area-address', async () => {
    const m = JSON.parse((await run('acpi', 'tpm2', '--tpm-interface', 'tis', '--memory', '2048', '--json')).out) as { fields: { lasa: string } };
    expect(m.fields.lasa).to.equal('0x7F7E5000');
    const g = JSON.parse((await run('acpi', 'tpm2', '--tpm-interface', 'tis', '--log-area-address', '0x1000', '--json')).out) as { fields: { lasa: string } };
    expect(g.fields.lasa).to.equal('0x1000');
  });

  it('checks a table round trip: tpm2 --out then check passes on the same device, exits 1 on the other', async () => {
    const out = join(dir.path, 'TPM2');
    await run('acpi', 'tpm2', '--tpm-interface', 'tis', '--out', out);
    const same = await run('acpi', 'check', out, '--tpm-interface', 'tis', '--json');
    expect(same.status).to.equal(0);
    expect((JSON.parse(same.out) as { findings: unknown[] }).findings).to.deep.equal([]);
    const other = await run('acpi', 'check', out, '--tpm-interface', 'crb', '--json');
    expect(other.status).to.equal(1);
    expect((JSON.parse(other.out) as { findings: Array<{ code: string }> }).findings.map((f) => f.code)).to.deep.equal(['INTERFACE_MISMATCH']);
  });

  it('reports a bad checksum as an error finding (exit 1) and a truncated table as bad input (exit 2)', async () => {
    const bad = Buffer.from(REAL_CRB, 'hex');
    bad[9] = 0;
    const file = join(dir.path, 'bad');
    writeFileSync(file, bad);
    const r = await run('acpi', 'check', file, '--json');
    expect(r.status).to.equal(1);
    expect((JSON.parse(r.out) as { findings: Array<{ code: string }> }).findings.map((f) => f.code)).to.deep.equal(['BAD_CHECKSUM']);
    writeFileSync(file, bad.subarray(0, 60));
    const t = await run('acpi', 'check', file);
    expect(t.status).to.equal(2);
    expect(t.err.split('\n').filter(Boolean)).to.have.length(1);
  });

  it('rejects bad usage with exit 2', async () => {
    expect((await run('acpi', 'tpm2', '--tpm-interface', 'spi')).status).to.equal(2);
    expect((await run('acpi', 'tpm2', '--tpm-interface', 'tis', '--log-area-address', 'zz')).status).to.equal(2);
    expect((await run('acpi', 'check', join(dir.path, 'missing'))).status).to.equal(2);
  });

  it('answers any file with exit 0, 1 or 2 and never a crash (property)', async () => {
    const file = join(dir.path, 'fuzz');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), fc.boolean(), async (bytes, prefix) => {
        const b = prefix ? Buffer.concat([Buffer.from(REAL_CRB, 'hex').subarray(0, 8), bytes]) : Buffer.from(bytes);
        writeFileSync(file, b);
        const r = await run('acpi', 'check', file, '--json');
        expect([0, 1, 2]).to.include(r.status);
      }),
      { numRuns: 60 }
    );
  });

  describe('with --code (the build picks the log-area calibration)', () => {
    const code2m = join(OVMF_DIR, 'OVMF_CODE.fd');
    before(function () {
      requirePrerequisites(this, { files: [code2m] });
    });

    // LASA read from the TPM2 table of real first boots (QEMU 7.2, 512 MiB, tpm-tis, fresh VARS):
    // OVMF_CODE.fd (2 MB) on q35 0x1F7E6000; OVMF_CODE_4M.fd on q35 and on pc 0x1F7E5000.
    it('places the 2 MB build log area where that build puts it', async () => {
      const r = JSON.parse((await run('acpi', 'tpm2', '--tpm-interface', 'tis', '--code', code2m, '--json')).out) as { fields: { lasa: string } };
      expect(r.fields.lasa).to.equal('0x1F7E6000');
      const pc = JSON.parse((await run('acpi', 'tpm2', '--tpm-interface', 'tis', '--machine', 'pc', '--json')).out) as { fields: { lasa: string } };
      expect(pc.fields.lasa).to.equal('0x1F7E5000');
    });

    // LASA read from the TPM2 table of real boots from a store holding TCG2_VERSION (written by
    // Tcg2ConfigDxe on a first boot, or alone with `vars set`): q35 OVMF_CODE_4M.fd 512 MiB
    // 0x1F7C5000, pc OVMF_CODE.fd 512 MiB 0x1F7C6000.
    it('moves the log area down for a --vars store holding TCG2_VERSION, and not for a fresh one', async function () {
      const vars4m = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
      requirePrerequisites(this, { files: [vars4m] });
      const used = join(dir.path, 'vars.fd');
      writeFileSync(used, readFileSync(vars4m));
      const set = await run('vars', 'set', '--name', 'TCG2_VERSION', '--guid', '6339D487-26BA-424B-9A5D-687E25D740BC', '--attributes', 'NV|BS',
        '--data', '312e3300000000000400000000000000', used);
      expect(set.status).to.equal(0);
      const lasa = async (...args: string[]): Promise<string> =>
        (JSON.parse((await run('acpi', 'tpm2', '--tpm-interface', 'tis', ...args, '--json')).out) as { fields: { lasa: string } }).fields.lasa;
      expect(await lasa('--vars', used)).to.equal('0x1F7C5000');
      expect(await lasa('--vars', used, '--code', code2m, '--machine', 'pc')).to.equal('0x1F7C6000');
      expect(await lasa('--vars', vars4m)).to.equal('0x1F7E5000');
    });

    it('rejects a --vars file that is not a variable store with exit 2', async () => {
      const f = join(dir.path, 'not-vars');
      writeFileSync(f, new Uint8Array(16));
      expect((await run('acpi', 'tpm2', '--tpm-interface', 'tis', '--vars', f)).status).to.equal(2);
    });

    it('rejects a --code file that is not firmware with exit 2', async () => {
      const f = join(dir.path, 'not-firmware');
      writeFileSync(f, new Uint8Array(4096));
      expect((await run('acpi', 'tpm2', '--tpm-interface', 'tis', '--code', f)).status).to.equal(2);
    });
  });
});
