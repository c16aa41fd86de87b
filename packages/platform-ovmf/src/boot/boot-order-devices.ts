/**
 * The VM's `bootindex=` settings into QEMU's `bootorder` file, with @tcg2sim/qemu-vmm's
 * OpenFirmware paths (the VMM's side) for the devices as the simulated boot places them: disks
 * where diskOptions puts their controllers, NICs in their PciNic slots.
 */
import { qemuBootOrderFile } from '@tcg2sim/qemu-vmm';
import type { BootDevice } from '@tcg2sim/qemu-vmm';
import type { MachineDescription } from '../machine.ts';
import { diskOptions } from './disk-interfaces.ts';
import type { DiskInterface, DiskOption, DiskPlacement } from './disk-interfaces.ts';
import type { PciNic } from './pci-option-roms.ts';
import { nicPciPath } from './bds-network.ts';
import type { PciPath } from './pci-path.ts';
import type { PciLocation } from '@tcg2sim/qemu-vmm';

/** The VMM's PCI location of a PCI path (bridges, then the function). */
function location(p: PciPath): PciLocation {
  const last = p[p.length - 1] ?? { device: 0, fn: 0 };
  return { ...(p.length > 1 ? { bridges: p.slice(0, -1).map((n) => ({ slot: n.device, fn: n.fn })) } : {}), slot: last.device, ...(last.fn !== 0 ? { fn: last.fn } : {}) };
}

/** One attached disk with its bootindex, in command-line order. */
export interface IndexedDisk {
  readonly iface: DiskInterface;
  readonly placement?: DiskPlacement | undefined;
  readonly bootIndex?: number | undefined;
}

function diskDevice(d: DiskOption): BootDevice {
  switch (d.iface) {
    case 'virtio':
      return { kind: 'virtio-blk', pci: location(d.pci) };
    case 'nvme':
      return { kind: 'nvme', pci: location(d.pci), nsid: 1 };
    case 'scsi':
      return { kind: 'virtio-scsi', pci: location(d.pci), target: d.ordinal, lun: 0 };
    case 'sata':
      return { kind: 'ahci', pci: location(d.pci), port: d.ordinal };
  }
}

/**
 * The bootorder file for the devices' bootindex values; undefined when none has one (QEMU then
 * passes an empty file, which OVMF ignores). `strict`: `-boot strict=on`.
 */
export function bootOrderFromIndexes(m: MachineDescription, disks: readonly IndexedDisk[], nics: readonly PciNic[], strict = false): Uint8Array | undefined {
  const placed = diskOptions(m, disks.map((d) => (d.placement !== undefined ? { iface: d.iface, placement: d.placement } : d.iface)));
  const entries: { bootindex: number; device: BootDevice }[] = [];
  disks.forEach((d, i) => {
    const o = placed.find((p) => p.index === i);
    if (d.bootIndex !== undefined && o !== undefined) entries.push({ bootindex: d.bootIndex, device: diskDevice(o) });
  });
  for (const n of nics) if (n.bootIndex !== undefined) entries.push({ bootindex: n.bootIndex, device: { kind: 'nic', pci: location(nicPciPath(n)) } });
  return entries.length === 0 ? undefined : qemuBootOrderFile(entries, strict);
}
