import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { EV } from '@tcg2sim/event-log';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { bytesDiskSource, findDiskBootLoader } from '@tcg2sim/uefi';
import { buildEfiApplication, buildEspDisk, requirePrerequisites } from '@tcg2sim/test-support';
import { MachineDescription, decompressMemFvs, dxeUintnBytes, peiUintnBytes, predict, specIdUintnSize } from '@tcg2sim/platform-ovmf';

const IA32 = '/usr/share/OVMF/OVMF32_CODE_4M.secboot.fd';
const IA32_X64 = '/usr/share/OVMF/OVMF_CODE_4M.fd';

describe('PEI and DXE processor mode from the cores\' PE machine', function () {
  this.timeout(120000);

  it("Debian's ovmf-ia32 OVMF32_CODE_4M.secboot.fd: IA32 PEI and IA32 DXE (UINTN 4 bytes, Spec ID uintnSize 1)", function () {
    requirePrerequisites(this, { files: [IA32], hint: 'apt-get install -y ovmf-ia32' });
    const sec = decompressMemFvs(readFileSync(IA32));
    expect(peiUintnBytes(sec)).to.equal(4);
    expect(dxeUintnBytes(sec)).to.equal(4);
    expect(specIdUintnSize(dxeUintnBytes(sec))).to.equal(1);
  });

  it("Debian's OVMF_CODE_4M.fd (OvmfPkgIa32X64): IA32 PEI, X64 DXE (Spec ID uintnSize 2)", function () {
    requirePrerequisites(this, { files: [IA32_X64] });
    const sec = decompressMemFvs(readFileSync(IA32_X64));
    expect(peiUintnBytes(sec)).to.equal(4);
    expect(dxeUintnBytes(sec)).to.equal(8);
    expect(specIdUintnSize(dxeUintnBytes(sec))).to.equal(2);
  });

  it('an IA32 DXE with a disk: the prediction stops at the disk option (BOOTIA32.EFI is not modelled)', async function () {
    requirePrerequisites(this, { files: [IA32, '/usr/share/OVMF/OVMF32_VARS_4M.fd'], hint: 'apt-get install -y ovmf-ia32' });
    const backend = new SoftTpmBackend({ banks: ['sha256'] });
    try {
      const p = await predict({
        code: readFileSync(IA32),
        vars: readFileSync('/usr/share/OVMF/OVMF32_VARS_4M.fd'),
        machine: MachineDescription.parse({ machine: 'q35', smm: true }),
        tpmInterface: 'tis',
        backend,
        disk: findDiskBootLoader(bytesDiskSource(buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: buildEfiApplication(new Uint8Array(70_000)) }] }))),
      });
      expect(p.boot.endState).to.match(/^prediction stops at LoadImage/);
      expect(p.boot.notes.some((n) => n.includes('BOOTIA32.EFI'))).to.equal(true);
      expect(p.log.events.some((e) => e.eventType === EV.EFI_GPT_EVENT || e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION)).to.equal(false);
      expect(p.mismatches).to.deep.equal([]);
    } finally {
      await backend.close();
    }
  });
});
