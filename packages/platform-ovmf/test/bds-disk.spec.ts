import { expect } from 'chai';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { decodeDevicePath, devicePathToText } from '@tcg2sim/uefi';
import {
  BM_AUTO_CREATE_BOOT_OPTION_GUID, LOAD_OPTION, MachineDescription, decodeBootOption, defaultOvmfBootOptions, encodeBootOption, expandedDiskLoaderPath,
} from '@tcg2sim/platform-ovmf';

// Bytes read back from real Debian OVMF 2022.11 boots with `-drive if=virtio,format=raw` (a 4 MiB
// GPT disk, ESP at LBA 2048, 4096 sectors, UniquePartitionGUID 0B4F3C2E-5D8A-4E21-9F11-6A7B8C9D0E1F):
// the Boot0002 variable from the variable store after the boot, and the device path of the
// loader's EV_EFI_BOOT_SERVICES_APPLICATION event.
const REAL = {
  q35: {
    boot0002: '010000001600550045004600490020004d006900730063002000440065007600690063006500000002010c00d041030a000000000101060000027fff04004eac0881119f594d850ee21a522c59b2',
    loaderPath: '02010c00d041030a0000000001010600000204012a0001000000000800000000000000100000000000002e3c4f0b8a5d214e9f116a7b8c9d0e1f0202040430005c004500460049005c0042004f004f0054005c0042004f004f0054005800360034002e0045004600490000007fff0400',
  },
  pc: {
    boot0002: '010000001600550045004600490020004d006900730063002000440065007600690063006500000002010c00d041030a000000000101060000037fff04004eac0881119f594d850ee21a522c59b2',
    loaderPath: '02010c00d041030a0000000001010600000304012a0001000000000800000000000000100000000000002e3c4f0b8a5d214e9f116a7b8c9d0e1f0202040430005c004500460049005c0042004f004f0054005c0042004f004f0054005800360034002e0045004600490000007fff0400',
  },
} as const;

const DXEFV = '7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1';

describe('BDS with a virtio-blk disk', () => {
  for (const machine of ['q35', 'pc'] as const) {
    const m = MachineDescription.parse({ machine });

    it(`registers the disk as Boot0002 "UEFI Misc Device" exactly as OVMF wrote it on ${machine}`, () => {
      const options = defaultOvmfBootOptions(m, DXEFV, { virtioDisk: true });
      expect(options.map((o) => [o.number, o.description])).to.deep.equal([
        [0, 'UiApp'], [1, machine === 'q35' ? 'UEFI QEMU DVD-ROM QM00005 ' : 'UEFI QEMU DVD-ROM QM00003 '], [2, 'UEFI Misc Device'], [3, 'EFI Internal Shell'],
      ]);
      const disk = options[2];
      if (disk === undefined) throw new Error('no disk option');
      expect(disk.attributes).to.equal(LOAD_OPTION.ACTIVE);
      expect(toHex(disk.optionalData)).to.equal('4eac0881119f594d850ee21a522c59b2');
      expect(BM_AUTO_CREATE_BOOT_OPTION_GUID).to.equal('8108AC4E-9F11-4D59-850E-E21A522C59B2');
      expect(toHex(encodeBootOption(disk))).to.equal(REAL[machine].boot0002);
    });

    it(`expands the disk option to PciRoot/Pci/HD(1,GPT,…)/\\EFI\\BOOT\\BOOTX64.EFI as the loader's image event shows on ${machine}`, () => {
      const path = expandedDiskLoaderPath(m, {
        partitionNumber: 1, partitionStart: 2048n, partitionSize: 4096n, partitionGuid: '0B4F3C2E-5D8A-4E21-9F11-6A7B8C9D0E1F', filePath: '\\EFI\\BOOT\\BOOTX64.EFI',
      });
      expect(toHex(path.raw)).to.equal(REAL[machine].loaderPath);
      expect(devicePathToText(decodeDevicePath(path.raw))).to.equal(
        `PciRoot(0x0)/Pci(${machine === 'q35' ? '0x2' : '0x3'},0x0)/HD(1,GPT,0B4F3C2E-5D8A-4E21-9F11-6A7B8C9D0E1F,0x800,0x1000)/\\EFI\\BOOT\\BOOTX64.EFI`
      );
    });
  }

  it('recognises a stored disk option (a later boot of the same VM) as the disk to boot', () => {
    for (const machine of ['q35', 'pc'] as const) {
      const m = MachineDescription.parse({ machine });
      const stored = decodeBootOption(2, fromHex(REAL[machine].boot0002), m);
      expect(stored?.target).to.deep.equal({ kind: 'disk' });
      expect(stored?.description).to.equal('UEFI Misc Device');
    }
  });

  it('keeps the three default options when there is no disk', () => {
    expect(defaultOvmfBootOptions(MachineDescription.parse({}), DXEFV).map((o) => o.number)).to.deep.equal([0, 1, 2]);
  });
});
