/**
 * The q35 DSDT's Devices for PCI functions on bus 0 beyond the chipset's (QEMU 7.2
 * hw/i386/acpi-build.c build_append_pci_bus_devices, ACPI PCI hotplug on bridges, q35's default
 * since 6.1; bus 0 itself has no hotplug select): a Device with _ADR for each slot's function 0;
 * for each PCI Express root port (any function) a Device whose secondary bus has a hotplug
 * select (BSEL, numbered depth first over QEMU's child bus list, which holds the root ports
 * newest first), its one slot (a PCIe bus has slot 0 only) with _SUN/_EJ0, DVNT and PCNT; and
 * bus 0's PCNT calls each root port's, newest first.
 */
import { and, arg, call, device, iff, int, method, name, nameDecl, notify, store } from '../aml/aml.ts';
import type { Aml } from '../aml/aml.ts';
import type { Qemu72PciFunction, Qemu72PciState } from '../pci-state.ts';
import { hotplugSlot, pciDeviceName } from './pci.ts';

const devfn = (f: Qemu72PciFunction): number => f.slot * 8 + f.fn;

/** The root ports newest first, each with its BSEL. */
function rootPorts(pci: Qemu72PciState): Array<{ f: Qemu72PciFunction; bsel: number }> {
  return pci.rootBus.filter((f) => f.rootPort === true).reverse().map((f, bsel) => ({ f, bsel }));
}

function rootPortDevice(f: Qemu72PciFunction, bsel: number): Aml {
  return device(pciDeviceName(f.slot, f.fn),
    nameDecl('_ADR', int((f.slot << 16) | f.fn)),
    nameDecl('BSEL', int(bsel)),
    hotplugSlot(0),
    method('DVNT', 2, false, iff(and(arg(0), int(1)), notify(name(pciDeviceName(0, 0)), arg(1)))),
    method('PCNT', 0, false,
      store(int(bsel), name('BNUM')),
      call('DVNT', name('PCIU'), int(1)),
      call('DVNT', name('PCID'), int(3))));
}

/** Bus 0's Devices for `pci`'s functions, in devfn order (all between the VGA at 01.0 and the LPC bridge at 1F.0). */
export function q35RootBusDevices(pci: Qemu72PciState): Array<{ devfn: number; aml: Aml }> {
  const bsel = new Map(rootPorts(pci).map((r) => [devfn(r.f), r.bsel]));
  return pci.rootBus
    .filter((f) => f.fn === 0 || f.rootPort === true)
    .map((f) => {
      const b = bsel.get(devfn(f));
      return { devfn: devfn(f), aml: b !== undefined ? rootPortDevice(f, b) : device(pciDeviceName(f.slot, f.fn), nameDecl('_ADR', int((f.slot << 16) | f.fn))) };
    })
    .sort((a, b) => a.devfn - b.devfn);
}

/** Bus 0's PCNT: each root port's PCNT, newest first. */
export function q35RootPcnt(pci: Qemu72PciState): Aml {
  return method('PCNT', 0, false, ...rootPorts(pci).map((r) => name(`^${pciDeviceName(r.f.slot, r.f.fn)}.PCNT`)));
}
