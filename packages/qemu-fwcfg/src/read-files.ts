import { FwCfg } from './fw-cfg.ts';
import { programFirmwareChipset } from './chipset.ts';
import type { FirmwareChipsetState } from './chipset.ts';
import { QtestSession } from './qtest.ts';
import type { QtestOptions } from './qtest.ts';

/** What {@link readQemuFwCfgFiles} takes. */
export interface ReadFwCfgOptions extends QtestOptions {
  /** The machine type the args select (decides the chipset registers programmed first). */
  readonly machine: 'q35' | 'pc';
  /** Files to read (default: every file). */
  readonly names?: readonly string[];
  /** The chipset state to program first (default: OVMF's); `false`: leave QEMU's reset state. */
  readonly chipset?: FirmwareChipsetState | false;
}

/**
 * Starts QEMU with the VM's options under qtest, sets the chipset as OVMF's PlatformPei does, and
 * reads fw_cfg files: name → contents (a requested name QEMU does not have is absent).
 */
export async function readQemuFwCfgFiles(options: ReadFwCfgOptions): Promise<Map<string, Uint8Array>> {
  const qt = await QtestSession.start(options);
  try {
    if (options.chipset !== false) await programFirmwareChipset(qt, options.machine, options.chipset === undefined ? undefined : options.chipset);
    const fw = await FwCfg.open(qt);
    const out = new Map<string, Uint8Array>();
    for (const f of await fw.files()) {
      if (options.names !== undefined && !options.names.includes(f.name)) continue;
      out.set(f.name, await fw.readItem(f.select, f.size));
    }
    return out;
  } finally {
    await qt.close();
  }
}
