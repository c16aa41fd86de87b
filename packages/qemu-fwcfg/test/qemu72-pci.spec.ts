import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { FwCfgError, ovmfPciApertures, qemu72PciHierarchy, qemu72PciLayout } from '@tcg2sim/qemu-fwcfg';
import type { Qemu72PciDevice } from '@tcg2sim/qemu-fwcfg';
import { parseInfoPci } from './info-pci.ts';

// Truth: QEMU's HMP `info pci` after real boots of Debian trixie's OVMF 2025.02 under QEMU 7.2
// (test/vectors/ovmf-2025.02-pci/): where PciBusDxe put every BAR and bridge window. Here no
// QEMU runs: the devices come from the QEMU 7.2 device table, in a modelled configuration space.
const VECTORS = new URL('../../test/vectors/ovmf-2025.02-pci/', import.meta.url);

const root = (driver: string, dev: number, fn = 0): Qemu72PciDevice => ({ driver, path: [{ dev, fn }] });
const behind = (driver: string, dev: number, fn: number): Qemu72PciDevice => ({ driver, path: [{ dev, fn }, { dev: 0, fn: 0 }] });
const LIBVIRT: Qemu72PciDevice[] = [
  ...[0, 1, 2, 3, 4, 5, 6].map((fn) => root('pcie-root-port', 1, fn)),
  behind('qemu-xhci', 1, 1), behind('virtio-serial-pci', 1, 2), behind('virtio-blk-pci', 1, 3), behind('virtio-net-pci', 1, 0), behind('virtio-balloon-pci', 1, 4), behind('virtio-rng-pci', 1, 5),
];
const VMS: ReadonlyArray<{ name: string; machine: 'q35' | 'pc'; mib: number; defaults: boolean; devices: Qemu72PciDevice[] }> = [
  { name: 'nic', machine: 'q35', mib: 512, defaults: true, devices: [root('virtio-net-pci', 2)] },
  { name: 'disk', machine: 'q35', mib: 512, defaults: true, devices: [root('virtio-blk-pci', 2)] },
  { name: 'pc-disk', machine: 'pc', mib: 512, defaults: true, devices: [root('virtio-blk-pci', 3)] },
  { name: 'lv', machine: 'q35', mib: 2048, defaults: false, devices: LIBVIRT },
];

describe('qemu72PciLayout (no QEMU) = the real boots\' `info pci`', () => {
  for (const vm of VMS) {
    it(`${vm.name}: every BAR and bridge window where OVMF put them, and QEMU's 64-bit window on bus 0`, async () => {
      const below = vm.mib >= 2816 ? 2048 : vm.mib;
      const apertures = ovmfPciApertures({ machine: vm.machine, belowFourG: BigInt(below) << 20n, aboveFourG: BigInt(vm.mib - below) << 20n, pciExpressBase: 0xe000_0000 });
      const layout = await qemu72PciLayout({ machine: vm.machine, defaultDevices: vm.defaults, devices: vm.devices, apertures });
      const real = parseInfoPci(readFileSync(new URL(`${vm.name}.info-pci.txt`, VECTORS), 'utf8'));
      let w64: bigint[] = [];
      for (const e of real) {
        for (const [bar, base] of e.bars) {
          const p = layout.placed.find((x) => x.function === e.fn && x.what === `bar@0x${(0x10 + 4 * bar).toString(16)}`);
          expect(p?.base, `${e.fn} BAR${bar}`).to.equal(base);
          if (e.fn.startsWith('00:') && base >= 1n << 32n && p !== undefined) w64 = [...w64, base, base + p.length - 1n];
        }
        const windows = layout.placed.filter((x) => x.function === e.fn && x.what.startsWith('window:'));
        expect(windows.length, `${e.fn} windows`).to.equal(e.windows.size);
        for (const [w, r] of e.windows) {
          const p = windows.find((x) => (w === 'pmem' ? x.what.startsWith('window:pmem') : x.what === `window:${w}`));
          expect([p?.base, p !== undefined ? p.base + p.length - 1n : undefined], `${e.fn} ${w} window`).to.deep.equal([r.base, r.limit]);
          if (w === 'pmem' && e.fn.startsWith('00:') && r.base >= 1n << 32n) w64 = [...w64, r.base, r.limit];
        }
      }
      expect(layout.placed.filter((x) => x.what.startsWith('bar@')).length).to.equal(real.reduce((a, e) => a + e.bars.size, 0));
      const lo = w64.reduce((a, b) => (b < a ? b : a), 1n << 64n);
      const hi = w64.reduce((a, b) => (b > a ? b : a), 0n);
      expect(layout.w64).to.deep.equal({ base: lo, limit: hi });
    });
  }

  const refused = (devices: Qemu72PciDevice[], machine: 'q35' | 'pc' = 'q35'): string => {
    try {
      qemu72PciHierarchy({ machine, defaultDevices: true, devices });
    } catch (e) {
      expect(e).to.be.instanceOf(FwCfgError);
      expect((e as FwCfgError).code).to.equal('PCI_NOT_MODELLED');
      return (e as Error).message;
    }
    return 'accepted';
  };
  it('refuses what the device model does not cover, naming the device', () => {
    expect(refused([root('pci-bridge', 3)])).to.include('no device model for \'pci-bridge\'');
    expect(refused([root('e1000', 1)])).to.include('taken');
    expect(refused([root('e1000', 0x1f, 4)])).to.include('accepted');
    expect(refused([root('pcie-root-port', 3), { driver: 'e1000', path: [{ dev: 3, fn: 0 }, { dev: 1, fn: 0 }] }])).to.include('slot 0 only');
    expect(refused([root('pcie-root-port', 3), { driver: 'pcie-root-port', path: [{ dev: 3, fn: 0 }, { dev: 0, fn: 0 }] }])).to.include('root port behind');
    expect(refused([behind('nvme', 4, 0)])).to.include('not behind a pcie-root-port');
    expect(refused([root('pcie-root-port', 4)], 'pc')).to.include('pc machine');
    expect(refused([{ driver: 'nvme', path: [{ dev: 32, fn: 0 }] }])).to.include('not a PCI location');
  });
});
