import { FwCfg } from './fw-cfg.ts';
import type { FwCfgFileEntry } from './fw-cfg.ts';
import { FwCfgError } from './errors.ts';
import { programFirmwareChipset } from './chipset.ts';
import type { FirmwareChipsetState } from './chipset.ts';
import { QtestSession } from './qtest.ts';
import { programOvmfPci } from './ovmf-pci/allocate.ts';
import type { OvmfPciApertures, PlacedResource } from './ovmf-pci/allocate.ts';
import { parseE820 } from './ovmf-pci/apertures.ts';
import type { E820Entry } from './ovmf-pci/apertures.ts';
import { qtestConfigSpace } from './ovmf-pci/config-space.ts';
import type { QtestOptions } from './qtest.ts';

/** ICH9_LPC_SMI_F_BROADCAST | CPU_HOTPLUG | CPU_HOT_UNPLUG: what OVMF's SMM builds request. */
export const OVMF_SMI_FEATURE_MASK = 0x7n;

/** What {@link readQemuFwCfgFiles} takes. */
export interface ReadFwCfgOptions extends QtestOptions {
  /** The machine type the args select (decides the chipset registers programmed first). */
  readonly machine: 'q35' | 'pc';
  /** Files to read (default: every file). */
  readonly names?: readonly string[];
  /** The chipset state to program first (default: OVMF's); `false`: leave QEMU's reset state. */
  readonly chipset?: FirmwareChipsetState | false;
  /**
   * SMM builds: the SMI features OVMF negotiates before DXE (OvmfPkg SmiFeatures.c: it writes
   * etc/smi/requested-features = supported & this mask, then reads etc/smi/features-ok), which
   * change QEMU's CPU hotplug AML. Undefined: no negotiation (non-SMM builds).
   */
  readonly smiFeatureMask?: bigint;
  /**
   * Program the PCI hierarchy first as OVMF's PciBusDxe leaves it in these apertures (bus
   * numbers, BARs, bridge windows, decoding on; ovmf-pci/): QEMU builds etc/acpi/tables from it.
   * Undefined: QEMU's reset state (right for a VM without PCI devices beyond the chipset's).
   */
  readonly pci?: OvmfPciApertures | ((e820: readonly E820Entry[] | undefined) => OvmfPciApertures);
  /** Told where each BAR and bridge window went (with `pci`). */
  readonly onPciPlaced?: (placed: readonly PlacedResource[]) => void;
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
    const dir = await fw.files();
    if (options.pci !== undefined) {
      // PlatformPei's apertures may need QEMU's E820 table (PlatformScanE820), read as it reads it
      let apertures: OvmfPciApertures;
      if (typeof options.pci === 'function') {
        const e820 = dir.find((f) => f.name === 'etc/e820');
        apertures = options.pci(e820 !== undefined && e820.size % 20 === 0 && e820.size <= 20 * 128 ? parseE820(await fw.readItem(e820.select, e820.size)) : undefined);
      } else apertures = options.pci;
      const placed = await programOvmfPci(qtestConfigSpace(qt), apertures);
      options.onPciPlaced?.(placed);
    }
    if (options.smiFeatureMask !== undefined) await negotiateSmiFeatures(fw, dir, options.smiFeatureMask);
    const out = new Map<string, Uint8Array>();
    for (const f of dir) {
      if (options.names !== undefined && !options.names.includes(f.name)) continue;
      out.set(f.name, await fw.readItem(f.select, f.size));
    }
    return out;
  } finally {
    await qt.close();
  }
}

async function negotiateSmiFeatures(fw: FwCfg, dir: readonly FwCfgFileEntry[], mask: bigint): Promise<void> {
  const find = (n: string): FwCfgFileEntry => {
    const f = dir.find((x) => x.name === n);
    if (f === undefined) throw new FwCfgError('NO_SUCH_FILE', `fw_cfg has no file '${n}' (SMI feature negotiation)`);
    return f;
  };
  const supported = find('etc/smi/supported-features');
  const requested = find('etc/smi/requested-features');
  const ok = find('etc/smi/features-ok');
  const sup = Buffer.from(await fw.readItem(supported.select, 8)).readBigUInt64LE(0);
  const req = Buffer.alloc(8);
  req.writeBigUInt64LE(sup & mask);
  await fw.writeItem(requested.select, req);
  const answer = await fw.readItem(ok.select, 1);
  if (answer[0] !== 1) throw new FwCfgError('DMA_ERROR', `etc/smi/features-ok is ${answer[0] ?? 'empty'} after requesting 0x${(sup & mask).toString(16)}`);
}
