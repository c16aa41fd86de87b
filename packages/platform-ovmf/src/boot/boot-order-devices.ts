/**
 * The VM's `bootindex=` settings into QEMU's `bootorder` file, with @tcg2sim/qemu-vmm's
 * OpenFirmware paths (the VMM's side) for the devices as the simulated boot places them: disks
 * where diskOptions puts their controllers, NICs in their PciNic slots.
 */
import { qemuBootOrderFile } from '@tcg2sim/qemu-vmm';
import type { BootDevice } from '@tcg2sim/qemu-vmm';
import type { MachineDescription } from '../machine.ts';
import { diskOptions } from './disk-interfaces.ts';
import type { DiskInterface, DiskOption } from './disk-interfaces.ts';
import type { PciNic } from './pci-option-roms.ts';

/** One attached disk with its bootindex, in command-line order. */
export interface IndexedDisk {
  readonly iface: DiskInterface;
  readonly bootIndex?: number | undefined;
}

function diskDevice(m: MachineDescription, d: DiskOption): BootDevice {
  switch (d.iface) {
    case 'virtio':
      return { kind: 'virtio-blk', pci: { slot: d.slot } };
    case 'nvme':
      return { kind: 'nvme', pci: { slot: d.slot }, nsid: 1 };
    case 'scsi':
      return { kind: 'virtio-scsi', pci: { slot: d.slot }, target: d.ordinal, lun: 0 };
    case 'sata':
      return { kind: 'ahci', pci: m.machine === 'q35' ? { slot: 0x1f, fn: 2 } : { slot: d.slot }, port: d.ordinal };
  }
}

/**
 * The bootorder file for the devices' bootindex values; undefined when none has one (QEMU then
 * passes an empty file, which OVMF ignores). `strict`: `-boot strict=on`.
 */
export function bootOrderFromIndexes(m: MachineDescription, disks: readonly IndexedDisk[], nics: readonly PciNic[], strict = false): Uint8Array | undefined {
  const placed = diskOptions(m, disks.map((d) => d.iface));
  const entries: { bootindex: number; device: BootDevice }[] = [];
  disks.forEach((d, i) => {
    const o = placed.find((p) => p.index === i);
    if (d.bootIndex !== undefined && o !== undefined) entries.push({ bootindex: d.bootIndex, device: diskDevice(m, o) });
  });
  for (const n of nics) if (n.bootIndex !== undefined) entries.push({ bootindex: n.bootIndex, device: { kind: 'nic', pci: { slot: n.device } } });
  return entries.length === 0 ? undefined : qemuBootOrderFile(entries, strict);
}
