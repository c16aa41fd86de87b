/**
 * The enumeration half of EDK II's PciBusDxe as OVMF runs it (MdeModulePkg/Bus/Pci/PciBusDxe:
 * PciLib.c PciScanBus, PciEnumeratorSupport.c PciParseBar and GatherPpbInfo, PciOptionRomSupport.c),
 * done against QEMU's own configuration space: the devices, their BARs and ROM sizes come from
 * probing the registers (write all ones, read back) exactly as the firmware does, so no table of
 * device models is needed. Bus numbers are assigned depth first as PciScanBus does (each bridge
 * takes the next free bus; subordinate after its subtree and any bus padding), and written.
 * Hot-plug bridges (an SHPC, or a PCIe root or downstream port whose slot is hot-plug capable:
 * PciHotPlugSupport.c IsPciHotPlugBus) get OVMF's resource padding (OvmfPkg/PciHotPlugInitDxe
 * GetResourcePadding): QEMU's Red Hat vendor capability "resource reservation" when present,
 * else 2 MiB of 32-bit MMIO and, when the 64-bit aperture is over 32 GiB, 1/256 of it as
 * prefetchable 64-bit MMIO; no I/O unless the capability asks.
 */
import { FwCfgError } from '../errors.ts';
import type { PciAddress, PciConfigSpace } from './config-space.ts';
import { pciAddressText } from './config-space.ts';

/** What a BAR decodes. */
export type BarKind = 'io' | 'mem32' | 'pmem32' | 'mem64' | 'pmem64';

/** A BAR as PciParseBar sizes it. */
export interface ProbedBar {
  /** Register offset (0x10 …; a 64-bit BAR takes this one and the next). */
  readonly offset: number;
  readonly kind: BarKind;
  readonly length: bigint;
  /** Alignment mask (length - 1, at least 4 KiB - 1 for memory). */
  readonly alignment: bigint;
}

/** One resource padding request (an ACPI address space descriptor of GetResourcePadding). */
export interface Padding {
  readonly kind: 'io' | 'mem32' | 'pmem32' | 'pmem64';
  readonly length: bigint;
}

/** A function found on a bus. */
export interface PciFunction extends PciAddress {
  readonly bars: readonly ProbedBar[];
  /** Expansion ROM size (0: none). */
  readonly romSize: number;
  /** A PCI-to-PCI bridge (class 06/04): its subtree. */
  readonly bridge?: PciBridge;
}

/** A bridge's secondary side as the enumeration left it. */
export interface PciBridge {
  readonly secondary: number;
  readonly subordinate: number;
  readonly children: readonly PciFunction[];
  /** GatherPpbInfo: the prefetchable window exists (PMEM32) and has upper registers (PMEM64). */
  readonly pmem32: boolean;
  readonly pmem64: boolean;
  /** Resource padding when the bridge is a hot-plug bus. */
  readonly padding: readonly Padding[];
}

/** What the scan needs from the platform. */
export interface ScanOptions {
  /** PcdPciMmio64Size as PlatformPei left it (decides the default prefetchable padding). */
  readonly mmio64Size: bigint;
}

const ALL = 0xffff_ffff;
const MAX_CAPS = 48;

async function probe32(cs: PciConfigSpace, a: PciAddress, reg: number, ones = ALL): Promise<{ value: number; original: number }> {
  const original = await cs.read(a, reg, 4);
  await cs.write(a, reg, 4, ones);
  const value = await cs.read(a, reg, 4);
  await cs.write(a, reg, 4, original);
  return { value, original };
}

/** PciParseBar for the BARs from 0x10 to `last`. */
async function probeBars(cs: PciConfigSpace, a: PciAddress, last: number): Promise<ProbedBar[]> {
  const bars: ProbedBar[] = [];
  for (let offset = 0x10; offset <= last; offset += 4) {
    const { value } = await probe32(cs, a, offset);
    if (value === 0) continue;
    if ((value & 1) !== 0) {
      const io32 = (value & 0xffff_0000) !== 0;
      const length = BigInt(((~(value & 0xffff_fffc) >>> 0) + 1) & (io32 ? ALL : 0xffff));
      if (length !== 0n) bars.push({ offset, kind: 'io', length, alignment: length - 1n });
      continue;
    }
    const prefetchable = (value & 8) !== 0;
    const low = BigInt((value & 0xffff_fff0) >>> 0);
    if ((value & 6) === 4) {
      offset += 4;
      let high = (await probe32(cs, a, offset)).value;
      high = high === 0 ? ALL : (high | (ALL << (31 - Math.clz32(high)))) >>> 0;
      const length = ((~((BigInt(high) << 32n) | low)) & 0xffff_ffff_ffff_ffffn) + 1n;
      if (length === 0n || length > 1n << 63n) continue;
      bars.push({ offset: offset - 4, kind: prefetchable ? 'pmem64' : 'mem64', length, alignment: length < 0x1000n ? 0xfffn : length - 1n });
    } else if ((value & 6) === 0) {
      const length = ((~low) & 0xffff_ffffn) + 1n;
      bars.push({ offset, kind: prefetchable ? 'pmem32' : 'mem32', length, alignment: length < 0x1000n ? 0xfffn : length - 1n });
    } else {
      throw new FwCfgError('PCI_NOT_MODELLED', `${pciAddressText(a)}: BAR at 0x${offset.toString(16)} has reserved type bits (0x${value.toString(16)})`);
    }
  }
  return bars;
}

async function romSize(cs: PciConfigSpace, a: PciAddress, reg: number): Promise<number> {
  const { value } = await probe32(cs, a, reg, 0xffff_fffe);
  const mask = (value & 0xffff_f800) >>> 0;
  return mask === 0 ? 0 : ((~mask >>> 0) + 1) >>> 0;
}

/** Offsets of the capabilities with `id` in the legacy capability list. */
async function capabilities(cs: PciConfigSpace, a: PciAddress, id: number): Promise<number[]> {
  if (((await cs.read(a, 0x06, 2)) & 0x10) === 0) return [];
  const found: number[] = [];
  let p = (await cs.read(a, 0x34, 1)) & 0xfc;
  for (let i = 0; i < MAX_CAPS && p >= 0x40; i++) {
    if ((await cs.read(a, p, 1)) === id) found.push(p);
    p = (await cs.read(a, p + 1, 1)) & 0xfc;
  }
  return found;
}

/** SupportsPcieHotplug / IsSHPC. */
async function isHotPlugBus(cs: PciConfigSpace, a: PciAddress): Promise<boolean> {
  if ((await capabilities(cs, a, 0x0c)).length > 0) return true;
  const [pcie] = await capabilities(cs, a, 0x10);
  if (pcie === undefined) return false;
  const caps = await cs.read(a, pcie + 2, 2);
  const portType = (caps >> 4) & 0xf;
  if ((portType !== 4 && portType !== 6) || (caps & 0x100) === 0) return false;
  return ((await cs.read(a, pcie + 0x14, 4)) & 0x40) !== 0;
}

const U32_MAX = 0xffff_ffffn;
const U64_MAX = 0xffff_ffff_ffff_ffffn;
const roundUpPow2 = (v: bigint): bigint | undefined => {
  if (v > 1n << 63n) return undefined;
  let p = 1n;
  while (p < v) p <<= 1n;
  return p;
};

/** OvmfPkg PciHotPlugInitDxe GetResourcePadding, with QueryReservationHint. */
async function hotPlugPadding(cs: PciConfigSpace, a: PciAddress, o: ScanOptions): Promise<{ padding: Padding[]; buses: number }> {
  const padding: Padding[] = [];
  let buses = 0;
  let defaultMmio = true;
  let defaultPref = true;
  if ((await cs.read(a, 0x00, 2)) === 0x1b36) {
    for (const c of await capabilities(cs, a, 0x09)) {
      if ((await cs.read(a, c + 2, 1)) !== 0x20 || (await cs.read(a, c + 3, 1)) !== 1) continue;
      const u64 = async (r: number): Promise<bigint> => BigInt(await cs.read(a, r, 4)) | (BigInt(await cs.read(a, r + 4, 4)) << 32n);
      const bus = BigInt(await cs.read(a, c + 4, 4));
      const io = await u64(c + 8);
      const mem = BigInt(await cs.read(a, c + 0x10, 4));
      const pref32 = BigInt(await cs.read(a, c + 0x14, 4));
      const pref64 = await u64(c + 0x18);
      if (bus !== 0n && bus !== U32_MAX) buses = Number(bus);
      if (io !== 0n && io !== U64_MAX) {
        const l = roundUpPow2(io);
        if (l !== undefined) padding.push({ kind: 'io', length: l });
      }
      if (mem === 0n) defaultMmio = false;
      else if (mem !== U32_MAX) {
        padding.push({ kind: 'mem32', length: roundUpPow2(mem) ?? 0n });
        defaultMmio = false;
      }
      if (pref32 > 0n && pref32 < U32_MAX) {
        padding.push({ kind: 'pmem32', length: roundUpPow2(pref32) ?? 0n });
        defaultPref = false;
      } else if (pref64 > 0n && pref64 < U64_MAX) {
        const l = roundUpPow2(pref64);
        if (l !== undefined) {
          padding.push({ kind: 'pmem64', length: l });
          defaultPref = false;
        }
      }
      break;
    }
  }
  if (defaultMmio) padding.push({ kind: 'mem32', length: 2n << 20n });
  if (defaultPref && o.mmio64Size > 32n << 30n) padding.push({ kind: 'pmem64', length: roundUpPow2(o.mmio64Size >> 8n) ?? 0n });
  return { padding, buses };
}

/** GatherPpbInfo's decode probe; InitializePpb's quiescent windows (base all ones, limit zero). */
async function bridgeDecodes(cs: PciConfigSpace, a: PciAddress): Promise<{ pmem32: boolean; pmem64: boolean }> {
  const pmem32 = (await probe32(cs, a, 0x24)).value !== 0;
  const pmem64 = pmem32 && (await probe32(cs, a, 0x28)).value !== 0;
  await cs.write(a, 0x1c, 1, 0xff);
  await cs.write(a, 0x1d, 1, 0);
  await cs.write(a, 0x20, 2, 0xffff);
  await cs.write(a, 0x22, 2, 0);
  await cs.write(a, 0x24, 2, 0xffff);
  await cs.write(a, 0x26, 2, 0);
  await cs.write(a, 0x28, 4, ALL);
  await cs.write(a, 0x2c, 4, 0);
  await cs.write(a, 0x30, 2, 0xffff);
  await cs.write(a, 0x32, 2, 0);
  return { pmem32, pmem64 };
}

/** PciScanBus from `bus`: the functions on it (device then function order), bus numbers assigned. */
async function scanBus(cs: PciConfigSpace, bus: number, sub: { n: number }, o: ScanOptions, depth: number): Promise<PciFunction[]> {
  const out: PciFunction[] = [];
  for (let dev = 0; dev < 32; dev++) {
    for (let fn = 0; fn < 8; fn++) {
      const a = { bus, dev, fn };
      const vendor = await cs.read(a, 0x00, 2);
      if (vendor === 0xffff) {
        if (fn === 0) break;
        continue;
      }
      const classCode = await cs.read(a, 0x0a, 2);
      if (classCode === 0x0607) throw new FwCfgError('PCI_NOT_MODELLED', `${pciAddressText(a)}: a CardBus bridge (PciBusDxe pads it with fixed resources: not modelled)`);
      if (classCode !== 0x0604) {
        out.push({ ...a, bars: await probeBars(cs, a, 0x24), romSize: await romSize(cs, a, 0x30) });
        continue;
      }
      if (depth > 32 || sub.n >= 0xff) throw new FwCfgError('PCI_NOT_MODELLED', `${pciAddressText(a)}: bridges nested too deep or out of bus numbers`);
      const hp = (await isHotPlugBus(cs, a)) ? await hotPlugPadding(cs, a, o) : { padding: [], buses: 0 };
      const bars = await probeBars(cs, a, 0x14);
      const rom = await romSize(cs, a, 0x38);
      const decodes = await bridgeDecodes(cs, a);
      const secondary = ++sub.n;
      await cs.write(a, 0x18, 2, (secondary << 8) | bus);
      await cs.write(a, 0x1a, 1, 0xff);
      const children = await scanBus(cs, secondary, sub, o, depth + 1);
      if (hp.buses > 0) sub.n = Math.max(sub.n, Math.min(0xff, secondary + hp.buses));
      await cs.write(a, 0x1a, 1, sub.n);
      out.push({ ...a, bars, romSize: rom, bridge: { secondary, subordinate: sub.n, children, ...decodes, padding: hp.padding } });
    }
  }
  return out;
}

/** Enumerates the PCI hierarchy under root bus 0 as PciBusDxe does, assigning bus numbers. */
export async function scanPciHierarchy(cs: PciConfigSpace, o: ScanOptions): Promise<PciFunction[]> {
  return scanBus(cs, 0, { n: 0 }, o, 0);
}

/** Every function of the hierarchy, parents before children. */
export function allFunctions(fns: readonly PciFunction[]): PciFunction[] {
  return fns.flatMap((f) => [f, ...(f.bridge !== undefined ? allFunctions(f.bridge.children) : [])]);
}
