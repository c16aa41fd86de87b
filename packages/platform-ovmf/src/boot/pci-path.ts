/**
 * Where a PCI function sits as the firmware sees it: the chain of device/function numbers from
 * the root bridge, one per bridge or root port on the way and the function itself last. OVMF's
 * device path for it is `PciRoot(0x0)/Pci(d0,f0)/…/Pci(dn,fn)` (PciBusDxe appends one PCI node per
 * bus level, MdeModulePkg/Bus/Pci/PciBusDxe/PciDeviceSupport.c CreatePciDevicePath).
 *
 * PciBus enumerates depth first: bus 0 in device/function order, and a bridge's secondary bus as
 * soon as the bridge is found (PciScanBus), so the functions' order (the order their option ROMs
 * are loaded and their controllers connected) is the lexicographic order of these chains.
 */
import { devicePathFromText } from '@tcg2sim/uefi';
import type { DevicePathNode } from '@tcg2sim/uefi';

/** One PCI node: device (slot) and function on its bus. */
export interface PciFunction {
  readonly device: number;
  readonly fn: number;
}

/** The chain from the root bridge to the function (at least one node). */
export type PciPath = readonly PciFunction[];

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase()}`;
}

/** Function `fn` of device `device` on bus 0. */
export function rootPciPath(device: number, fn = 0): PciPath {
  return [{ device, fn }];
}

/** `PciRoot(0x0)/Pci(0x1,0x0)/Pci(0x0,0x0)`. */
export function pciPathText(p: PciPath): string {
  return ['PciRoot(0x0)', ...p.map((n) => `Pci(${hex(n.device)},${hex(n.fn)})`)].join('/');
}

/** The device path nodes of `p`, without the end node. */
export function pciPathNodes(p: PciPath): DevicePathNode[] {
  return devicePathFromText(pciPathText(p)).nodes.filter((n) => n.type !== 0x7f);
}

/** PciBus's enumeration order (depth first): negative when `a` comes before `b`. */
export function comparePciPaths(a: PciPath, b: PciPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) break;
    if (x.device !== y.device) return x.device - y.device;
    if (x.fn !== y.fn) return x.fn - y.fn;
  }
  return a.length - b.length;
}

/**
 * Parses `PciRoot(0x0)/Pci(0x1,0x0)/…` (hex or decimal numbers) into a path; undefined for
 * anything else (another root, other nodes, numbers out of range).
 */
export function parsePciPathText(text: string): PciPath | undefined {
  const parts = text.split('/');
  if (parts.shift() !== 'PciRoot(0x0)' || parts.length === 0 || parts.length > 8) return undefined;
  const out: PciFunction[] = [];
  for (const p of parts) {
    const m = /^Pci\((0x[0-9A-Fa-f]{1,2}|\d{1,2}),(0x[0-7]|[0-7])\)$/.exec(p);
    if (m?.[1] === undefined || m[2] === undefined) return undefined;
    const device = Number(m[1]);
    if (device > 31) return undefined;
    out.push({ device, fn: Number(m[2]) });
  }
  return out;
}
