/**
 * fw_cfg on QEMU's Arm `virt` machine (`qemu-system-aarch64 -M virt`): an MMIO device at
 * VIRT_FW_CFG 0x09020000 (hw/arm/virt.c memmap, QEMU 7.2), described in the device tree as
 * "qemu,fw-cfg-mmio". Its registers (hw/nvram/fw_cfg.c, docs/specs/fw_cfg.rst): data at +0 (read
 * byte by byte here), selector at +8 (16-bit, big-endian), DMA address at +16 (64-bit,
 * big-endian; a full 64-bit write starts the transfer). A qtest `writew`/`writeq` is a store by the
 * little-endian guest CPU, so the values are byte-swapped first, as ArmVirtPkg's QemuFwCfgLib
 * does (MmioWrite16(SwapBytes16(key)), MmioWrite64(SwapBytes64(address))).
 */
import { FwCfg } from './fw-cfg.ts';
import type { FwCfgRegisters } from './fw-cfg.ts';
import { QtestSession } from './qtest.ts';
import type { QtestOptions } from './qtest.ts';

/** VIRT_FW_CFG's base and register offsets. */
export const VIRT_FW_CFG = { BASE: 0x0902_0000n, DATA: 0n, SELECTOR: 8n, DMA: 16n } as const;
/** VIRT_MEM: the scratch area is 1 MiB into guest RAM (any RAM will do: no guest code runs). */
const VIRT_SCRATCH = 0x4010_0000n;

const swap16 = (v: number): bigint => BigInt(((v & 0xff) << 8) | ((v >>> 8) & 0xff));

function swap64(v: bigint): bigint {
  let out = 0n;
  for (let i = 0n; i < 8n; i++) out = (out << 8n) | ((v >> (8n * i)) & 0xffn);
  return out;
}

/** The `virt` machine's fw_cfg registers, for {@link FwCfg.open}. */
export function virtMmioRegisters(qt: QtestSession): FwCfgRegisters {
  return {
    select: (key) => qt.mmioWrite('w', VIRT_FW_CFG.BASE + VIRT_FW_CFG.SELECTOR, swap16(key)),
    readByte: async () => Number(await qt.mmioRead('b', VIRT_FW_CFG.BASE + VIRT_FW_CFG.DATA)),
    startDma: (d) => qt.mmioWrite('q', VIRT_FW_CFG.BASE + VIRT_FW_CFG.DMA, swap64(d)),
    scratch: VIRT_SCRATCH,
  };
}

/** What {@link readVirtFwCfgFiles} takes: the `virt` VM's options, without firmware. */
export interface ReadVirtFwCfgOptions extends QtestOptions {
  /** Files to read (default: every file). */
  readonly names?: readonly string[];
}

/**
 * Starts `qemu-system-aarch64` (default) with the `virt` VM's options under qtest and reads fw_cfg
 * files: name → contents (a requested name QEMU does not have is absent). Nothing is programmed
 * first: the firmware's PEI phase on `virt` sets no device state the ACPI tables depend on.
 */
export async function readVirtFwCfgFiles(options: ReadVirtFwCfgOptions): Promise<Map<string, Uint8Array>> {
  const qt = await QtestSession.start({ ...options, qemuBinary: options.qemuBinary ?? 'qemu-system-aarch64' });
  try {
    const fw = await FwCfg.open(qt, virtMmioRegisters(qt));
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
