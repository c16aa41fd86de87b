/**
 * OVMF's PCI resource allocation for a QEMU 7.2 VM described by its device list, without QEMU:
 * the chipset's functions and the listed devices (./qemu72-devices.ts) in a modelled
 * configuration space (./model-config-space.ts), enumerated and programmed by the same code that
 * programs a QEMU under qtest (./scan.ts, ./resource-tree.ts, ./allocate.ts). What QEMU's ACPI
 * tables read back from it is the 64-bit window on bus 0 (`w64`).
 */
import { FwCfgError } from '../errors.ts';
import type { Aperture, OvmfPciApertures, PlacedResource } from './allocate.ts';
import { programOvmfPci } from './allocate.ts';
import { modelConfigSpace } from './model-config-space.ts';
import type { ModelFunction } from './model-config-space.ts';
import { QEMU72_PCI_DEVICES, qemu72BuiltinFunctions } from './qemu72-devices.ts';
import type { RootLocation } from './qemu72-devices.ts';

/** A `-device`: its driver and where it sits (bus 0's slot and function, then the same behind a root port). */
export interface Qemu72PciDevice {
  readonly driver: string;
  /** One node: on bus 0; two: behind the root port at the first node. */
  readonly path: readonly RootLocation[];
}

/** The VM whose PCI resources are placed. */
export interface Qemu72PciVm {
  readonly machine: 'q35' | 'pc';
  /** QEMU's default devices (the VGA) present. */
  readonly defaultDevices: boolean;
  /** The devices in command-line (creation) order. */
  readonly devices: readonly Qemu72PciDevice[];
  readonly apertures: OvmfPciApertures;
}

/** Where OVMF put the resources, and what QEMU reads back. */
export interface Qemu72PciLayout {
  readonly placed: readonly PlacedResource[];
  /** The 64-bit BARs and prefetchable windows decoding on bus 0 (QEMU's pci_bus_get_w64_range); undefined: none. */
  readonly w64?: Aperture;
}

const text = (p: readonly RootLocation[]): string => p.map((n) => `${n.dev.toString(16)}.${n.fn}`).join('/');

/** The hierarchy of `vm`, checked: known drivers, free locations, devices behind root ports only, on slot 0. */
export function qemu72PciHierarchy(vm: Pick<Qemu72PciVm, 'machine' | 'defaultDevices' | 'devices'>): ModelFunction[] {
  const root: ModelFunction[] = qemu72BuiltinFunctions(vm.machine, vm.defaultDevices).map((b) => ({ ...b }));
  const behind = new Map<string, ModelFunction[]>();
  const taken = new Set(root.map((f) => text([f])));
  const kindOf = (driver: string, express: boolean): ModelFunction['kind'] => {
    const k = QEMU72_PCI_DEVICES[driver];
    if (k === undefined) throw new FwCfgError('PCI_NOT_MODELLED', `QEMU 7.2 PCI model: no device model for '${driver}'`);
    return k(express);
  };
  for (const d of vm.devices) {
    const [first, second, ...deeper] = d.path;
    const where = text(d.path);
    const bad = (why: string): FwCfgError => new FwCfgError('PCI_NOT_MODELLED', `QEMU 7.2 PCI model: ${d.driver} at ${where}: ${why}`);
    if (first === undefined || deeper.length > 0) throw bad('only bus 0 and one root port deep are modelled');
    if (d.path.some((n) => !Number.isInteger(n.dev) || n.dev < 0 || n.dev > 31 || !Number.isInteger(n.fn) || n.fn < 0 || n.fn > 7)) throw bad('not a PCI location');
    if (taken.has(where)) throw bad('the location is taken');
    taken.add(where);
    if (second === undefined) {
      const kind = kindOf(d.driver, false);
      if (kind.rootPort === true && vm.machine !== 'q35') throw bad('a PCI Express root port on the pc machine');
      const children: ModelFunction[] = [];
      if (kind.rootPort === true) behind.set(where, children);
      root.push({ ...first, kind, ...(kind.rootPort === true ? { children } : {}) });
      continue;
    }
    const port = behind.get(text([first]));
    if (port === undefined) throw bad('not behind a pcie-root-port listed before it');
    const kind = kindOf(d.driver, true);
    if (kind.rootPort === true) throw bad('a root port behind a root port');
    if (second.dev !== 0) throw bad('a PCI Express port has slot 0 only');
    port.push({ ...second, kind });
  }
  const order = (a: ModelFunction, b: ModelFunction): number => a.dev - b.dev || a.fn - b.fn;
  for (const kids of behind.values()) kids.sort(order);
  return root.sort(order);
}

/** Places `vm`'s PCI resources as OVMF does and reads back QEMU's 64-bit window. */
export async function qemu72PciLayout(vm: Qemu72PciVm): Promise<Qemu72PciLayout> {
  const cs = modelConfigSpace(qemu72PciHierarchy(vm));
  const placed = await programOvmfPci(cs, vm.apertures);
  const w64 = cs.w64Range();
  return { placed, ...(w64 !== undefined ? { w64 } : {}) };
}
