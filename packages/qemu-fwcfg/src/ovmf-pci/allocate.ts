/**
 * Places the root bridge's resource trees in OVMF's apertures and writes the result into QEMU's
 * configuration space, as EDK II's PciHostBridgeDxe (PciHostBridge.c AllocateResource: each
 * resource type of the root bridge bottom-up in its aperture, at the first address aligned to
 * the tree's alignment) and PciBusDxe (ProgramResource, ProgramBar, ProgramPpbApperture) do. Then
 * every function gets I/O and memory decoding enabled, as OvmfPkg/AcpiPlatformDxe
 * (PciDecoding.c EnablePciDecoding) does while it downloads QEMU's ACPI blobs: QEMU's 64-bit PCI
 * hole in the DSDT follows the 64-bit BARs and prefetchable bridge windows that decode then.
 */
import { FwCfgError } from '../errors.ts';
import type { PciConfigSpace } from './config-space.ts';
import { pciAddressText } from './config-space.ts';
import type { ResNode, ResTrees } from './resource-tree.ts';
import { rootResourceTrees } from './resource-tree.ts';
import { allFunctions, scanPciHierarchy } from './scan.ts';
import type { BarKind, PciFunction } from './scan.ts';

/** An address range [base, limit]. */
export interface Aperture {
  readonly base: bigint;
  readonly limit: bigint;
}

/** The root bridge's apertures as OVMF's PlatformPei sets them (PcdPciIo*, PcdPciMmio32*, PcdPciMmio64*). */
export interface OvmfPciApertures {
  readonly io: Aperture;
  readonly mmio32: Aperture;
  /** Undefined: no 64-bit aperture (64-bit BARs then go below 4 GiB). */
  readonly mmio64?: Aperture;
}

/** Where one resource ended up (for `info pci`-like reports and tests). */
export interface PlacedResource {
  readonly function: string;
  /** `bar@0x10` or a bridge window `window:mem32`. */
  readonly what: string;
  readonly base: bigint;
  readonly length: bigint;
}

function allocate(kind: string, tree: ResNode, ap: Aperture): bigint {
  const base = (ap.base + tree.alignment) & ~tree.alignment;
  if (base + tree.length - 1n > ap.limit) {
    throw new FwCfgError('PCI_NOT_MODELLED', `the ${kind} resources (0x${tree.length.toString(16)} bytes, aligned to 0x${(tree.alignment + 1n).toString(16)}) do not fit OVMF's aperture [0x${ap.base.toString(16)}, 0x${ap.limit.toString(16)}] (PciBusDxe would then drop devices: not modelled)`);
  }
  return base;
}

async function programWindow(cs: PciConfigSpace, f: PciFunction, window: BarKind, base: bigint, length: bigint): Promise<void> {
  const end = base + length - 1n;
  if (window === 'io') {
    await cs.write(f, 0x1c, 1, Number((base >> 8n) & 0xffn));
    await cs.write(f, 0x30, 2, Number((base >> 16n) & 0xffffn));
    await cs.write(f, 0x1d, 1, Number((end >> 8n) & 0xffn));
    await cs.write(f, 0x32, 2, Number((end >> 16n) & 0xffffn));
  } else if (window === 'mem32' || window === 'mem64') {
    await cs.write(f, 0x20, 2, Number((base >> 16n) & 0xffffn));
    await cs.write(f, 0x22, 2, Number((end >> 16n) & 0xffffn));
  } else {
    await cs.write(f, 0x24, 2, Number((base >> 16n) & 0xffffn));
    await cs.write(f, 0x26, 2, Number((end >> 16n) & 0xffffn));
    await cs.write(f, 0x28, 4, Number(base >> 32n));
    await cs.write(f, 0x2c, 4, Number(end >> 32n));
  }
}

/** ProgramResource: every node under `tree` at `base` + its offset. */
async function program(cs: PciConfigSpace, base: bigint, tree: ResNode, placed: PlacedResource[]): Promise<void> {
  for (const n of tree.children) {
    const at = base + n.offset;
    if (n.usage === 'padding' || n.owner === undefined) continue;
    if (n.target.kind === 'bar') {
      await cs.write(n.owner, n.target.offset, 4, Number(at & 0xffff_ffffn));
      if (n.target.wide) await cs.write(n.owner, n.target.offset + 4, 4, Number(at >> 32n));
      placed.push({ function: pciAddressText(n.owner), what: `bar@0x${n.target.offset.toString(16)}`, base: at, length: n.length });
    } else if (n.target.kind === 'window') {
      await program(cs, at, n, placed);
      if (n.length !== 0n) {
        await programWindow(cs, n.owner, n.target.window, at, n.length);
        placed.push({ function: pciAddressText(n.owner), what: `window:${n.target.window}`, base: at, length: n.length });
      }
    }
  }
}

/**
 * Enumerates QEMU's PCI hierarchy and programs it as OVMF leaves it when AcpiPlatformDxe reads
 * the ACPI blobs: bus numbers, BARs, bridge windows, I/O and memory decoding on. Returns where
 * each BAR and window went.
 */
export async function programOvmfPci(cs: PciConfigSpace, ap: OvmfPciApertures): Promise<PlacedResource[]> {
  const mmio64Size = ap.mmio64 !== undefined ? ap.mmio64.limit - ap.mmio64.base + 1n : 0n;
  const fns = await scanPciHierarchy(cs, { mmio64Size });
  const trees: ResTrees = rootResourceTrees(fns);
  if (ap.mmio64 === undefined && trees.mem64.children.length > 0) throw new FwCfgError('PCI_NOT_MODELLED', '64-bit BARs without a 64-bit aperture (PciBusDxe degrades them below 4 GiB): not modelled');
  const placed: PlacedResource[] = [];
  const roots: Array<[string, ResNode, Aperture]> = [
    ['I/O', trees.io, ap.io],
    ['32-bit MMIO', trees.mem32, ap.mmio32],
    ['64-bit MMIO', trees.mem64, ap.mmio64 ?? ap.mmio32],
  ];
  for (const [kind, tree, aperture] of roots) {
    if (tree.children.length === 0) continue;
    await program(cs, allocate(kind, tree, aperture), tree, placed);
  }
  for (const f of allFunctions(fns)) {
    const cmd = await cs.read(f, 0x04, 2);
    await cs.write(f, 0x04, 2, cmd | 0x3);
  }
  return placed;
}
