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

  it('splits RAM as QEMU 7.2 does for q35 and pc', () => {
    expect(ramLayout(MachineDescription.parse({ machine: 'q35', memoryMiB: 2048 }))).to.deep.equal({ belowFourG: 0x80000000, aboveFourG: 0n });
    expect(ramLayout(MachineDescription.parse({ machine: 'q35', memoryMiB: 2560 }))).to.deep.equal({ belowFourG: 0xa0000000, aboveFourG: 0n });
    expect(ramLayout(MachineDescription.parse({ machine: 'q35', memoryMiB: 4096 }))).to.deep.equal({ belowFourG: 0x80000000, aboveFourG: 0x80000000n });
    expect(ramLayout(MachineDescription.parse({ machine: 'pc', memoryMiB: 4096 }))).to.deep.equal({ belowFourG: 0xc0000000, aboveFourG: 0x40000000n });
  });
});
