/**
 * What QEMU 7.2's PCI devices show the firmware in their configuration space, for the models the
 * no-QEMU ACPI prediction covers: identity, class, BARs (register, type, size) and expansion ROM
 * size, with default properties. Measured with the installed QEMU 7.2 under qtest
 * (`scanPciHierarchy` over `qtestConfigSpace`); test/qemu72-pci.integration.spec.ts checks the
 * table against it. virtio devices are transitional (a legacy I/O BAR, legacy device IDs) on a
 * root bus and modern-only behind a PCI Express port (QEMU's `disable-legacy=auto`,
 * hw/virtio/virtio-pci.c). Expansion ROM sizes are those of QEMU's default ROM files as Debian
 * packages them (ipxe-qemu's efi-*.rom: 256 KiB BARs; seabios' vgabios-stdvga.bin: 64 KiB); a
 * ROM only moves 32-bit resources, which QEMU's ACPI tables do not show.
 */
import type { BarKind } from './scan.ts';

/** One BAR: register offset, what it decodes, size in bytes (a power of two). */
export interface ModelBar {
  readonly offset: number;
  readonly kind: BarKind;
  readonly size: number;
}

/** One PCI function as QEMU 7.2 presents it. */
export interface ModelFunctionKind {
  readonly vendor: number;
  readonly device: number;
  /** Base class, subclass and programming interface. */
  readonly classCode: number;
  readonly bars: readonly ModelBar[];
  readonly romSize: number;
  /**
   * A PCI Express root port (pcie-root-port, Red Hat 1B36:000C): a PCI-to-PCI bridge with a
   * 64-bit prefetchable window and a hot-plug capable slot, no resource reservation capability.
   */
  readonly rootPort?: boolean;
}

const io = (offset: number, size: number): ModelBar => ({ offset, kind: 'io', size });
const mem32 = (offset: number, size: number): ModelBar => ({ offset, kind: 'mem32', size });
const pmem32 = (offset: number, size: number): ModelBar => ({ offset, kind: 'pmem32', size });
const mem64 = (offset: number, size: number): ModelBar => ({ offset, kind: 'mem64', size });
const pmem64 = (offset: number, size: number): ModelBar => ({ offset, kind: 'pmem64', size });

const KiB = 1024;
const IPXE_ROM = 256 * KiB;
const RED_HAT_VIRTIO = 0x1af4;

/** A virtio device: legacy I/O BAR on a root bus, MSI-X table BAR when it has vectors, the 16 KiB modern BAR. */
function virtio(legacyId: number, modernId: number, classCode: number, legacyIo: number, msix: boolean, romSize = 0): (express: boolean) => ModelFunctionKind {
  return (express) => ({
    vendor: RED_HAT_VIRTIO,
    device: express ? modernId : legacyId,
    classCode,
    bars: [...(express ? [] : [io(0x10, legacyIo)]), ...(msix ? [mem32(0x14, 4 * KiB)] : []), pmem64(0x20, 16 * KiB)],
    romSize,
  });
}
const fixed = (f: ModelFunctionKind) => (): ModelFunctionKind => f;

/** `-device` drivers the model knows, by name: the function as QEMU 7.2 presents it on a root bus or behind a PCIe port. */
export const QEMU72_PCI_DEVICES: Readonly<Record<string, (express: boolean) => ModelFunctionKind>> = {
  'virtio-net-pci': virtio(0x1000, 0x1041, 0x020000, 0x20, true, IPXE_ROM),
  'virtio-blk-pci': virtio(0x1001, 0x1042, 0x010000, 0x80, true),
  'virtio-scsi-pci': virtio(0x1004, 0x1048, 0x010000, 0x40, true),
  'virtio-rng-pci': virtio(0x1005, 0x1044, 0x00ff00, 0x20, true),
  'virtio-serial-pci': virtio(0x1003, 0x1043, 0x078000, 0x40, true),
  'virtio-balloon-pci': virtio(0x1002, 0x1045, 0x00ff00, 0x40, false),
  e1000: fixed({ vendor: 0x8086, device: 0x100e, classCode: 0x020000, bars: [mem32(0x10, 128 * KiB), io(0x14, 0x40)], romSize: IPXE_ROM }),
  e1000e: fixed({ vendor: 0x8086, device: 0x10d3, classCode: 0x020000, bars: [mem32(0x10, 128 * KiB), mem32(0x14, 128 * KiB), io(0x18, 0x20), mem32(0x1c, 16 * KiB)], romSize: IPXE_ROM }),
  nvme: fixed({ vendor: 0x1b36, device: 0x0010, classCode: 0x010802, bars: [mem64(0x10, 16 * KiB)], romSize: 0 }),
  ahci: fixed({ vendor: 0x8086, device: 0x2922, classCode: 0x010601, bars: [io(0x20, 0x20), mem32(0x24, 4 * KiB)], romSize: 0 }),
  'qemu-xhci': fixed({ vendor: 0x1b36, device: 0x000d, classCode: 0x0c0330, bars: [mem64(0x10, 16 * KiB)], romSize: 0 }),
  'pcie-root-port': fixed({ vendor: 0x1b36, device: 0x000c, classCode: 0x060400, bars: [mem32(0x10, 4 * KiB)], romSize: 0, rootPort: true }),
};

/** Slot, function on bus 0. */
export interface RootLocation {
  readonly dev: number;
  readonly fn: number;
}

const VGA: ModelFunctionKind = { vendor: 0x1234, device: 0x1111, classCode: 0x030000, bars: [pmem32(0x10, 16 << 20), mem32(0x18, 4 * KiB)], romSize: 64 * KiB };

/** The chipset's own functions on bus 0 (and the default VGA), by location. */
export function qemu72BuiltinFunctions(machine: 'q35' | 'pc', defaultDevices: boolean): Array<RootLocation & { kind: ModelFunctionKind }> {
  const none: readonly ModelBar[] = [];
  const f = (dev: number, fn: number, vendor: number, device: number, classCode: number, bars: readonly ModelBar[] = none): RootLocation & { kind: ModelFunctionKind } =>
    ({ dev, fn, kind: { vendor, device, classCode, bars, romSize: 0 } });
  if (machine === 'q35') {
    return [
      f(0, 0, 0x8086, 0x29c0, 0x060000),
      ...(defaultDevices ? [{ dev: 1, fn: 0, kind: VGA }] : []),
      f(0x1f, 0, 0x8086, 0x2918, 0x060100),
      f(0x1f, 2, 0x8086, 0x2922, 0x010601, [io(0x20, 0x20), mem32(0x24, 4 * KiB)]),
      f(0x1f, 3, 0x8086, 0x2930, 0x0c0500, [io(0x20, 0x40)]),
    ];
  }
  return [
    f(0, 0, 0x8086, 0x1237, 0x060000),
    f(1, 0, 0x8086, 0x7000, 0x060100),
    f(1, 1, 0x8086, 0x7010, 0x010180, [io(0x20, 0x10)]),
    f(1, 3, 0x8086, 0x7113, 0x068000),
    ...(defaultDevices ? [{ dev: 2, fn: 0, kind: VGA }] : []),
  ];
}
