import { parsePciPathText } from '@tcg2sim/platform-ovmf';
import type { DiskPlacement, PlatformDevice, Scenario } from '@tcg2sim/platform-ovmf';
import { VmmError, parseMac, qemuNics, readRomBar } from '@tcg2sim/qemu-vmm';
import type { NicSpec, OptionRomBar, VmmNic } from '@tcg2sim/qemu-vmm';
import { UsageError } from './errors.ts';

/**
 * The VM's NICs (`--nic MODEL`, repeatable, or the scenario's/command line's placed NICs): each
 * in its PCI place (default: `-netdev user,id=nN -device MODEL,netdev=nN` in order, QEMU's next
 * free slot after `slotsBefore` slots the disks' controllers took), with its MAC and option ROM file (from `--option-rom-dir` when given). A missing or
 * unreadable ROM file is bad input (exit 2).
 */
export function loadNics(machine: 'q35' | 'pc' | 'virt', nics: Readonly<Scenario['nics']>, optionRomDir: string | undefined, slotsBefore = 0, readRom: (path: string) => OptionRomBar = readRomBar): VmmNic[] | undefined {
  if (nics === undefined || nics.length === 0) return undefined;
  try {
    const specs = nics.map((n): string | NicSpec => {
      if (typeof n === 'string') return n;
      const pciPath = n.pciPath !== undefined ? parsePciPathText(n.pciPath) : undefined;
      return {
        model: n.model,
        ...(pciPath !== undefined ? { pciPath } : {}),
        ...(n.mac !== undefined ? { mac: parseMac(n.mac) } : {}),
        ...(n.romfile !== undefined ? { romfile: n.romfile } : {}),
      };
    });
    return qemuNics(machine, specs, { ...(optionRomDir === undefined ? {} : { optionRomDir }), slotsBefore, readRom });
  } catch (e) {
    if (e instanceof VmmError) throw new UsageError(`--nic: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * A ROM file reader for one run (a matrix, verify's predictions): each path read once, its ROM
 * BAR shared by every boot of the run (boots only read it). A file that cannot be read is not
 * remembered: each boot reports it.
 */
export function romReader(): (path: string) => OptionRomBar {
  const bars = new Map<string, OptionRomBar>();
  return (path) => {
    let bar = bars.get(path);
    if (bar === undefined) {
      bar = readRomBar(path);
      bars.set(path, bar);
    }
    return bar;
  };
}

/** The scenario's disk placement as the boot model takes it (the PCI path text parsed). */
export function diskPlacementOf(p: NonNullable<Scenario['diskPlacement']>): DiskPlacement {
  const pci = parsePciPathText(p.pci);
  if (pci === undefined) throw new UsageError(`diskPlacement.pci: ${p.pci} is not a PciRoot(0x0)/Pci(D,F)/… device path`);
  return { pci, ...(p.unit !== undefined ? { unit: p.unit } : {}), ...(p.serial !== undefined ? { serial: p.serial } : {}) };
}

/** The scenario's other PCI devices as the boot model takes them. */
export function platformDevicesOf(devices: Readonly<NonNullable<Scenario['devices']>>): PlatformDevice[] {
  return devices.map((d) => {
    const pciPath = parsePciPathText(d.pciPath);
    if (pciPath === undefined) throw new UsageError(`devices: ${d.pciPath} is not a PciRoot(0x0)/Pci(D,F)/… device path`);
    return { driver: d.driver, pciPath };
  });
}
