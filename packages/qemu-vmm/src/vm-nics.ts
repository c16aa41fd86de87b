/**
 * The NICs of a VM as the firmware finds them: PCI slot, MAC address, option ROM BAR.
 */
import { nicModel } from './nic.ts';
import type { NicModel } from './nic.ts';
import { defaultMac } from './nic.ts';
import { DEFAULT_ROM_DIRS, findRomFile, readRomBar } from './option-rom-file.ts';
import type { OptionRomBar } from './option-rom-file.ts';
import { pciSlot } from './pci-slots.ts';
import type { MachineType } from './pci-slots.ts';

/** One NIC as QEMU presents it (`-netdev user,id=nN -device MODEL,netdev=nN`, no addr, mac or romfile). */
export interface VmmNic {
  readonly model: NicModel;
  /** PCI device number on bus 0; function 0. */
  readonly device: number;
  readonly mac: Uint8Array;
  readonly optionRom: OptionRomBar;
}

/** Where to look for the ROM files. */
export interface NicOptions {
  /** A directory holding the ROM files; replaces QEMU's data directories. */
  readonly optionRomDir?: string;
  /** Reads a ROM file found there (default readRomBar); a caller booting many VMs reads each once. */
  readonly readRom?: (path: string) => OptionRomBar;
  /**
   * Bus-0 slots taken by devices placed before the NICs (the disks' controllers: `predict --disk`
   * and `capture` put them first), so the NICs take the slots after them.
   */
  readonly slotsBefore?: number;
}

/**
 * The NICs for `models` in command-line order, each the next free PCI slot, the next default
 * MAC address and its model's default ROM file.
 */
export function qemuNics(machine: MachineType, models: readonly string[], o: NicOptions = {}): VmmNic[] {
  const dirs = o.optionRomDir === undefined ? DEFAULT_ROM_DIRS : [o.optionRomDir];
  const read = o.readRom ?? readRomBar;
  return models.map((name, i) => {
    const info = nicModel(name);
    return { model: info.model, device: pciSlot(machine, i + (o.slotsBefore ?? 0)), mac: defaultMac(i), optionRom: read(findRomFile(info.romfile, dirs)) };
  });
}
