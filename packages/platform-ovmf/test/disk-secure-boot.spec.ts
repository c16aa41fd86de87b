import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EV } from '@tcg2sim/event-log';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { bytesDiskSource, findDiskBootLoader } from '@tcg2sim/uefi';
import { MachineDescription, predict } from '@tcg2sim/platform-ovmf';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, buildEfiApplication, buildEspDisk, requirePrerequisites, sbsign, snakeoilSigner, tempDir } from '@tcg2sim/test-support';

/** Our application with a WIN_CERTIFICATE appended and named by the Security directory. */
function withCertificateTable(pe: Uint8Array): Uint8Array {
  const cert = new Uint8Array(16);
  const cv = new DataView(cert.buffer);
  cv.setUint32(0, cert.length, true);
  cv.setUint16(4, 0x0200, true);
  cv.setUint16(6, 0x0002, true);
  const out = new Uint8Array(pe.length + cert.length);
  out.set(pe);
  out.set(cert, pe.length);
  const v = new DataView(out.buffer);
  const dirs = v.getUint32(0x3c, true) + 24 + 112;
  v.setUint32(dirs + 4 * 8, pe.length, true);
  v.setUint32(dirs + 4 * 8 + 4, cert.length, true);
  return out;
}

describe('booting a disk with Secure Boot on (secboot image, Microsoft keys)', function () {
  this.timeout(60_000);
  const code = join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd');
  const vars = join(OVMF_DIR, 'OVMF_VARS_4M.ms.fd');

  async function boot(loader: Uint8Array): Promise<Prediction> {
    const backend = new SoftTpmBackend({ banks: ['sha256'] });
    try {
      return await predict({
        code: readFileSync(code),
        vars: readFileSync(vars),
        machine: MachineDescription.parse({ machine: 'q35', smm: true }),
        tpmInterface: 'tis',
        backend,
        disk: findDiskBootLoader(bytesDiskSource(buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: loader }] }))),
      });
    } finally {
      await backend.close();
    }
  }

  before(function () {
    requirePrerequisites(this, { files: [code, vars] });
  });

  it('denies an unsigned loader without measuring the GPT or the loader, then tries the Shell', async () => {
    const p = await boot(buildEfiApplication(new Uint8Array(70_000)));
    expect(p.log.events.some((e) => e.eventType === EV.EFI_GPT_EVENT)).to.equal(false);
    const apps = p.log.events.filter((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
    expect(apps).to.have.length(1);
    expect(p.boot.notes.filter((n) => n.startsWith('BDS: ReadyToBoot'))).to.have.length(3);
    expect(p.boot.endState).to.match(/no bootable option started/);
    expect(p.mismatches).to.deep.equal([]);
  });

  it('denies a loader whose certificate table holds no usable signature, like an unsigned one, and tries the Shell', async () => {
    const p = await boot(withCertificateTable(buildEfiApplication(new Uint8Array(70_000))));
    expect(p.log.events.some((e) => e.eventType === EV.EFI_GPT_EVENT || e.eventType === EV.EFI_VARIABLE_AUTHORITY)).to.equal(false);
    expect(p.log.events.filter((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION)).to.have.length(1);
    expect(p.boot.notes.filter((n) => n.startsWith('BDS: ReadyToBoot'))).to.have.length(3);
    expect(p.boot.notes.some((n) => n.includes('EFI_ACCESS_DENIED'))).to.equal(true);
  });

  it('denies a loader signed with the snakeoil key, which the Microsoft db does not hold: no authority event', async function () {
    requirePrerequisites(this, { tools: ['sbsign'], files: ['/usr/share/ovmf/PkKek-1-snakeoil.key'] });
    const tmp = tempDir('tcg2sim-sbdisk-');
    try {
      const p = await boot(sbsign(tmp.path, buildEfiApplication(new Uint8Array(70_000)), snakeoilSigner(tmp.path)));
      expect(p.log.events.some((e) => e.eventType === EV.EFI_VARIABLE_AUTHORITY || e.eventType === EV.EFI_GPT_EVENT)).to.equal(false);
      expect(p.boot.notes.some((n) => /not allowed by a db certificate/.test(n))).to.equal(true);
    } finally {
      tmp.remove();
    }
  });
});
