import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { requirePrerequisites } from '@tcg2sim/test-support';
import { decompressMemFvs, dxeUintnBytes, peiUintnBytes, specIdUintnSize } from '@tcg2sim/platform-ovmf';

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
});
