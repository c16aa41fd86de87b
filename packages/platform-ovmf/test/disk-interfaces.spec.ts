import { expect } from 'chai';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import {
  MachineDescription, decodeBootOption, defaultOvmfBootOptions, diskOptions, diskQemuArguments, encodeBootOption, expandedDiskLoaderPath, imageBufferAddress,
} from '@tcg2sim/platform-ovmf';
import type { DiskInterface } from '@tcg2sim/platform-ovmf';

// Bytes read back from real Debian OVMF 2022.11 boots under QEMU 7.2 (512 MiB, q35 OVMF_CODE_4M.fd,
// pc OVMF_CODE.fd) with a GPT disk whose FAT12 ESP (LBA 2048, 4096 sectors, UniquePartitionGUID
// 0B4F3C2E-5D8A-4E21-9F11-6A7B8C9D0E1F) holds Debian's shimx64.efi.signed as BOOTX64.EFI: the disk's
// Boot#### from the store after the boot, and the device path of shim's
// EV_EFI_BOOT_SERVICES_APPLICATION event (`two`: two virtio-blk disks, the second's Boot0003).
const REAL: Record<string, { boot: string; imagePath: string }> = {
  nvme: { boot: '01000000260055004500460049002000510045004d00550020004e0056004d00650020004300740072006c0020007400630067003200730069006d00300020003100000002010c00d041030a00000000010106000002031710000100000000000000000000007fff04004eac0881119f594d850ee21a522c59b2', imagePath: '02010c00d041030a000000000101060000020317100001000000000000000000000004012a0001000000000800000000000000100000000000002e3c4f0b8a5d214e9f116a7b8c9d0e1f0202040430005c004500460049005c0042004f004f0054005c0042004f004f0054005800360034002e0045004600490000007fff0400' },
  sata: { boot: '01000000200055004500460049002000510045004d005500200048004100520044004400490053004b00200051004d00300030003000300031002000000002010c00d041030a0000000001010600021f03120a000000ffff00007fff04004eac0881119f594d850ee21a522c59b2', imagePath: '02010c00d041030a0000000001010600021f03120a000000ffff000004012a0001000000000800000000000000100000000000002e3c4f0b8a5d214e9f116a7b8c9d0e1f0202040430005c004500460049005c0042004f004f0054005c0042004f004f0054005800360034002e0045004600490000007fff0400' },
  scsi: { boot: '010000001e0055004500460049002000510045004d0055002000510045004d005500200048004100520044004400490053004b002000000002010c00d041030a0000000001010600000203020800000000007fff04004eac0881119f594d850ee21a522c59b2', imagePath: '02010c00d041030a00000000010106000002030208000000000004012a0001000000000800000000000000100000000000002e3c4f0b8a5d214e9f116a7b8c9d0e1f0202040430005c004500460049005c0042004f004f0054005c0042004f004f0054005800360034002e0045004600490000007fff0400' },
  two: { boot: '010000001600550045004600490020004d00690073006300200044006500760069006300650020003200000002010c00d041030a000000000101060000037fff04004eac0881119f594d850ee21a522c59b2', imagePath: '02010c00d041030a0000000001010600000204012a0001000000000800000000000000100000000000002e3c4f0b8a5d214e9f116a7b8c9d0e1f0202040430005c004500460049005c0042004f004f0054005c0042004f004f0054005800360034002e0045004600490000007fff0400' },
  pcnvme: { boot: '01000000260055004500460049002000510045004d00550020004e0056004d00650020004300740072006c0020007400630067003200730069006d00300020003100000002010c00d041030a00000000010106000003031710000100000000000000000000007fff04004eac0881119f594d850ee21a522c59b2', imagePath: '02010c00d041030a000000000101060000030317100001000000000000000000000004012a0001000000000800000000000000100000000000002e3c4f0b8a5d214e9f116a7b8c9d0e1f0202040430005c004500460049005c0042004f004f0054005c0042004f004f0054005800360034002e0045004600490000007fff0400' },
  pcsata: { boot: '01000000200055004500460049002000510045004d005500200048004100520044004400490053004b00200051004d00300030003000300035002000000002010c00d041030a0000000001010600000303120a000000ffff00007fff04004eac0881119f594d850ee21a522c59b2', imagePath: '02010c00d041030a0000000001010600000303120a000000ffff000004012a0001000000000800000000000000100000000000002e3c4f0b8a5d214e9f116a7b8c9d0e1f0202040430005c004500460049005c0042004f004f0054005c0042004f004f0054005800360034002e0045004600490000007fff0400' },
  pcscsi: { boot: '010000001e0055004500460049002000510045004d0055002000510045004d005500200048004100520044004400490053004b002000000002010c00d041030a0000000001010600000303020800000000007fff04004eac0881119f594d850ee21a522c59b2', imagePath: '02010c00d041030a00000000010106000003030208000000000004012a0001000000000800000000000000100000000000002e3c4f0b8a5d214e9f116a7b8c9d0e1f0202040430005c004500460049005c0042004f004f0054005c0042004f004f0054005800360034002e0045004600490000007fff0400' },
};

interface Case {
  readonly key: string;
  readonly machine: 'q35' | 'pc';
  readonly disks: readonly DiskInterface[];
  readonly number: number;
  /** Where shim's buffer was (ImageLocationInMemory of the real image event). */
  readonly buffer: bigint;
}

const CASES: readonly Case[] = [
  { key: 'nvme', machine: 'q35', disks: ['nvme'], number: 2, buffer: 0x1e14a018n },
  { key: 'sata', machine: 'q35', disks: ['sata'], number: 1, buffer: 0x1e17a018n },
  { key: 'scsi', machine: 'q35', disks: ['scsi'], number: 1, buffer: 0x1e172018n },
  { key: 'two', machine: 'q35', disks: ['virtio', 'virtio'], number: 3, buffer: 0x1e0b8018n },
  { key: 'pcnvme', machine: 'pc', disks: ['nvme'], number: 2, buffer: 0x1e259018n },
  { key: 'pcsata', machine: 'pc', disks: ['sata'], number: 1, buffer: 0x1e181018n },
  { key: 'pcscsi', machine: 'pc', disks: ['scsi'], number: 1, buffer: 0x1e281018n },
];

const DXEFV = '7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1';
const BUILDS = {
  q35: 'x64-4m', // OVMF_CODE_4M.fd
  pc: 'x64-2m-tdx', // OVMF_CODE.fd
} as const;
/** Debian's shimx64.efi.signed (shim-signed 1.51~1+deb12u1+16.1-2~deb12u1). */
const SHIM_SIZE = 1048504;

describe('BDS with a disk on NVMe, SATA, virtio-scsi, or two disks', () => {
  for (const c of CASES) {
    const m = MachineDescription.parse({ machine: c.machine, memoryMiB: 512 });
    const real = REAL[c.key];
    if (real === undefined) throw new Error(c.key);

    it(`${c.key}: Boot${c.number.toString().padStart(4, '0')} is byte for byte what OVMF wrote, and BootOrder numbers follow (${c.machine})`, () => {
      const options = defaultOvmfBootOptions(m, DXEFV, { disks: c.disks });
      const o = options.find((x) => x.number === c.number);
      expect(o).to.not.equal(undefined);
      if (o === undefined) return;
      expect(toHex(encodeBootOption(o))).to.equal(real.boot);
      // Without the default CD-ROM (SATA, SCSI) the disk is Boot0001; the Shell is always last.
      expect(options.map((x) => x.number)).to.deep.equal([...Array(options.length).keys()]);
      expect(options.at(-1)?.description).to.equal('EFI Internal Shell');
      expect(decodeBootOption(c.number, fromHex(real.boot), m, c.disks)?.target).to.deep.equal(c.disks.length > 1 ? { kind: 'disk', index: 1 } : { kind: 'disk' });
    });

    if (c.key !== 'two') {
      it(`${c.key}: the loader's image event path is the option's path + HD(1,GPT,…) + \\EFI\\BOOT\\BOOTX64.EFI (${c.machine})`, () => {
        const path = expandedDiskLoaderPath(m, {
          partitionNumber: 1, partitionStart: 2048n, partitionSize: 4096n, partitionGuid: '0B4F3C2E-5D8A-4E21-9F11-6A7B8C9D0E1F', filePath: '\\EFI\\BOOT\\BOOTX64.EFI',
        }, c.disks);
        expect(toHex(path.raw)).to.equal(real.imagePath);
      });
    }

    it(`${c.key}: the loader buffer model gives the measured ImageLocationInMemory 0x${c.buffer.toString(16)} (${c.machine})`, () => {
      const at = imageBufferAddress({
        machine: m, activePcrBanks: 0x0f, fileSize: SHIM_SIZE, calibration: BUILDS[c.machine], tsegBytes: 0, source: 'disk', diskAttached: true, diskFatKind: 'FAT12', diskOtherPartitions: 0, diskInterfaces: c.disks,
      });
      expect(at).to.equal(c.buffer);
    });
  }

  it('without SHA1, pc OVMF_CODE.fd with a virtio-scsi disk: the buffer a real boot measured (1536 MiB, CRB, sha256-only)', () => {
    const m = MachineDescription.parse({ machine: 'pc', memoryMiB: 1536 });
    const at = imageBufferAddress({
      machine: m, activePcrBanks: 0x02, fileSize: SHIM_SIZE, calibration: BUILDS.pc, tsegBytes: 0, source: 'disk', diskAttached: true, diskFatKind: 'FAT12', diskOtherPartitions: 0, diskInterfaces: ['scsi'],
    });
    expect(at).to.equal(0x5e296018n);
  });

  it('orders fixed disks by PCI slot, not command line: q35 SATA (0x1F.2) after virtio-scsi (0x2), as OVMF wrote them', () => {
    // Real boot: `-device ide-hd` (SATA port 0) before `-device virtio-scsi-pci` + scsi-hd on the
    // command line; BootOrder 0000,0001,0002,0003.
    const real = [
      '010000001e0055004500460049002000510045004d0055002000510045004d005500200048004100520044004400490053004b002000000002010c00d041030a0000000001010600000203020800000000007fff04004eac0881119f594d850ee21a522c59b2',
      '01000000200055004500460049002000510045004d005500200048004100520044004400490053004b00200051004d00300030003000300031002000000002010c00d041030a0000000001010600021f03120a000000ffff00007fff04004eac0881119f594d850ee21a522c59b2',
    ];
    const m = MachineDescription.parse({ machine: 'q35' });
    const options = defaultOvmfBootOptions(m, DXEFV, { disks: ['sata', 'scsi'] });
    expect(options.map((o) => o.number)).to.deep.equal([0, 1, 2, 3]);
    expect(options.slice(1, 3).map((o) => toHex(encodeBootOption(o)))).to.deep.equal(real);
    // The SCSI disk (the second on the command line) is the one BDS tries first.
    expect(options[1]?.target).to.deep.equal({ kind: 'disk', index: 1 });
  });

  it('puts an NVMe disk at 0x2 before a virtio-blk one at 0x3 (command-line order), as OVMF wrote them', () => {
    const real = [
      '01000000260055004500460049002000510045004d00550020004e0056004d00650020004300740072006c0020007400630067003200730069006d00300020003100000002010c00d041030a00000000010106000002031710000100000000000000000000007fff04004eac0881119f594d850ee21a522c59b2',
      '010000001600550045004600490020004d006900730063002000440065007600690063006500000002010c00d041030a000000000101060000037fff04004eac0881119f594d850ee21a522c59b2',
    ];
    const options = defaultOvmfBootOptions(MachineDescription.parse({ machine: 'q35' }), DXEFV, { disks: ['nvme', 'virtio'] });
    expect(options.slice(2, 4).map((o) => toHex(encodeBootOption(o)))).to.deep.equal(real);
  });

  it('numbers SATA ports, SCSI targets and NVMe serials by the order of disks of that kind (a model beyond the measured pairs)', () => {
    const m = MachineDescription.parse({ machine: 'q35' });
    const o = diskOptions(m, ['sata', 'nvme', 'sata', 'scsi', 'nvme', 'scsi']);
    // In BDS's order (PCI slot, then port/target), with each disk's command-line index.
    expect(o.map((x) => [x.index, x.text])).to.deep.equal([
      [1, 'PciRoot(0x0)/Pci(0x2,0x0)/NVMe(0x1,00-00-00-00-00-00-00-00)'], [3, 'PciRoot(0x0)/Pci(0x3,0x0)/Scsi(0x0,0x0)'], [5, 'PciRoot(0x0)/Pci(0x3,0x0)/Scsi(0x1,0x0)'],
      [4, 'PciRoot(0x0)/Pci(0x4,0x0)/NVMe(0x1,00-00-00-00-00-00-00-00)'], [0, 'PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)'], [2, 'PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x1,0xFFFF,0x0)'],
    ]);
    expect(o.map((x) => x.description)).to.deep.equal([
      'UEFI QEMU NVMe Ctrl tcg2sim0 1', 'UEFI QEMU QEMU HARDDISK ', 'UEFI QEMU QEMU HARDDISK  2', 'UEFI QEMU NVMe Ctrl tcg2sim1 1', 'UEFI QEMU HARDDISK QM00001 ', 'UEFI QEMU HARDDISK QM00003 ',
    ]);
  });

  it('builds the QEMU arguments capture attaches the disks with, controllers in the same order', () => {
    expect(diskQemuArguments('pc', [{ file: '/d/a,b.img', iface: 'sata' }, { file: '/d/c.img', iface: 'scsi' }, { file: '/d/e.img', iface: 'nvme' }])).to.deep.equal([
      '-drive', 'if=none,id=tcg2sim-disk0,format=raw,snapshot=on,file=/d/a,,b.img', '-device', 'ahci,id=tcg2sim-ahci', '-device', 'ide-hd,drive=tcg2sim-disk0,bus=tcg2sim-ahci.0',
      '-drive', 'if=none,id=tcg2sim-disk1,format=raw,snapshot=on,file=/d/c.img', '-device', 'virtio-scsi-pci,id=tcg2sim-scsi', '-device', 'scsi-hd,drive=tcg2sim-disk1,bus=tcg2sim-scsi.0,scsi-id=0,lun=0',
      '-drive', 'if=none,id=tcg2sim-disk2,format=raw,snapshot=on,file=/d/e.img', '-device', 'nvme,drive=tcg2sim-disk2,serial=tcg2sim0',
    ]);
    expect(diskQemuArguments('q35', [{ file: 'x', iface: 'sata' }, { file: 'y', iface: 'virtio' }]).filter((a) => a.startsWith('ide-hd') || a.startsWith('virtio-blk'))).to.deep.equal([
      'ide-hd,drive=tcg2sim-disk0,bus=ide.0', 'virtio-blk-pci,drive=tcg2sim-disk1',
    ]);
  });
});
