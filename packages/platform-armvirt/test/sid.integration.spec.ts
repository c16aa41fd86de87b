/**
 * sid's AAVMF (qemu-efi-aarch64 2026.08+ds-2: AAVMF_CODE.secboot.fd and .secboot.strictnx.fd,
 * Tcg2Pei/Tcg2Dxe, no Shell) against its real boots (test/vectors/debian-sid-2026.08: three VM
 * shapes). With the fw_cfg files the installed QEMU builds for each shape (its ACPI blobs) the
 * prediction is the captured log byte for byte and PCRs 0-7 of every bank equal swtpm's, with the
 * soft TPM and with swtpm. What 2026.08 changes on `virt` (docs/armvirt.md §6): PlatformBootManagerLib
 * registers Boot0000 BootManagerMenuApp and Boot0001 "EFI Firmware Setup" (read from BdsDxe). This
 * build has no SmbiosMeasurementDxe: SMBIOS is not measured. The images are fetched by
 * scripts/fetch-debian-firmware.sh, never committed.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BankName } from '@tcg2sim/hash-lib';
import { RealClock } from '@tcg2sim/ptp';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { armVirtFeatures, armVirtImage, predictArmVirt, profileArmVirt } from '@tcg2sim/platform-armvirt';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import { unmodelledMeasurements } from '@tcg2sim/platform-ovmf';
import { requirePrerequisites, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { expectCaptured } from './expect-captured.ts';
import { virtFwCfg } from './virt-fw-cfg.ts';

const DIR = join(CACHE, 'debian-sid', 'qemu-efi-aarch64', 'usr', 'share', 'AAVMF');
const VARS = join(DIR, 'AAVMF_VARS.fd');
const VECTOR = fileURLToPath(new URL('../../test/vectors/debian-sid-2026.08/', import.meta.url));
const HINT = 'run scripts/fetch-debian-firmware.sh sid qemu-efi-aarch64';

interface Shape {
  readonly name: string;
  readonly code: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly banks: readonly BankName[] | undefined;
}

/** The captured shapes (RAM, CPUs and banks change the SMBIOS-free log only through QEMU's ACPI blobs and the bank set). */
const SHAPES: readonly Shape[] = [
  { name: 'secboot-m1024c1all', code: 'AAVMF_CODE.secboot.fd', memoryMiB: 1024, cpus: 1, banks: undefined },
  { name: 'secboot-m2048c2all', code: 'AAVMF_CODE.secboot.fd', memoryMiB: 2048, cpus: 2, banks: undefined },
  { name: 'strictnx-m512c1sha256', code: 'AAVMF_CODE.secboot.strictnx.fd', memoryMiB: 512, cpus: 1, banks: ['sha256'] },
];

function vector(name: string): { eventLog: Uint8Array; pcrs: Record<string, Record<string, string>> } {
  return {
    eventLog: new Uint8Array(readFileSync(join(VECTOR, `${name}-eventlog.bin`))),
    pcrs: (JSON.parse(readFileSync(join(VECTOR, `${name}-pcrs.json`), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs,
  };
}

describe('sid AAVMF 2026.08: the image says what it measures', () => {
  it('ACPI DATA yes, SMBIOS no (no SmbiosMeasurementDxe), no Shell', function () {
    const code = join(DIR, 'AAVMF_CODE.secboot.fd');
    requirePrerequisites(this, { files: [code], hint: HINT });
    const f = armVirtFeatures(armVirtImage(new Uint8Array(readFileSync(code))));
    expect(f['acpiDataMeasured']?.present).to.equal(true);
    expect(f['smbiosMeasured']?.present).to.equal(false);
    expect(f['shell']?.present).to.equal(false);
    expect(unmodelledMeasurements(f)).to.have.length(1);
  });

  it("profile names BdsDxe's options: BootManagerMenuApp and \"EFI Firmware Setup\", no Shell", function () {
    const code = join(DIR, 'AAVMF_CODE.secboot.fd');
    requirePrerequisites(this, { files: [code], hint: HINT });
    const p = profileArmVirt(new Uint8Array(readFileSync(code)));
    expect(p.modelled).to.include('BDS: BootManagerMenuApp, "EFI Firmware Setup" (PlatformBootManagerLib, read from BdsDxe) on a VM without boot devices');
  });

  it('the vectors are there even when the images are not', () => {
    for (const s of SHAPES) expect(existsSync(join(VECTOR, `${s.name}-eventlog.bin`)), s.name).to.equal(true);
  });
});

for (const s of SHAPES) {
  describe(`prediction with QEMU's fw_cfg files = captured sid AAVMF 2026.08 boot ${s.name}: every event byte for byte, PCRs 0-7 @integration`, function () {
    this.timeout(120_000);
    const code = join(DIR, s.code);
    let fw: { code: Uint8Array; vars: Uint8Array; fwCfgFiles: Map<string, Uint8Array> };

    before(async function () {
      requirePrerequisites(this, { files: [code, VARS], tools: ['qemu-system-aarch64', 'swtpm'], hint: HINT });
      fw = { code: new Uint8Array(readFileSync(code)), vars: new Uint8Array(readFileSync(VARS)), fwCfgFiles: await virtFwCfg(s.memoryMiB, s.cpus) };
    });

    const predict = (backend: TpmBackend, clock?: RealClock): Promise<Prediction> =>
      predictArmVirt({ ...fw, machine: { memoryMiB: s.memoryMiB, cpus: s.cpus }, backend, ...(clock !== undefined ? { clock } : {}) });

    it('soft TPM', async () => {
      const backend = new SoftTpmBackend(s.banks !== undefined ? { banks: s.banks } : {});
      try {
        const p = await predict(backend);
        expectCaptured(p, vector(s.name));
        expect(p.boot.acpiDataMeasured).to.equal(true);
        expect(p.boot.notes.join('\n')).to.include('EFI Firmware Setup');
      } finally {
        await backend.close();
      }
    });

    it('swtpm', async function () {
      requirePrerequisites(this, { tools: s.banks !== undefined ? ['swtpm', 'swtpm_setup'] : ['swtpm'] });
      const backend = await SwtpmBackend.start(s.banks !== undefined ? { pcrBanks: s.banks } : {});
      try {
        expectCaptured(await predict(backend, new RealClock()), vector(s.name));
      } finally {
        await backend.close();
      }
    });
  });
}
