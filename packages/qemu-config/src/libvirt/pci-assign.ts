/**
 * libvirt 9.0's PCI address assignment for devices without an <address>, reduced to what a
 * domain without hand-placed PCI controllers needs (facts from libvirt's
 * src/qemu/qemu_domain_address.c, checked against `virsh domxml-to-native` of libvirt 9.0):
 * - pc (i440FX): every device on pci.0, first free slot from 1 (slot 1 is PIIX3; the primary
 *   video takes slot 2 first), in libvirt's order: PCI controllers, nets, sound, other
 *   controllers, virtio disks, host devices, memballoon, rng, watchdog, other videos, inputs…
 * - aarch64 virt: as q35, with only slot 0 (the GPEX host bridge) taken on pcie.0 (virsh
 *   domxml-to-native of libvirt 9.0: root ports from 01.0).
 * - q35: the primary video on pcie.0 slot 1, ich9 sound at 0x1B; each PCIe endpoint gets its own
 *   pcie-root-port (controller index 1, 2, … in that order) plus one spare root port for
 *   hotplug; the root ports fill functions 0-7 of the first free pcie.0 slots (port =
 *   slot << 3 | function, chassis = index).
 */
import { QemuConfigError } from '../errors.ts';

/** A device that wants a PCI address, in libvirt's order. */
export interface PciWant {
  /** Explicit address from the XML (bus index, slot, function), when given. */
  readonly explicit: { readonly bus: number; readonly slot: number; readonly fn: number; readonly multifunction: boolean } | undefined;
  /** Primary video or ich9 sound: the chipset places it first. */
  readonly fixed?: { readonly slot: number };
  /** A conventional PCI device (q35 would need a pcie-to-pci-bridge). */
  readonly conventional: boolean;
  readonly where: string;
}

export interface PciPlaced {
  /** `pcie.0`, `pci.0` or `pci.N`. */
  readonly bus: string;
  readonly addr: string;
  readonly multifunction: boolean;
}

export interface RootPort {
  readonly index: number;
  readonly port: number;
  readonly chassis: number;
  readonly addr: string;
  readonly multifunction: boolean;
}

function addrText(slot: number, fn: number): string {
  return fn === 0 ? `0x${slot.toString(16)}` : `0x${slot.toString(16)}.0x${fn.toString(16)}`;
}

/**
 * Places `wants` (in libvirt's order) on `family`'s buses; returns each device's place and, for
 * q35, the root ports libvirt adds.
 * @throws QemuConfigError('NOT_MODELLED') for placements not reproduced (conventional devices on q35)
 */
export function assignPci(family: 'q35' | 'pc' | 'virt', wants: readonly PciWant[], hasManualControllers: boolean): { placed: PciPlaced[]; rootPorts: RootPort[] } {
  // virt (aarch64) is PCIe like q35: its GPEX host bridge at 00.0, no chipset functions
  const pcie = family !== 'pc';
  const root = pcie ? 'pcie.0' : 'pci.0';
  const rootUsed = new Set<number>(family === 'q35' ? [0, 0x1f] : family === 'virt' ? [0] : [0, 1]);
  for (const w of wants) if (w.explicit?.bus === 0) rootUsed.add(w.explicit.slot);
  for (const w of wants) if (w.fixed !== undefined && w.explicit === undefined) rootUsed.add(w.fixed.slot);
  const nextRootSlot = (): number => {
    for (let s = 1; s < 32; s++) if (!rootUsed.has(s)) return s;
    throw new QemuConfigError('NOT_MODELLED', 'no free slot on the root bus');
  };
  const placed: PciPlaced[] = [];
  const rootPortFor: number[] = [];
  let endpoints = 0;
  for (const w of wants) {
    if (w.explicit !== undefined) {
      placed.push({ bus: w.explicit.bus === 0 ? root : `pci.${w.explicit.bus}`, addr: addrText(w.explicit.slot, w.explicit.fn), multifunction: w.explicit.multifunction });
    } else if (w.fixed !== undefined) {
      placed.push({ bus: root, addr: addrText(w.fixed.slot, 0), multifunction: false });
    } else if (family === 'pc') {
      const s = nextRootSlot();
      rootUsed.add(s);
      placed.push({ bus: root, addr: addrText(s, 0), multifunction: false });
    } else {
      if (w.conventional) throw new QemuConfigError('NOT_MODELLED', `${w.where}: libvirt puts a conventional PCI device on ${family} behind a pcie-to-pci-bridge it adds; that placement is not reproduced (give the device an <address>)`, { where: w.where });
      if (hasManualControllers) throw new QemuConfigError('NOT_MODELLED', `${w.where}: a device without <address> in a domain with its own PCI controllers; libvirt's placement there is not reproduced (give the device an <address>, as virsh dumpxml shows it)`, { where: w.where });
      endpoints++;
      rootPortFor.push(placed.length);
      placed.push({ bus: `pci.${endpoints}`, addr: '0x0', multifunction: false });
    }
  }
  const rootPorts: RootPort[] = [];
  if (pcie && endpoints > 0) {
    const count = endpoints + 1; // one spare for hotplug
    let slot = nextRootSlot();
    for (let i = 0; i < count; i++) {
      const fn = i % 8;
      if (i > 0 && fn === 0) {
        rootUsed.add(slot);
        slot = nextRootSlot();
      }
      rootPorts.push({ index: i + 1, port: (slot << 3) | fn, chassis: i + 1, addr: addrText(slot, fn), multifunction: fn === 0 && (count - i > 1) });
    }
  }
  return { placed, rootPorts };
}
