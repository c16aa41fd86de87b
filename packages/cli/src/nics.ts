import { VmmError, qemuNics } from '@tcg2sim/qemu-vmm';
import type { VmmNic } from '@tcg2sim/qemu-vmm';
import { UsageError } from './errors.ts';

/**
 * The VM's NICs (`--nic MODEL`, repeatable): each `-netdev user,id=nN -device MODEL,netdev=nN`
 * in order (after `slotsBefore` slots the disks' controllers took), with QEMU's default slot, MAC and option ROM file (from `--option-rom-dir` when
 * given). A missing or unreadable ROM file is bad input (exit 2).
 */
export function loadNics(machine: 'q35' | 'pc', models: readonly string[] | undefined, optionRomDir: string | undefined, slotsBefore = 0): VmmNic[] | undefined {
  if (models === undefined || models.length === 0) return undefined;
  try {
    return qemuNics(machine, models, { ...(optionRomDir === undefined ? {} : { optionRomDir }), slotsBefore });
  } catch (e) {
    if (e instanceof VmmError) throw new UsageError(`--nic: ${e.message}`, { cause: e });
    throw e;
  }
}
