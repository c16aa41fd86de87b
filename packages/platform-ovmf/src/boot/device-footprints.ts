/**
 * What each PCI device's drivers leave allocated in DXE memory above BDS's boot-file buffers
 * (ImageLocationInMemory, image-buffer.ts): DXE's page allocator works top-down, so every page a
 * driver keeps before BDS reads the file moves the buffer down by that much. The model is a sum
 * of per-device footprints on top of the calibration (QEMU's default devices: VGA, the ICH9 AHCI
 * with the empty DVD-ROM, 1 CPU, S3), each footprint measured on real boots by adding or removing
 * that one device. Pool allocations share pages, so sums can be off by a page where devices meet
 * in one pool page; the notes say which devices have no measured footprint.
 *
 * Measured on Debian's OVMF 2022.11-6+deb12u2 OVMF_CODE_4M.fd, q35, QEMU 7.2, 2048 MiB, 2 CPUs,
 * S3 off, tpm-crb, fresh OVMF_VARS_4M.fd, Debian's shim on a FAT12 ESP on virtio-blk behind a
 * pcie-root-port (libvirt's placement), `tcg2sim capture --qemu-cmdline`; shim's
 * ImageLocationInMemory: -nodefaults with the disk at 02.0 0x7E1AB018; with libvirt's seven
 * pcie-root-ports (disk behind the fourth) 0x7E1A4018; plus qemu-xhci 0x7E17C018, plus
 * virtio-serial-pci 0x7E1A3018, plus virtio-rng-pci 0x7E1A1018, plus virtio-balloon-pci
 * 0x7E1A2018; QEMU's default devices (`-net none`, disk at 02.0) 0x7E15C018.
 *
 * Sums: with the disk's bootindex (BDS connects only the disk) the four together moved shim
 * 0x2E000, their footprints' sum, and qemu-xhci alone 0x27000; without bootindex the four
 * together moved it 0x2C000 (0x7E178018), and with a virtio-net-pci NIC as well 0x278000
 * (0x7DF2C018): two pages less than the sum. Pool pages the drivers share make the footprints
 * add up only to within a page or two; an allocation-by-allocation model would be exact.
 */
import { pciPathText } from './pci-path.ts';
import type { PciPath } from './pci-path.ts';
import type { CalibrationPoint } from './calibration-point.ts';

/** A calibration point and machine (calibration-point.ts). */
export type PointKey = `${CalibrationPoint}:${'q35' | 'pc'}`;

/** A PCI device that is neither a NIC nor a disk: bridges, USB controllers, virtio-serial, balloon, rng, displays. */
export interface PlatformDevice {
  /** QEMU's device model (`qemu-xhci`, `pcie-root-port`, …). */
  readonly driver: string;
  readonly pciPath: PciPath;
}

/** The calibration point of Debian 12's OVMF_CODE_4M.fd, q35 (calibration-point.ts). */
const OVMF_CODE_4M_Q35 = 'x64-4m:q35';

/**
 * Footprints above the disk loader's buffer, per calibration point (calibration-point.ts) and machine. pcie-root-port: 0x7000 for
 * libvirt's seven (PciBus's bridge devices and their resources), a page each; qemu-xhci 0x28000
 * (OVMF connects every USB host controller for USB keyboards: XhciDxe's rings and scratchpad);
 * virtio-serial-pci 0x1000; virtio-rng-pci 0x3000 (OVMF's BDS connects it for the RNG protocol);
 * virtio-balloon-pci 0x2000 (no driver in OVMF: PciBus's device alone); pci-bridge 0x3000 (one
 * boot, -nodefaults, the disk and a virtio-net-pci NIC behind it at 03.0: shim at 0x7DF5C018,
 * with the NIC's share as behind a root port); VGA (QemuVideoDxe's
 * mode buffers) 0x2B000, the split of the 0x4F000 `-nodefaults` gives back between VGA and the
 * DVD-ROM taken from the DVD-ROM's share (EMPTY_DVD_FOOTPRINT).
 */
const DISK_FOOTPRINTS: ReadonlyMap<PointKey, ReadonlyMap<string, bigint>> = new Map([
  [OVMF_CODE_4M_Q35, new Map([
    ['pcie-root-port', 0x1000n],
    ['pci-bridge', 0x3000n],
    ['qemu-xhci', 0x28000n],
    ['virtio-serial-pci', 0x1000n],
    ['virtio-rng-pci', 0x3000n],
    ['virtio-balloon-pci', 0x2000n],
    ['VGA', 0x2b000n],
  ])],
]);

/**
 * Footprints above the UEFI Shell's buffer (no disk), measured on the same build, q35, 1024 MiB,
 * 2 CPUs, S3 off, -nodefaults: pcie-root-port and virtio-balloon-pci none (three empty root ports,
 * a balloon alone), qemu-xhci 0x12000. (libvirt's minimal set, three root ports, xhci and balloon,
 * measured 0x16000: the sum is a page-granular estimate.)
 */
const SHELL_FOOTPRINTS: ReadonlyMap<PointKey, ReadonlyMap<string, bigint>> = new Map([
  [OVMF_CODE_4M_Q35, new Map([
    ['pcie-root-port', 0n],
    ['qemu-xhci', 0x12000n],
    ['virtio-balloon-pci', 0n],
  ])],
]);

/**
 * The default devices' part of the disk calibration: the ICH9 AHCI connected with no device on it
 * (0x108000: the same VM with a disk bootindex, which leaves the AHCI unconnected, put shim that
 * much higher, -nodefaults), and the empty DVD-ROM on it (0x24000: the 0x12C000 an unconnected
 * AHCI gives with QEMU's default devices and one disk, less the AHCI's own). With the AHCI
 * unconnected, each further disk controller or NIC on the command line gives a page of it back
 * (AHCI_PER_DEVICE, fitted on the boot-order boots, disk-nic-image-buffer.ts).
 */
export const AHCI_FOOTPRINT: ReadonlyMap<PointKey, bigint> = new Map([[OVMF_CODE_4M_Q35, 0x108000n]]);
export const EMPTY_DVD_FOOTPRINT: ReadonlyMap<PointKey, bigint> = new Map([[OVMF_CODE_4M_Q35, 0x24000n]]);
export const AHCI_PER_DEVICE = 0x1000n;

/**
 * Disk boots with other CPU counts or S3 settings than the calibration's (1 CPU, S3): measured
 * 2 CPUs S3 off 0xB000 higher (QEMU's default devices, 2048 MiB); others fall back to the
 * Shell's table (cpu-s3-shift.ts), which differs from this one by a page.
 */
export const DISK_CPU_S3_SHIFT: ReadonlyMap<PointKey, ReadonlyMap<string, bigint>> = new Map([
  [OVMF_CODE_4M_Q35, new Map([['2/2:no-s3', 0xb000n]])],
]);

/** The sum of `devices`' footprints above the `buffer`, and the devices without a measured one. */
export function devicesShift(point: CalibrationPoint | undefined, machine: 'q35' | 'pc', buffer: 'disk' | 'shell', devices: readonly PlatformDevice[]): { shift: bigint; unmeasured: string[] } {
  const table = point === undefined ? undefined : (buffer === 'disk' ? DISK_FOOTPRINTS : SHELL_FOOTPRINTS).get(`${point}:${machine}`);
  let shift = 0n;
  const unmeasured: string[] = [];
  for (const d of devices) {
    const f = table?.get(d.driver);
    if (f === undefined) unmeasured.push(`${d.driver} at ${pciPathText(d.pciPath)}`);
    else shift += f;
  }
  return { shift, unmeasured };
}
