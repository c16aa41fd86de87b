import { VmmError, qemuNics, readRomBar } from '@tcg2sim/qemu-vmm';
import type { OptionRomBar, VmmNic } from '@tcg2sim/qemu-vmm';
import { UsageError } from './errors.ts';

/**
 * The VM's NICs (`--nic MODEL`, repeatable): each `-netdev user,id=nN -device MODEL,netdev=nN`
 * in order (after `slotsBefore` slots the disks' controllers took), with QEMU's default slot, MAC and option ROM file (from `--option-rom-dir` when
 * given). A missing or unreadable ROM file is bad input (exit 2).
 */
export function loadNics(machine: 'q35' | 'pc', models: readonly string[] | undefined, optionRomDir: string | undefined, slotsBefore = 0, readRom: (path: string) => OptionRomBar = readRomBar): VmmNic[] | undefined {
  if (models === undefined || models.length === 0) return undefined;
  try {
    return qemuNics(machine, models, { ...(optionRomDir === undefined ? {} : { optionRomDir }), slotsBefore, readRom });
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
