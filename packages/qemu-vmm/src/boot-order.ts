/**
 * QEMU's `bootorder` fw_cfg file: what `bootindex=` on the devices makes QEMU 7.2 hand the
 * firmware (softmmu/bootdevice.c get_boot_devices_list; device names from each bus's
 * get_fw_dev_path: hw/pci/pci.c pcibus_get_fw_dev_path and pci_dev_fw_name, hw/scsi, hw/ide,
 * hw/nvme, hw/net). One OpenFirmware path per device in ascending bootindex order, separated by
 * `\n`, a `\nHALT` line with `-boot strict=on`, NUL-terminated; no bootindex at all gives an empty
 * file, and so do `-boot order=…` and `menu=on` on their own (read back from QEMU 7.2 over qtest,
 * test/boot-order.spec.ts). The firmware's reading of the file is @tcg2sim/platform-ovmf's.
 */
import { VmmError } from './errors.ts';

/** Where a PCI function sits: the bridges (root ports) on the way from bus 0, then its slot and function. */
export interface PciLocation {
  /** Slot and function of each bridge from the root bus down. */
  readonly bridges?: readonly { readonly slot: number; readonly fn: number }[];
  readonly slot: number;
  readonly fn?: number;
  /**
   * The root bus's OpenFirmware name: `pci@i0cf8` (PC machines' I/O-port host bridge, default),
   * or `pci@ffffffffffffffff` on Arm's virt (its GPEX host bridge has no I/O-port address: read
   * back from QEMU 7.2 over qtest).
   */
  readonly root?: string;
}

/** virt's root bus in QEMU 7.2's bootorder paths. */
export const VIRT_OFW_PCI_ROOT = 'pci@ffffffffffffffff';

/** A device that can carry a bootindex. */
export type BootDevice =
  /** virtio-blk-pci: the controller is the disk. */
  | { readonly kind: 'virtio-blk'; readonly pci: PciLocation }
  /** A NIC (virtio-net-pci, e1000, e1000e): class "ethernet". */
  | { readonly kind: 'nic'; readonly pci: PciLocation }
  /** QEMU 7.2's NVMe controller (1b36:0010), namespace `nsid`. */
  | { readonly kind: 'nvme'; readonly pci: PciLocation; readonly nsid?: number }
  /** scsi-hd behind virtio-scsi-pci. */
  | { readonly kind: 'virtio-scsi'; readonly pci: PciLocation; readonly target: number; readonly lun: number }
  /** ide-hd / ide-cd on an AHCI (q35's ICH9 at 1f.2 or `-device ahci`, both 8086:2922) port. */
  | { readonly kind: 'ahci'; readonly pci: PciLocation; readonly port: number }
  /** ide-hd / ide-cd on pc's PIIX IDE (01.1): bus 0/1, unit 0/1. */
  | { readonly kind: 'ide'; readonly pci: PciLocation; readonly bus: number; readonly unit: number };

const hex = (n: number): string => n.toString(16);

/** PCI unit address: slot, and `,fn` for a non-zero function. */
function unit(slot: number, fn = 0): string {
  return fn === 0 ? hex(slot) : `${hex(slot)},${hex(fn)}`;
}

/** The OpenFirmware path QEMU 7.2 writes for `d`. */
export function ofwPath(d: BootDevice): string {
  const bridges = (d.pci.bridges ?? []).map((b) => `/pci-bridge@${unit(b.slot, b.fn)}`).join('');
  const at = unit(d.pci.slot, d.pci.fn);
  const root = `/${d.pci.root ?? 'pci@i0cf8'}${bridges}`;
  switch (d.kind) {
    case 'virtio-blk':
      return `${root}/scsi@${at}/disk@0,0`;
    case 'nic':
      return `${root}/ethernet@${at}/ethernet-phy@0`;
    case 'nvme':
      return `${root}/pci1b36,0010@${at}/namespace@${hex(d.nsid ?? 1)},0`;
    case 'virtio-scsi':
      return `${root}/scsi@${at}/channel@0/disk@${hex(d.target)},${hex(d.lun)}`;
    case 'ahci':
      return `${root}/pci8086,2922@${at}/drive@${hex(d.port)}/disk@0`;
    case 'ide':
      return `${root}/ide@${at}/drive@${hex(d.bus)}/disk@${hex(d.unit)}`;
  }
}

/** QEMU's bootindex range (a negative value means none). */
const MAX_BOOTINDEX = 0x7fff_ffff;

/**
 * The `bootorder` file for devices with a bootindex. `strict`: `-boot strict=on` (libvirt always
 * sets it), which appends HALT when any device has a bootindex.
 */
export function qemuBootOrderFile(entries: readonly { readonly bootindex: number; readonly device: BootDevice }[], strict = false): Uint8Array {
  const seen = new Set<number>();
  for (const e of entries) {
    if (!Number.isInteger(e.bootindex) || e.bootindex < 0 || e.bootindex > MAX_BOOTINDEX) throw new VmmError('BAD_BOOTINDEX', `bootindex ${e.bootindex} is out of range (0 to ${MAX_BOOTINDEX})`);
    if (seen.has(e.bootindex)) throw new VmmError('BAD_BOOTINDEX', `The bootindex ${e.bootindex} has already been used`);
    seen.add(e.bootindex);
  }
  if (entries.length === 0) return new Uint8Array();
  const lines = [...entries].sort((a, b) => a.bootindex - b.bootindex).map((e) => ofwPath(e.device));
  if (strict) lines.push('HALT');
  return new TextEncoder().encode(`${lines.join('\n')}\0`);
}
