import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { requirePrerequisites } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

// Debian trixie's OVMF 2025.02, fetched by scripts/fetch-debian-firmware.sh (never committed).
const CACHE = process.env['TCG2SIM_FIRMWARE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'tcg2sim', 'firmware');
const DIR = join(CACHE, 'debian-trixie', 'usr', 'share', 'OVMF');
const CODE = join(DIR, 'OVMF_CODE_4M.fd');
const VARS = join(DIR, 'OVMF_VARS_4M.fd');
// Truth: PCRs 0-7 of a real boot of that image (QEMU 7.2, q35, 512 MiB, tpm-tis), platform-ovmf's test vectors.
const REAL = new URL('../../../platform-ovmf/test/vectors/debian-trixie-2025.02/q35-tis-512-pcrs.json', import.meta.url);

interface PredictJson {
  readonly complete: boolean;
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly notes: readonly string[];
}

describe('predict --fw-cfg-from-qemu (Debian trixie OVMF 2025.02) @integration', function () {
  this.timeout(120_000);
  before(function () {
    requirePrerequisites(this, { files: [CODE, VARS], hint: 'run scripts/fetch-debian-firmware.sh trixie' });
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
  });

  it('reads the ACPI blobs from the installed QEMU: complete, and PCRs 0-7 of every bank equal the real boot', async () => {
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--fw-cfg-from-qemu', '--json');
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as PredictJson;
    expect(j.complete).to.equal(true);
    const real = (JSON.parse(readFileSync(REAL, 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
    expect(Object.keys(real)).to.have.length(4);
    for (const [bank, values] of Object.entries(real)) {
      for (let i = 0; i <= 7; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
    }
  });

  it('without it: INCOMPLETE (PCR1 lacks the ACPI DATA events), every other PCR equal', async () => {
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--json');
    const j = JSON.parse(r.out) as PredictJson;
    expect(j.complete).to.equal(false);
    expect(j.notes.some((n) => n.startsWith('INCOMPLETE'))).to.equal(true);
    const real = (JSON.parse(readFileSync(REAL, 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
    for (const [bank, values] of Object.entries(real)) {
      for (const i of [0, 2, 3, 4, 5, 6, 7]) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
      expect(j.pcrs[bank]?.['1']).to.not.equal(values['1']);
    }
  });

  it('with a matrix: each configuration reads its own VM\'s blobs; the 512 MiB one equals the real boot, the 1024 MiB one has another PCR1', async () => {
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--memory', '512,1024', '--fw-cfg-from-qemu', '--json');
    expect(r.status, r.err).to.equal(0);
    const m = JSON.parse(r.out) as { configurations: { prediction: PredictJson }[] };
    expect(m.configurations).to.have.length(2);
    const [c512, c1024] = m.configurations.map((c) => c.prediction);
    expect(c512?.complete).to.equal(true);
    expect(c1024?.complete).to.equal(true);
    const real = (JSON.parse(readFileSync(REAL, 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
    for (const [bank, values] of Object.entries(real)) {
      for (let i = 0; i <= 7; i++) expect(c512?.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
      // QEMU's tables for 1 GiB differ (the DSDT's 32-bit PCI hole starts above RAM)
      expect(c1024?.pcrs[bank]?.['1']).to.not.equal(values['1']);
    }
  });
});
