import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VmmError, defaultMac, findRomFile, nicModel, pciSlot, qemuNics, romBar } from '@tcg2sim/qemu-vmm';

describe('qemu-vmm: what QEMU hands the firmware', () => {
  it('numbers default MACs 52:54:00:12:34:56 up, as the real virtio-net capture shows (MAC(525400123456))', () => {
    expect(Buffer.from(defaultMac(0)).toString('hex')).to.equal('525400123456');
    expect(Buffer.from(defaultMac(1)).toString('hex')).to.equal('525400123457');
  });

  it('puts the first command-line device at 02.0 on q35 (seen in the capture) and 03.0 on pc', () => {
    expect(pciSlot('q35', 0)).to.equal(2);
    expect(pciSlot('q35', 1)).to.equal(3);
    expect(pciSlot('pc', 0)).to.equal(3);
    expect(() => pciSlot('q35', 29)).to.throw(VmmError).with.property('code', 'NO_PCI_SLOT');
  });

  it("names each model's QEMU romfile and refuses unknown models", () => {
    expect(nicModel('virtio-net-pci').romfile).to.equal('efi-virtio.rom');
    expect(nicModel('e1000').romfile).to.equal('efi-e1000.rom');
    expect(nicModel('e1000e').romfile).to.equal('efi-e1000e.rom');
    expect(() => nicModel('rtl8139')).to.throw(VmmError).with.property('code', 'UNKNOWN_NIC');
    expect(() => nicModel('__proto__')).to.throw(VmmError).with.property('code', 'UNKNOWN_NIC');
  });

  it('pads the ROM BAR to a power of two with zeros and refuses an empty file', () => {
    const b = romBar(Uint8Array.of(0x55, 0xaa, 1), 'x.rom');
    expect([...b.bar]).to.deep.equal([0x55, 0xaa, 1, 0]);
    expect(romBar(new Uint8Array(249344).fill(1), 'y.rom').bar.length).to.equal(0x40000);
    expect(() => romBar(new Uint8Array(), 'z.rom')).to.throw(VmmError, 'z.rom').with.property('code', 'BAD_ROM_FILE');
  });

  it('finds ROM files only in --option-rom-dir when given, with a typed error naming the file otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcg2sim-vmm-'));
    try {
      writeFileSync(join(dir, 'efi-e1000.rom'), Uint8Array.of(0x55, 0xaa));
      const [nic] = qemuNics('pc', ['e1000'], { optionRomDir: dir });
      expect(nic?.device).to.equal(3);
      expect(nic?.optionRom.file).to.equal(join(dir, 'efi-e1000.rom'));
      expect(() => findRomFile('efi-virtio.rom', [dir])).to.throw(VmmError, 'efi-virtio.rom').with.property('code', 'ROM_NOT_FOUND');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
