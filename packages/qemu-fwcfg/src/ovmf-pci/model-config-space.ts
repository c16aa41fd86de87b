/**
 * A PCI configuration space built from a device list instead of a running QEMU: each function's
 * 256 registers with QEMU's writable masks (BARs decode their size, the ROM BAR its size and
 * enable bit, a bridge's bus numbers and windows, the command register), bus routing through the
 * bridges' secondary bus numbers, a root port's PCI Express capability (root port, slot
 * implemented, hot-plug capable). Enough for ./scan.ts and ./allocate.ts to enumerate and program
 * it as they do QEMU's; then {@link w64Range} reads back what QEMU's `pci_bus_get_w64_range`
 * reads (hw/pci/pci.c): the 64-bit BARs and 64-bit prefetchable windows that decode on bus 0.
 */
import type { Aperture } from './allocate.ts';
import type { PciAddress, PciConfigSpace } from './config-space.ts';
import type { ModelFunctionKind } from './qemu72-devices.ts';

/** A function of the modelled hierarchy: what it is, where, and (a root port) what sits behind it. */
export interface ModelFunction {
  readonly dev: number;
  readonly fn: number;
  readonly kind: ModelFunctionKind;
  readonly children?: readonly ModelFunction[];
}

interface Regs {
  readonly f: ModelFunction;
  readonly bytes: Uint8Array;
  readonly wmask: Uint8Array;
}

const PCIE_CAP = 0x40;
/** PCI Express capabilities: version 2, root port (4), slot implemented. */
const PCIE_CAPS_ROOT_PORT = 0x0142;
/** Slot capabilities as QEMU 7.2's pcie-root-port sets them (hot-plug capable, surprise … , slot 0). */
const SLOT_CAPS = 0x0002_007b;

function setMask(m: Uint8Array, reg: number, width: number, mask: number): void {
  for (let i = 0; i < width; i++) m[reg + i] = (mask >>> (8 * i)) & 0xff;
}
function put(b: Uint8Array, reg: number, width: number, value: number): void {
  for (let i = 0; i < width; i++) b[reg + i] = (value >>> (8 * i)) & 0xff;
}
function get(b: Uint8Array, reg: number, width: number): number {
  let v = 0;
  for (let i = width - 1; i >= 0; i--) v = (v * 256) + (b[reg + i] ?? 0);
  return v >>> 0;
}

function registers(f: ModelFunction): Regs {
  const bytes = new Uint8Array(256);
  const wmask = new Uint8Array(256);
  const k = f.kind;
  put(bytes, 0x00, 2, k.vendor);
  put(bytes, 0x02, 2, k.device);
  put(bytes, 0x08, 4, (k.classCode << 8) >>> 0);
  setMask(wmask, 0x04, 2, 0x0547);
  for (const bar of k.bars) {
    const lowMask = bar.kind === 'io' ? ~(bar.size - 1) & 0xffff_fffc : ~(bar.size - 1) & 0xffff_fff0;
    const type = bar.kind === 'io' ? 1 : (bar.kind === 'pmem32' || bar.kind === 'pmem64' ? 8 : 0) | (bar.kind === 'mem64' || bar.kind === 'pmem64' ? 4 : 0);
    put(bytes, bar.offset, 4, type);
    setMask(wmask, bar.offset, 4, lowMask >>> 0);
    if (bar.kind === 'mem64' || bar.kind === 'pmem64') setMask(wmask, bar.offset + 4, 4, 0xffff_ffff);
  }
  const romReg = k.rootPort === true ? 0x38 : 0x30;
  if (k.romSize > 0) setMask(wmask, romReg, 4, ((~(k.romSize - 1) & 0xffff_f800) | 1) >>> 0);
  if (k.rootPort === true) {
    bytes[0x0e] = 1;
    put(bytes, 0x06, 2, 0x10);
    bytes[0x34] = PCIE_CAP;
    bytes[PCIE_CAP] = 0x10;
    put(bytes, PCIE_CAP + 2, 2, PCIE_CAPS_ROOT_PORT);
    put(bytes, PCIE_CAP + 0x14, 4, SLOT_CAPS);
    setMask(wmask, 0x18, 3, 0xff_ffff);
    // I/O base/limit (16-bit decode), memory, prefetchable memory (64-bit decode: type 1 read-only), upper halves
    setMask(wmask, 0x1c, 2, 0xf0f0);
    setMask(wmask, 0x20, 4, 0xfff0_fff0);
    setMask(wmask, 0x24, 4, 0xfff0_fff0);
    put(bytes, 0x24, 4, 0x0001_0001);
    setMask(wmask, 0x28, 4, 0xffff_ffff);
    setMask(wmask, 0x2c, 4, 0xffff_ffff);
    setMask(wmask, 0x30, 4, 0xffff_ffff);
  }
  return { f, bytes, wmask };
}

/** The modelled configuration space of `root` (the functions on bus 0), and a reader of QEMU's 64-bit window. */
export interface ModelConfigSpace extends PciConfigSpace {
  /** The range the 64-bit BARs and 64-bit prefetchable bridge windows on bus 0 decode (undefined: none), as QEMU computes it. */
  w64Range(): Aperture | undefined;
}

/** {@link ModelConfigSpace} over `root`. */
export function modelConfigSpace(root: readonly ModelFunction[]): ModelConfigSpace {
  const make = (fns: readonly ModelFunction[]): Regs[] => fns.map(registers);
  const rootRegs = make(root);
  const behind = new Map<Regs, Regs[]>();
  for (const r of rootRegs) if (r.f.children !== undefined) behind.set(r, make(r.f.children));
  const busOf = (bus: number): Regs[] | undefined => {
    if (bus === 0) return rootRegs;
    for (const [bridge, kids] of behind) if (bridge.bytes[0x19] === bus) return kids;
    return undefined;
  };
  const find = (a: PciAddress): Regs | undefined => busOf(a.bus)?.find((r) => r.f.dev === a.dev && r.f.fn === a.fn);
  return {
    read(a, reg, width) {
      const r = find(a);
      return Promise.resolve(r === undefined ? (width === 4 ? 0xffff_ffff : (1 << (8 * width)) - 1) : get(r.bytes, reg, width));
    },
    write(a, reg, width, value) {
      const r = find(a);
      if (r !== undefined) {
        for (let i = 0; i < width; i++) {
          const m = r.wmask[reg + i] ?? 0;
          r.bytes[reg + i] = (((r.bytes[reg + i] ?? 0) & ~m) | ((value >>> (8 * i)) & m)) & 0xff;
        }
      }
      return Promise.resolve();
    },
    w64Range() {
      let lo: bigint | undefined;
      let hi: bigint | undefined;
      const extend = (base: bigint, limit: bigint): void => {
        const b = base > 1n << 32n ? base : 1n << 32n;
        if (limit < b) return;
        lo = lo === undefined || b < lo ? b : lo;
        hi = hi === undefined || limit > hi ? limit : hi;
      };
      for (const r of rootRegs) {
        if ((get(r.bytes, 0x04, 2) & 2) === 0) continue;
        if (r.f.kind.rootPort === true) {
          const base = (BigInt(get(r.bytes, 0x24, 2) & 0xfff0) << 16n) | (BigInt(get(r.bytes, 0x28, 4)) << 32n);
          const limit = (BigInt(get(r.bytes, 0x26, 2) & 0xfff0) << 16n) | 0xfffffn | (BigInt(get(r.bytes, 0x2c, 4)) << 32n);
          extend(base, limit);
        }
        for (const bar of r.f.kind.bars) {
          if (bar.kind !== 'mem64' && bar.kind !== 'pmem64') continue;
          const address = ((BigInt(get(r.bytes, bar.offset + 4, 4)) << 32n) | BigInt(get(r.bytes, bar.offset, 4))) & ~BigInt(bar.size - 1) & ~0xfn;
          if (address === 0n) continue;
          extend(address, address + BigInt(bar.size) - 1n);
        }
      }
      return lo === undefined || hi === undefined ? undefined : { base: lo, limit: hi };
    },
  };
}
