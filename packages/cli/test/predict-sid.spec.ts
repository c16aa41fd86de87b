import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, skipOptional, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

// Debian sid's ovmf-generic 2026.08, fetched by scripts/fetch-debian-firmware.sh sid ovmf-generic (never committed).
const DIR = join(CACHE, 'debian-sid', 'ovmf-generic', 'usr', 'share', 'OVMF');
const CODE = join(DIR, 'OVMF_CODE_4M.fd');
const VARS = join(DIR, 'OVMF_VARS_4M.fd');
// Truth: PCRs 0-7 of real boots of that image (QEMU 7.2 + swtpm), platform-ovmf's test vectors.
const real = (name: string): Record<string, Record<string, string>> =>
  (JSON.parse(readFileSync(new URL(`../../../platform-ovmf/test/vectors/debian-sid-2026.08/${name}-pcrs.json`, import.meta.url), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;

interface PredictJson {
  readonly complete: boolean;
  readonly endState: string;
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly notes: readonly string[];
}

describe('predict --fw-cfg-from-qemu (Debian sid ovmf-generic 2026.08: SMBIOS measured, the Shell not booted) @integration', function () {
  this.timeout(120_000);
  before(function () {
    requirePrerequisites(this, { files: [CODE, VARS], hint: 'run scripts/fetch-debian-firmware.sh sid ovmf-generic' });
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
    // sid moves on: these vectors are of one upload; another upload is checked against its own
    // real boots by platform-ovmf's sid-boot.integration.spec (live captures), not here.
    const vector = JSON.parse(readFileSync(new URL('../../../platform-ovmf/test/vectors/debian-sid-2026.08/q35-tis-512-pcrs.json', import.meta.url), 'utf8')) as { codeSha256: string };
    const cached = createHash('sha256').update(readFileSync(CODE)).digest('hex');
    if (cached !== vector.codeSha256) skipOptional(this, `${CODE} is not ovmf-generic 2026.08+ds-2 (sha256 ${cached}): sid moved on; these vectors are of that upload (sid-boot.integration.spec checks the new one against live boots; capture new vectors)`);
  });

  const shapes = [
    ['q35-tis-512', ['--code', CODE, '--vars', VARS]],
    ['pc-crb-2048', ['--code', CODE, '--vars', VARS, '--machine', 'pc', '--memory', '2048', '--tpm-interface', 'crb']],
    ['bios-q35-tis-1024', ['--bios', join(DIR, '..', 'ovmf', 'OVMF.fd'), '--memory', '1024']],
  ] as const;
  for (const [name, args] of shapes) {
    it(`${name}: complete, no application started, PCRs 0-7 of every bank equal the real boot`, async () => {
      const r = await runCli('predict', ...args, '--fw-cfg-from-qemu', '--json');
      expect(r.status, r.err).to.equal(0);
      const j = JSON.parse(r.out) as PredictJson;
      expect(j.complete).to.equal(true);
      expect(j.endState).to.match(/no bootable option/);
      const truth = real(name);
      expect(Object.keys(truth)).to.have.length(4);
      for (const [bank, values] of Object.entries(truth)) {
        for (let i = 0; i <= 7; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
      }
    });
  }

  for (const [name, args] of shapes.slice(0, 2)) {
    it(`${name} without it: QEMU 7.2's ACPI blobs and SMBIOS tables modelled, complete, PCRs 0-7 of every bank equal the real boot`, async () => {
      const r = await runCli('predict', ...args, '--json');
      expect(r.status, r.err).to.equal(0);
      const j = JSON.parse(r.out) as PredictJson;
      expect(j.complete).to.equal(true);
      expect(j.notes.some((n) => /^QEMU 7\.2's ACPI tables \(modelled\).*SMBIOS too/.test(n))).to.equal(true);
      for (const [bank, values] of Object.entries(real(name))) {
        for (let i = 0; i <= 7; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
      }
    });
  }

  // Truth: QEMU's own files for the same VM (read under qtest), in shapes without a real boot.
  const odd = [
    ['secboot SMM q35 3584 MiB 3 CPUs', ['--code', join(DIR, 'OVMF_CODE_4M.secboot.fd'), '--vars', join(DIR, 'OVMF_VARS_4M.ms.fd'), '--smm', '--memory', '3584', '--cpus', '3']],
    ['pc 6000 MiB 5 CPUs CRB', ['--code', CODE, '--vars', VARS, '--machine', 'pc', '--memory', '6000', '--cpus', '5', '--tpm-interface', 'crb']],
  ] as const;
  for (const [name, args] of odd) {
    it(`${name}: the modelled ACPI blobs and SMBIOS tables give the PCRs QEMU's own files give`, async () => {
      const [m, q] = await Promise.all([runCli('predict', ...args, '--json'), runCli('predict', ...args, '--fw-cfg-from-qemu', '--json')]);
      const [jm, jq] = [JSON.parse(m.out) as PredictJson, JSON.parse(q.out) as PredictJson];
      expect(jm.notes.some((n) => n.startsWith('QEMU 7.2\'s ACPI tables (modelled)'))).to.equal(true);
      expect(jm.pcrs).to.deep.equal(jq.pcrs);
    });
  }
});
