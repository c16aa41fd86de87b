/**
 * PCI configuration space of a QEMU under qtest, through configuration mechanism #1
 * (ports 0xCF8/0xCFC: enable bit, bus, device, function, dword register), as firmware reaches it
 * before MMCONFIG matters. Only the legacy 256-byte space is used (what PciBusDxe's enumeration
 * and OVMF's PciHotPlugInitDxe read for QEMU's devices).
 */
import type { QtestSession } from '../qtest.ts';

/** Bus, device, function. */
export interface PciAddress {
  readonly bus: number;
  readonly dev: number;
  readonly fn: number;
}

/** Reads and writes of one function's configuration registers. */
export interface PciConfigSpace {
  read(a: PciAddress, reg: number, width: 1 | 2 | 4): Promise<number>;
  write(a: PciAddress, reg: number, width: 1 | 2 | 4, value: number): Promise<void>;
}

const cf8 = (a: PciAddress, reg: number): number => (0x8000_0000 | (a.bus << 16) | (a.dev << 11) | (a.fn << 8) | (reg & 0xfc)) >>> 0;
const WIDTH = { 1: 'b', 2: 'w', 4: 'l' } as const;

/** {@link PciConfigSpace} over a qtest session. */
export function qtestConfigSpace(qt: QtestSession): PciConfigSpace {
  return {
    async read(a, reg, width) {
      await qt.out('l', 0xcf8, cf8(a, reg));
      return qt.in(WIDTH[width], 0xcfc + (reg & (4 - width)));
    },
    async write(a, reg, width, value) {
      await qt.out('l', 0xcf8, cf8(a, reg));
      await qt.out(WIDTH[width], 0xcfc + (reg & (4 - width)), value >>> 0);
    },
  };
}

/** `address` as QEMU's `info pci` and Linux print it: bb:dd.f. */
export function pciAddressText(a: PciAddress): string {
  const h = (n: number): string => n.toString(16).padStart(2, '0');
  return `${h(a.bus)}:${h(a.dev)}.${a.fn}`;
}
