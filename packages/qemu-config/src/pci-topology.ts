/**
 * Placing PCI devices the way QEMU 7.2 does: `bus=` names the root bus (`pcie.0` on q35,
 * `pci.0` on pc) or the bus behind a bridge or root port (its `id`); `addr=SLOT[.FN]` (hex) places
 * a function, and a device without addr= gets function 0 of the first slot whose function 0 is
 * free, in device-creation order. A PCIe root port or downstream port has one slot, 0. The UEFI
 * device path of each function is OVMF's: PciRoot(0x0)/Pci(slot,fn) with one Pci() per bridge.
 */
import { QemuConfigError } from './errors.ts';
import type { PciAddress } from './vm-description.ts';

/** A bus devices can be placed on. */
interface Bus {
  readonly id: string;
  /** The device path of the bridge above the bus ('' for the root). */
  readonly path: string;
  /** Only slot 0 (a PCIe root port or switch downstream port). */
  readonly singleSlot: boolean;
  /** devfn → the id/driver of the device there. */
  readonly used: Map<number, string>;
}

const SINGLE_SLOT_BRIDGES = new Set(['pcie-root-port', 'ioh3420', 'xio3130-downstream']);
const BRIDGES = new Set([...SINGLE_SLOT_BRIDGES, 'x3130-upstream', 'pci-bridge', 'pcie-pci-bridge', 'i82801b11-bridge']);

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase()}`;
}

/**
 * Parses `addr=` (`0x2`, `0x2.0x1`, `1f.2`, or a JSON number: the devfn).
 * @throws QemuConfigError('BAD_OPTION')
 */
export function parsePciAddr(v: string | number, where: string): { slot: number; fn: number } {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new QemuConfigError('BAD_OPTION', `${where}: addr ${v} is not a devfn 0..255`, { where });
    return { slot: v >> 3, fn: v & 7 };
  }
  const m = /^(?:0x)?([0-9a-fA-F]{1,2})(?:\.(?:0x)?([0-7]))?$/.exec(v);
  if (m?.[1] === undefined) throw new QemuConfigError('BAD_OPTION', `${where}: bad PCI address ${JSON.stringify(v)} (SLOT[.FUNCTION] in hex)`, { where });
  const slot = parseInt(m[1], 16);
  if (slot > 31) throw new QemuConfigError('BAD_OPTION', `${where}: PCI slot ${hex(slot)} beyond 0x1F`, { where });
  return { slot, fn: m[2] === undefined ? 0 : Number(m[2]) };
}

/** The PCI buses of one VM, filled device by device. */
export class PciTopology {
  readonly rootBus: string;
  private readonly buses = new Map<string, Bus>();

  constructor(family: 'q35' | 'pc' | 'virt') {
    this.rootBus = family === 'pc' ? 'pci.0' : 'pcie.0';
    // virt's GPEX host bridge puts its root function (gpex-root) at 00.0 (QEMU hw/pci-host/gpex.c);
    // ArmVirtQemu's host bridge (FdtPciHostBridgeLib) is PciRoot(0x0) as on q35.
    this.buses.set(this.rootBus, { id: this.rootBus, path: 'PciRoot(0x0)', singleSlot: false, used: new Map(family === 'virt' ? [[0, 'gpex-root']] : []) });
  }

  /**
   * Places a function; a bridge or root port with an id then provides the bus of that name.
   * @throws QemuConfigError('BAD_OPTION') for an unknown bus, a taken or invalid address
   */
  place(req: { driver: string; id: string | undefined; bus: string | undefined; addr: string | number | undefined; where: string }): PciAddress {
    const busId = req.bus ?? this.rootBus;
    const bus = this.buses.get(busId);
    if (bus === undefined) throw new QemuConfigError('BAD_OPTION', `${req.where}: no PCI bus ${JSON.stringify(busId)} (the root bus is ${this.rootBus}; others are the ids of bridges and root ports given before)`, { where: req.where });
    let slot: number;
    let fn: number;
    let assigned: PciAddress['assigned'];
    if (req.addr !== undefined) {
      ({ slot, fn } = parsePciAddr(req.addr, req.where));
      assigned = 'explicit';
      if (bus.singleSlot && slot !== 0) throw new QemuConfigError('BAD_OPTION', `${req.where}: ${busId} has only slot 0`, { where: req.where });
      const taken = bus.used.get(slot * 8 + fn);
      if (taken !== undefined) throw new QemuConfigError('BAD_OPTION', `${req.where}: ${busId} ${hex(slot)}.${fn} is taken by ${taken}`, { where: req.where });
    } else {
      fn = 0;
      assigned = 'auto';
      const last = bus.singleSlot ? 0 : 31;
      let free = -1;
      for (let s = 0; s <= last; s++) {
        if (!bus.used.has(s * 8)) {
          free = s;
          break;
        }
      }
      if (free < 0) throw new QemuConfigError('BAD_OPTION', `${req.where}: no free slot on ${busId}`, { where: req.where });
      slot = free;
    }
    bus.used.set(slot * 8 + fn, req.id ?? req.driver);
    const devicePath = `${bus.path}/Pci(${hex(slot)},${hex(fn)})`;
    if (BRIDGES.has(req.driver) && req.id !== undefined) {
      if (this.buses.has(req.id)) throw new QemuConfigError('BAD_OPTION', `${req.where}: a second bus named ${req.id}`, { where: req.where });
      this.buses.set(req.id, { id: req.id, path: devicePath, singleSlot: SINGLE_SLOT_BRIDGES.has(req.driver), used: new Map() });
    }
    return { bus: busId, slot, fn, assigned, devicePath };
  }

  /** Whether `id` is a PCI bus here. */
  hasBus(id: string): boolean {
    return this.buses.has(id);
  }
}
