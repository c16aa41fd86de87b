import { expect } from 'chai';
import { devicePathFromText, devicePathToText } from '@tcg2sim/uefi';
import { comparePciPaths, parsePciPathText, pciPathText } from '@tcg2sim/platform-ovmf';
import type { PciPath } from '@tcg2sim/platform-ovmf';

describe('PCI locations behind bridges (pci-path.ts)', () => {
  it('prints the device path OVMF builds and the uefi package reads back the same text', () => {
    const p: PciPath = [{ device: 1, fn: 3 }, { device: 0, fn: 0 }];
    expect(pciPathText(p)).to.equal('PciRoot(0x0)/Pci(0x1,0x3)/Pci(0x0,0x0)');
    expect(devicePathToText(devicePathFromText(pciPathText(p)))).to.equal(pciPathText(p));
    expect(parsePciPathText(pciPathText(p))).to.deep.equal(p);
  });

  it("orders functions as PciBus enumerates them: bus 0 by device and function, a bridge's bus right after the bridge", () => {
    const texts = ['PciRoot(0x0)/Pci(0x2,0x0)', 'PciRoot(0x0)/Pci(0x1,0x3)/Pci(0x0,0x0)', 'PciRoot(0x0)/Pci(0x1,0x0)/Pci(0x0,0x0)', 'PciRoot(0x0)/Pci(0x1,0x0)', 'PciRoot(0x0)/Pci(0x1F,0x2)'];
    const sorted = texts.map((t) => parsePciPathText(t) ?? []).sort(comparePciPaths).map(pciPathText);
    expect(sorted).to.deep.equal(['PciRoot(0x0)/Pci(0x1,0x0)', 'PciRoot(0x0)/Pci(0x1,0x0)/Pci(0x0,0x0)', 'PciRoot(0x0)/Pci(0x1,0x3)/Pci(0x0,0x0)', 'PciRoot(0x0)/Pci(0x2,0x0)', 'PciRoot(0x0)/Pci(0x1F,0x2)']);
  });

  it('refuses anything else: another root, other nodes, devices beyond 0x1F, functions beyond 7, no function, deep nesting', () => {
    for (const t of ['PciRoot(0x1)/Pci(0x1,0x0)', 'PciRoot(0x0)', 'PciRoot(0x0)/Pci(0x20,0x0)', 'PciRoot(0x0)/Pci(0x1,0x8)', 'PciRoot(0x0)/Pci(0x1)', 'PciRoot(0x0)/Pci(0x1,0x0)/MAC(0)', `PciRoot(0x0)${'/Pci(0x1,0x0)'.repeat(9)}`, '']) {
      expect(parsePciPathText(t), t).to.equal(undefined);
    }
  });
});
