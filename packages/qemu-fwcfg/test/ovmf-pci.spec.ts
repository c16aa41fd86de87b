import { expect } from 'chai';
import { FwCfgError, ovmfPciApertures, parseE820, programOvmfPci } from '@tcg2sim/qemu-fwcfg';
import type { PciAddress, PciConfigSpace } from '@tcg2sim/qemu-fwcfg';

/**
 * A configuration space with one bus-0 device per entry: vendor 0x1234, class 0xff00, BARs whose
 * writable bits follow their sizes (as QEMU's wmask does), no capabilities, no ROM.
 */
function fakeSpace(devices: ReadonlyArray<{ dev: number; bars: ReadonlyArray<{ offset: number; size: bigint; flags: number }> }>): PciConfigSpace & { regs: Map<string, number> } {
  const regs = new Map<string, number>();
  const key = (a: PciAddress, reg: number): string => `${a.bus}:${a.dev}.${a.fn}@${reg & 0xfc}`;
  const masks = new Map<string, number>();
  for (const d of devices) {
    const a = { bus: 0, dev: d.dev, fn: 0 };
    regs.set(key(a, 0), 0x1234 | (0x5678 << 16));
    regs.set(key(a, 8), 0xff00 << 16);
    masks.set(key(a, 4), 0xffff);
    for (const b of d.bars) {
      const wide = (b.flags & 4) !== 0;
      const mask = ~(b.size - 1n) & 0xffff_ffff_ffff_ffffn;
      regs.set(key(a, b.offset), b.flags);
      masks.set(key(a, b.offset), Number(mask & 0xffff_fff0n));
      if (wide) masks.set(key(a, b.offset + 4), Number(mask >> 32n));
    }
  }
  const present = (a: PciAddress): boolean => a.bus === 0 && a.fn === 0 && devices.some((d) => d.dev === a.dev);
  return {
    regs,
    read(a, reg, width) {
      if (!present(a)) return Promise.resolve(width === 4 ? 0xffff_ffff : width === 2 ? 0xffff : 0xff);
      const v = regs.get(key(a, reg)) ?? 0;
      return Promise.resolve((v >>> ((reg & 3) * 8)) & (width === 4 ? 0xffff_ffff : width === 2 ? 0xffff : 0xff));
    },
    write(a, reg, width, value) {
      if (!present(a) || width !== 4) return Promise.resolve();
      const k = key(a, reg);
      const m = masks.get(k);
      if (m !== undefined) regs.set(k, ((value & m) | ((regs.get(k) ?? 0) & ~m)) >>> 0);
      return Promise.resolve();
    },
  };
}

const Q35_512 = ovmfPciApertures({ machine: 'q35', belowFourG: 512n << 20n, aboveFourG: 0n, pciExpressBase: 0xe000_0000 });

describe('OVMF PCI resources: apertures and allocation (fake configuration space)', () => {
  it('qemu64 (AMD, 40 bits) on q35 512 MiB: I/O 0x6000, 32-bit 0x80000000-0xDFFFFFFF, 64-bit 128 GiB at 0xC000000000 (below the AMD HT reservation)', () => {
    expect(Q35_512).to.deep.equal({ io: { base: 0x6000n, limit: 0xffffn }, mmio32: { base: 0x8000_0000n, limit: 0xdfff_ffffn }, mmio64: { base: 0xc0_0000_0000n, limit: 0xdf_ffff_ffffn } });
  });

  it('an Intel CPU with 40 bits is not trusted: the classic 32 GiB window at 32 GiB; i440fx apertures', () => {
    const ap = ovmfPciApertures({ machine: 'pc', belowFourG: 0xc000_0000n, aboveFourG: 1n << 30n, cpu: { vendor: 'GenuineIntel', physBits: 40, page1g: false } });
    expect(ap).to.deep.equal({ io: { base: 0xc000n, limit: 0xffffn }, mmio32: { base: 0xc000_0000n, limit: 0xfbff_ffffn }, mmio64: { base: 0x8_0000_0000n, limit: 0xf_ffff_ffffn } });
  });

  it('the E820 table decides: no reservation (machine types before 7.1) leaves the window at the top eighth', () => {
    const e820 = new Uint8Array(20);
    new DataView(e820.buffer).setBigUint64(8, 512n << 20n, true);
    new DataView(e820.buffer).setUint32(16, 1, true);
    const ap = ovmfPciApertures({ machine: 'q35', belowFourG: 512n << 20n, aboveFourG: 0n, pciExpressBase: 0xe000_0000, e820: parseE820(e820) });
    expect(ap.mmio64).to.deep.equal({ base: 0xe0_0000_0000n, limit: 0xff_ffff_ffffn });
  });

  it('places BARs largest first, bottom-up, a 64-bit BAR in the 64-bit aperture (both halves written)', async () => {
    const cs = fakeSpace([{ dev: 3, bars: [{ offset: 0x10, size: 0x1000n, flags: 0 }, { offset: 0x14, size: 0x100_0000n, flags: 8 }, { offset: 0x18, size: 0x4000n, flags: 0xc }] }]);
    const placed = await programOvmfPci(cs, Q35_512);
    expect(placed.map((p) => [p.what, p.base])).to.deep.equal([['bar@0x14', 0x8000_0000n], ['bar@0x10', 0x8100_0000n], ['bar@0x18', 0xc0_0000_0000n]]);
    expect(cs.regs.get('0:3.0@24')).to.equal(0xc);
    expect(cs.regs.get('0:3.0@28')).to.equal(0xc0);
  });

  it('resources that do not fit the aperture: PCI_NOT_MODELLED (PciBusDxe would drop devices)', async () => {
    const cs = fakeSpace([{ dev: 3, bars: [{ offset: 0x10, size: 1n << 31n, flags: 0 }] }]);
    const e = await programOvmfPci(cs, Q35_512).then(() => undefined, (x: unknown) => x);
    expect(e).to.be.instanceOf(FwCfgError);
    expect((e as FwCfgError).code).to.equal('PCI_NOT_MODELLED');
  });
});
