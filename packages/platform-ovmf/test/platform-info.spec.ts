import { expect } from 'chai';
import { encode } from '@tcg2sim/binary-codec';
import {
  computePlatformInfo, DEBIAN_2022_11_BUILD, EFIHobPlatformInfo, MachineDescription, PLATFORM_INFO_SIZE,
  ramLayout,
} from '@tcg2sim/platform-ovmf';

describe('EFI_HOB_PLATFORM_INFO', () => {
  it('is 138 packed bytes', () => {
    const v = computePlatformInfo(MachineDescription.parse({}), DEBIAN_2022_11_BUILD);
    expect(encode(EFIHobPlatformInfo, v).length).to.equal(PLATFORM_INFO_SIZE);
  });

  // Observed in guest RAM at PEIFV+0xE0C0 after a real boot (docs/edk2-pei.md §6.3):
  // QEMU 7.2 q35, 1 GiB, 1 vCPU, TCG, Debian OVMF_CODE_4M.fd.
  it('reproduces the values observed for q35, 1 GiB, 1 vCPU', () => {
    const v = computePlatformInfo(MachineDescription.parse({ machine: 'q35', memoryMiB: 1024 }), DEBIAN_2022_11_BUILD);
    expect(v.hostBridgeDevId).to.equal(0x29c0);
    expect(v.s3Supported).to.equal(1);
    expect(v.firstNonAddress).to.equal(0x1000000000n);
    expect(v.physMemAddressWidth).to.equal(0x28);
    expect(v.uc32Base).to.equal(0x80000000);
    expect(v.pcdPciMmio64Base).to.equal(0xe000000000n);
    expect(v.pcdPciMmio64Size).to.equal(0x2000000000n);
    expect(v.pcdPciMmio32Base).to.equal(0xc0000000);
    expect(v.pcdPciMmio32Size).to.equal(0x3c000000);
    expect(v.pcdPciIoBase).to.equal(0x6000n);
    expect(v.pcdPciIoSize).to.equal(0xa000n);
    expect(v.pcdCpuBootLogicalProcessorNumber).to.equal(1);
    expect(v.pcdCpuMaxLogicalProcessorNumber).to.equal(1);
    expect(v.defaultMaxCpuNumber).to.equal(0x40);
    expect(v.s3AcpiReservedMemoryBase).to.equal(0x3ff78000);
    expect(v.s3AcpiReservedMemorySize).to.equal(0x88000);
  });

  // mPlatformInfoHob read from guest RAM (PEIFV+0xDD80, QMP pmemsave at the Shell) after a real
  // boot of Debian's OVMF32_CODE_4M.secboot.fd (IA32 PEI and DXE): QEMU 7.2 q35 + SMM, 512 MiB,
  // 1 vCPU. It differs from an X64 DXE's in FirstNonAddress only: 4 GiB, no 64-bit aperture.
  it('reproduces the bytes an IA32-DXE build leaves for q35 + SMM, 512 MiB (FirstNonAddress 4 GiB)', () => {
    const real =
      '000000000000000000000000000000000000000000000000c029000000000000000000000000000101011000000000000100000028000000800000000000' +
      '000000000000000000000000e00000000000000020000000000000c00000003c006000000000000000a000000000000000000000000000000100000001000000' +
      '400000000080f71e00800800';
    const m = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, smm: true });
    const ia32 = computePlatformInfo(m, { ...DEBIAN_2022_11_BUILD, smmSmramRequire: true, ia32Dxe: true });
    expect(Buffer.from(encode(EFIHobPlatformInfo, ia32)).toString('hex')).to.equal(real);
    const x64 = computePlatformInfo(m, { ...DEBIAN_2022_11_BUILD, smmSmramRequire: true });
    expect(x64.firstNonAddress).to.equal(0x1000000000n);
    expect({ ...x64, firstNonAddress: 0x100000000n }).to.deep.equal(ia32);
  });

  it('splits RAM as QEMU 7.2 does for q35 and pc', () => {
    expect(ramLayout(MachineDescription.parse({ machine: 'q35', memoryMiB: 2048 }))).to.deep.equal({ belowFourG: 0x80000000, aboveFourG: 0n });
    expect(ramLayout(MachineDescription.parse({ machine: 'q35', memoryMiB: 2560 }))).to.deep.equal({ belowFourG: 0xa0000000, aboveFourG: 0n });
    expect(ramLayout(MachineDescription.parse({ machine: 'q35', memoryMiB: 4096 }))).to.deep.equal({ belowFourG: 0x80000000, aboveFourG: 0x80000000n });
    expect(ramLayout(MachineDescription.parse({ machine: 'pc', memoryMiB: 4096 }))).to.deep.equal({ belowFourG: 0xc0000000, aboveFourG: 0x40000000n });
  });
});
