/**
 * The resource-tree half of EDK II's PciBusDxe (MdeModulePkg/Bus/Pci/PciBusDxe/PciResourceSupport.c,
 * PciLib.c PciHostBridgeResourceAllocator) as OVMF configures it: one tree per resource type
 * under the root bridge, each bridge an aperture node of its children. Facts kept:
 * - InsertResourceNode keeps a list sorted by alignment, larger first; among equal alignments a
 *   node whose length is a multiple of its alignment goes before the nodes already there;
 * - CreateResourceMap: a device's BARs (in register order), then for a bridge its own five nodes
 *   (I/O aligned to 4 KiB, memory to 1 MiB), filled recursively and kept when not empty; then
 *   the bridge's padding (hot-plug), then DegradeResource, then CalculateResourceAperture;
 * - DegradeResource: a PCI-to-PCI bridge has no 64-bit non-prefetchable window (MEM64 goes to
 *   MEM32), PMEM64 goes to PMEM32 without upper registers, PMEM32 goes to MEM32 when PMEM64 is
 *   used or when there is no prefetchable window; OVMF's root bridge combines MEM and PMEM
 *   (PciHostBridgeUtilityLib: EFI_PCI_HOST_BRIDGE_COMBINE_MEM_PMEM), and 64-bit BARs are never
 *   degraded for an option ROM (OvmfPkg IncompatiblePciDeviceSupportDxe fixes their type);
 * - CalculateResourceAperture: children at increasing aligned offsets, typical and padding
 *   resources separately (the larger wins), the length aligned to the bridge's alignment, which
 *   then becomes the first child's when larger;
 * - option ROMs share one MEM32 node at the root, as large as the largest ROM (GetMaxOptionRomSize).
 */
import type { BarKind, Padding, PciFunction } from './scan.ts';

/** A resource tree node. */
export interface ResNode {
  readonly owner: PciFunction | undefined;
  /** What programming the node writes: a BAR, a bridge window, or nothing (ROM, padding). */
  readonly target: { readonly kind: 'bar'; readonly offset: number; readonly wide: boolean } | { readonly kind: 'window'; readonly window: BarKind } | { readonly kind: 'none' };
  readonly usage: 'typical' | 'padding';
  length: bigint;
  alignment: bigint;
  offset: bigint;
  readonly children: ResNode[];
}

/** The five trees of one bridge (or of the root bridge). */
export type ResTrees = Record<BarKind, ResNode>;

export const KINDS: readonly BarKind[] = ['io', 'mem32', 'pmem32', 'mem64', 'pmem64'];

function node(owner: PciFunction | undefined, target: ResNode['target'], length: bigint, alignment: bigint, usage: ResNode['usage'] = 'typical'): ResNode {
  return { owner, target, usage, length, alignment, offset: 0n, children: [] };
}

/** InsertResourceNode. */
export function insertNode(parent: ResNode, n: ResNode): void {
  const list = parent.children;
  list.unshift(n);
  for (let i = 0; i + 1 < list.length; i++) {
    const t = list[i + 1] as ResNode;
    if (n.alignment > t.alignment) break;
    if (n.alignment === t.alignment) {
      const rest = n.length & n.alignment;
      if (rest === 0n || rest >= (t.length & t.alignment)) break;
    }
    list[i] = t;
    list[i + 1] = n;
  }
}

/** MergeResourceTree: every child of `from` into `to`, in `from`'s order. */
function merge(to: ResNode, from: ResNode): void {
  while (from.children.length > 0) insertNode(to, from.children.shift() as ResNode);
}

function newTrees(owner: PciFunction | undefined, root: boolean): ResTrees {
  const t = (k: BarKind, align: bigint): ResNode => node(owner, root ? { kind: 'none' } : { kind: 'window', window: k }, 0n, align);
  return { io: t('io', 0xfffn), mem32: t('mem32', 0xfffffn), pmem32: t('pmem32', 0xfffffn), mem64: t('mem64', 0xfffffn), pmem64: t('pmem64', 0xfffffn) };
}

const PADDING_TREE: Readonly<Record<Padding['kind'], BarKind>> = { io: 'io', mem32: 'mem32', pmem32: 'pmem32', pmem64: 'pmem64' };

/** CalculateResourceAperture (and CalculateApertureIo16 for I/O, whose padding is one node). */
function calculateAperture(b: ResNode, io: boolean): void {
  const aperture = { typical: 0n, padding: 0n };
  const align = (v: bigint, a: bigint): bigint => (v + a) & ~a;
  for (const n of b.children) {
    if (io && n.usage === 'padding') {
      aperture.padding = n.length;
      continue;
    }
    n.offset = align(aperture[n.usage], n.alignment);
    aperture[n.usage] = n.offset + n.length;
  }
  const first = b.children[0];
  if (io) {
    b.length = align(aperture.typical, b.alignment);
    if (first !== undefined && first.alignment > b.alignment) b.alignment = first.alignment;
    b.length = b.length > aperture.padding ? b.length : aperture.padding;
    return;
  }
  const typical = align(aperture.typical, b.alignment);
  const padding = align(aperture.padding, b.alignment);
  b.length = typical > padding ? typical : padding;
  if (first !== undefined && first.alignment > b.alignment) b.alignment = first.alignment;
}

/** DegradeResource for a PCI-to-PCI bridge (`bridge` set) or OVMF's root bridge. */
function degrade(t: ResTrees, bridge: PciFunction['bridge']): void {
  if (bridge !== undefined) {
    merge(t.mem32, t.mem64);
    if (!bridge.pmem64) merge(t.pmem32, t.pmem64);
    if (t.pmem64.children.length > 0) merge(t.mem32, t.pmem32);
    if (!bridge.pmem32) merge(t.mem32, t.pmem32);
    return;
  }
  merge(t.mem32, t.pmem32);
  merge(t.mem64, t.pmem64);
}

/** CreateResourceMap for the functions behind one bridge (or on the root bus). */
function createResourceMap(fns: readonly PciFunction[], t: ResTrees, bridge: PciFunction['bridge']): void {
  for (const f of fns) {
    for (const bar of f.bars) insertNode(t[bar.kind], node(f, { kind: 'bar', offset: bar.offset, wide: bar.kind === 'mem64' || bar.kind === 'pmem64' }, bar.length, bar.alignment));
    if (f.bridge === undefined) continue;
    const inner = newTrees(f, false);
    createResourceMap(f.bridge.children, inner, f.bridge);
    for (const k of KINDS) if (inner[k].children.length > 0 || inner[k].length !== 0n) insertNode(t[k], inner[k]);
  }
  for (const p of bridge?.padding ?? []) {
    if (p.length !== 0n) insertNode(t[PADDING_TREE[p.kind]], node(undefined, { kind: 'none' }, p.length, p.length - 1n, 'padding'));
  }
  degrade(t, bridge);
  for (const k of ['mem32', 'pmem32', 'mem64', 'pmem64', 'io'] as const) calculateAperture(t[k], k === 'io');
}

/** The largest expansion ROM in the hierarchy (GetMaxOptionRomSize). */
function maxRomSize(fns: readonly PciFunction[]): number {
  let max = 0;
  for (const f of fns) max = Math.max(max, f.romSize, f.bridge !== undefined ? maxRomSize(f.bridge.children) : 0);
  return max;
}

/** The root bridge's trees for the hierarchy, apertures calculated. */
export function rootResourceTrees(fns: readonly PciFunction[]): ResTrees {
  const t = newTrees(undefined, true);
  const rom = BigInt(maxRomSize(fns));
  if (rom !== 0n) insertNode(t.mem32, node(undefined, { kind: 'none' }, rom, rom - 1n));
  createResourceMap(fns, t, undefined);
  return t;
}
