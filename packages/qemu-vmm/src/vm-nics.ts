/**
 * The NICs of a VM as the firmware finds them: PCI location, MAC address, option ROM BAR.
 */
import { isAbsolute } from 'node:path';
import { VmmError } from './errors.ts';
import { nicModel } from './nic.ts';
import type { NicModel } from './nic.ts';
import { defaultMac } from './nic.ts';
import { DEFAULT_ROM_DIRS, findRomFile, readRomBar } from './option-rom-file.ts';
import type { OptionRomBar } from './option-rom-file.ts';
import { pciSlot } from './pci-slots.ts';
import type { MachineType } from './pci-slots.ts';

/** One PCI node (device and function on its bus), from the root bus down. */
export interface VmmPciFunction {
  readonly device: number;
  readonly fn: number;
}

/** One NIC as QEMU presents it. */
export interface VmmNic {
  readonly model: NicModel;
  /** PCI device number on bus 0 (function 0) when the NIC sits there; the last node's device otherwise. */
  readonly device: number;
  /** Where the NIC sits when it is not function 0 on bus 0 (behind root ports or bridges). */
  readonly pciPath?: readonly VmmPciFunction[];
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
 * A NIC as the command line gives it (`-device MODEL,netdev=…[,bus=…,addr=…][,mac=…][,romfile=…]`):
 * a model name alone is `-netdev user,id=nN -device MODEL,netdev=nN` in QEMU's default place.
 */
export interface NicSpec {
  readonly model: string;
  /** Its PCI location (bridges first); default: the next free slot on bus 0. */
  readonly pciPath?: readonly VmmPciFunction[];
  /** `mac=`: six bytes; default QEMU's next default MAC (only NICs without mac= count). */
  readonly mac?: Uint8Array;
  /** `romfile=`: a file name searched like QEMU's (or a path); default the model's iPXE ROM. */
  readonly romfile?: string;
}

/** `52:54:00:12:34:56` as six bytes, or VmmError BAD_MAC. */
export function parseMac(text: string): Uint8Array {
  const m = /^([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})$/.exec(text);
  if (m === null) throw new VmmError('BAD_MAC', `MAC address ${JSON.stringify(text)} is not six hex bytes separated by colons`);
  const mac = Uint8Array.from(m.slice(1, 7), (h) => parseInt(h, 16));
  if (((mac[0] ?? 0) & 1) !== 0) throw new VmmError('BAD_MAC', `MAC address ${text} is a multicast address (QEMU refuses it)`);
  return mac;
}

/**
 * The NICs for `nics` in command-line (creation) order: each in its given place or the next free
 * PCI slot on bus 0, with its given MAC or the next default one (QEMU counts only NICs without
 * mac=, net/net.c qemu_macaddr_default_if_unset), and its given ROM file or its model's default.
 */
export function qemuNics(machine: MachineType, nics: readonly (string | NicSpec)[], o: NicOptions = {}): VmmNic[] {
  const dirs = o.optionRomDir === undefined ? DEFAULT_ROM_DIRS : [o.optionRomDir];
  const read = o.readRom ?? readRomBar;
  let defaultMacs = 0;
  let defaultSlots = 0;
  return nics.map((n) => {
    const spec: NicSpec = typeof n === 'string' ? { model: n } : n;
    const info = nicModel(spec.model);
    const romfile = spec.romfile ?? info.romfile;
    const file = isAbsolute(romfile) ? romfile : findRomFile(romfile, dirs);
    const mac = spec.mac ?? defaultMac(defaultMacs++);
    const path = spec.pciPath;
    const last = path?.[path.length - 1];
    if (path !== undefined && (last === undefined || path.length > 8)) throw new VmmError('NO_PCI_SLOT', `a PCI location of ${path.length} nodes`);
    const onBus0 = path === undefined || (path.length === 1 && last?.fn === 0);
    return {
      model: info.model,
      device: last?.device ?? pciSlot(machine, defaultSlots++ + (o.slotsBefore ?? 0)),
      ...(onBus0 ? {} : { pciPath: path }),
      mac,
      optionRom: read(file),
    };
  });
}
