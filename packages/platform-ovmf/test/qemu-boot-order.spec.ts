import { expect } from 'chai';
import { devicePathFromText } from '@tcg2sim/uefi';
import { connectDevicesFromQemu, parseQemuBootOrder, parseUnitAddressHexList, setBootOrderFromQemu } from '@tcg2sim/platform-ovmf';
import type { QemuBootOrder } from '@tcg2sim/platform-ovmf';

const file = (s: string): Uint8Array => new TextEncoder().encode(`${s}\0`);
const texts = (bo: QemuBootOrder): string[] => bo.paths.map((p) => (p.status === 'success' ? p.text : p.status));

describe("QEMU's bootorder file as OVMF's QemuBootOrderLib reads it", () => {
  it('translates the paths QEMU 7.2 wrote for each device kind (read back from QEMU over qtest) into the prefixes of the boot options OVMF registered', () => {
    // Left: the bootorder file QEMU 7.2 passed (qemu-vmm's test checks the same strings against
    // QEMU); right: the Boot#### paths the real OVMF 2022.11 boots wrote for those devices.
    const cases: [string, string][] = [
      ['/pci@i0cf8/scsi@2/disk@0,0', 'PciRoot(0x0)/Pci(0x2,0x0)'], // virtio-blk
      ['/pci@i0cf8/ethernet@3/ethernet-phy@0', 'PciRoot(0x0)/Pci(0x3,0x0)'], // virtio-net-pci, e1000, e1000e
      ['/pci@i0cf8/pci1b36,0010@2/namespace@1,0', 'PciRoot(0x0)/Pci(0x2,0x0)'], // QEMU 7.2's NVMe: not the pci8086,5845 form
      ['/pci@i0cf8/scsi@2/channel@0/disk@3,0', 'PciRoot(0x0)/Pci(0x2,0x0)/Scsi(0x3,0x0)'], // virtio-scsi target 3
      ['/pci@i0cf8/pci8086,2922@1f,2/drive@2/disk@0', 'PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x2,0xFFFF,0x0)'], // q35 AHCI port 2
      ['/pci@i0cf8/pci8086,2922@3/drive@1/disk@0', 'PciRoot(0x0)/Pci(0x3,0x0)/Sata(0x1,0xFFFF,0x0)'], // pc -device ahci
      ['/pci@i0cf8/ide@1,1/drive@1/disk@0', 'PciRoot(0x0)/Pci(0x1,0x1)/Ata(Secondary,Master,0x0)'], // pc PIIX IDE
      ['/pci@i0cf8/pci-bridge@1c,1/scsi@0/disk@0,0', 'PciRoot(0x0)/Pci(0x1C,0x1)/Pci(0x0,0x0)'], // behind a pcie-root-port
      // The forms EDK II's comments give:
      ['/pci@i0cf8/pci8086,5845@6,1/namespace@1,0', 'PciRoot(0x0)/Pci(0x6,0x1)/NVMe(0x1,00-00-00-00-00-00-00-00)'],
      ['/pci@i0cf8/pci8086,5845@6/namespace@2,123456789abcdef0', 'PciRoot(0x0)/Pci(0x6,0x0)/NVMe(0x2,12-34-56-78-9A-BC-DE-F0)'],
      ['/pci@i0cf8/usb@3,1/storage@2/channel@0/disk@0,0', 'PciRoot(0x0)/Pci(0x3,0x1)/USB(0x1,0x0)'],
      ['/pci@i0cf8/isa@1/fdc@03f0/floppy@0', 'PciRoot(0x0)/Pci(0x1,0x0)/Floppy(0x0)'],
    ];
    const bo = parseQemuBootOrder(file(cases.map((c) => c[0]).join('\n')));
    expect(bo.end).to.equal('end');
    expect(texts(bo)).to.deep.equal(cases.map((c) => c[1]));
  });

  it('stops at HALT (-boot strict=on) and ignores an empty or unterminated file', () => {
    expect(texts(parseQemuBootOrder(file('/pci@i0cf8/scsi@2/disk@0,0\nHALT')))).to.deep.equal(['PciRoot(0x0)/Pci(0x2,0x0)']);
    expect(parseQemuBootOrder(new Uint8Array()).end).to.equal('empty');
    expect(parseQemuBootOrder(new TextEncoder().encode('/pci@i0cf8/scsi@2/disk@0,0')).end).to.equal('not-terminated');
    expect(parseQemuBootOrder(file('HALT')).paths).to.deep.equal([]);
  });

  it('skips what does not translate and stops, with the offset, at a parse error (hostile input never throws)', () => {
    // QEMU writes `/rom@genroms/linuxboot_dma.bin` for -kernel's option ROM: its last node has no
    // unit address, so OVMF's parser stops there.
    const text = '/pci@i0cf8,1/scsi@2/disk@0,0\n/isa@1/fdc@3f0/floppy@0\n/pci@i0cf8/scsi@2,1,1/disk@0,0\n/pci@i0cf8/scsi@4/disk@0,0\n/rom@genroms/linuxboot_dma.bin\n/pci@i0cf8/scsi@5/disk@0,0';
    const bo = parseQemuBootOrder(file(text));
    expect(bo.paths.map((p) => p.status)).to.deep.equal(['protocol-error', 'unsupported', 'unsupported', 'success']);
    expect(bo.end).to.equal('parse-error');
    expect(bo.errorOffset).to.equal(text.indexOf('\n/pci@i0cf8/scsi@5'));
    for (const bad of ['pci@i0cf8', '/pci', '/pci@', `/${'a'.repeat(32)}@1`, '/pci@i0cf8/scsi@2:', '/pci@i0cf8/scsi@2\t', '/p\u00e9@1']) {
      expect(parseQemuBootOrder(file(bad)).end, bad).to.equal('parse-error');
    }
    expect(parseUnitAddressHexList('1,,2', 2)).to.equal(undefined);
    expect(parseUnitAddressHexList('0x1', 2)).to.equal(undefined);
    expect(parseUnitAddressHexList('1,', 2)).to.equal(undefined);
    expect(parseUnitAddressHexList('10000000000000000', 1)).to.equal(undefined); // 65 bits
    expect(parseUnitAddressHexList('1,2,3', 2)).to.deep.equal({ values: [1n, 2n, 3n], tooMany: true });
    // Five bridges overflow BRIDGE_TRANSLATION_OUTPUT_SIZE (0x40 CHAR16s): unsupported, not an error.
    const deep = `/pci@i0cf8${'/pci-bridge@1f,7'.repeat(5)}/scsi@0/disk@0,0`;
    expect(parseQemuBootOrder(file(deep)).paths.map((p) => p.status)).to.deep.equal(['unsupported']);
    // Nodes past the sixth are parsed, not examined.
    const many = '/pci@i0cf8/scsi@2/channel@0/disk@0,0/a@1/b@2/c@3';
    expect(texts(parseQemuBootOrder(file(many)))).to.deep.equal(['PciRoot(0x0)/Pci(0x2,0x0)/Scsi(0x0,0x0)']);
    const big = new Uint8Array(1 << 20).fill(0x2f);
    big[big.length - 1] = 0;
    expect(parseQemuBootOrder(big).end).to.equal('parse-error');
  });

  it('reorders as SetBootOrderFromQemu: matches in file order, every match of a prefix, Fv() options kept, PciRoot() ones dropped', () => {
    const opt = (number: number, text: string): { number: number; filePath: ReturnType<typeof devicePathFromText> } => ({ number, filePath: devicePathFromText(text) });
    const fv = 'Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)/FvFile(';
    const active = [
      opt(0, `${fv}462CAA21-7614-4503-836E-8AB6F4662331)`),
      opt(1, 'PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x2,0xFFFF,0x0)'),
      opt(2, 'PciRoot(0x0)/Pci(0x2,0x0)'),
      opt(3, 'PciRoot(0x0)/Pci(0x3,0x0)/MAC(525400123456,0x1)'),
      opt(4, 'PciRoot(0x0)/Pci(0x3,0x0)/MAC(525400123456,0x1)/IPv4(0.0.0.0,0x0,DHCP,0.0.0.0,0.0.0.0,0.0.0.0)'),
      opt(5, `${fv}7C04A583-9E3E-4F1C-AD65-E05268D0B4D1)`),
    ];
    const notes: string[] = [];
    const bo = parseQemuBootOrder(file('/pci@i0cf8/ethernet@3/ethernet-phy@0\n/pci@i0cf8/scsi@2/disk@0,0'));
    expect(setBootOrderFromQemu(bo, active, notes)).to.deep.equal({ order: [3, 4, 2, 0, 5], pruned: [1] });
    // No match: BootOrder stays.
    expect(setBootOrderFromQemu(parseQemuBootOrder(file('/pci@i0cf8/scsi@9/disk@0,0')), active, notes)).to.equal(undefined);
    // A parse error after a match: no rewrite either.
    expect(setBootOrderFromQemu(parseQemuBootOrder(file('/pci@i0cf8/scsi@2/disk@0,0\n!')), active, notes)).to.equal(undefined);
  });

  it('connects only the listed devices when every path translates to a device, else everything', () => {
    const notes: string[] = [];
    const exists = (p: string): boolean => ['PciRoot(0x0)/Pci(0x2,0x0)', 'PciRoot(0x0)/Pci(0x3,0x0)'].includes(p);
    expect(connectDevicesFromQemu(parseQemuBootOrder(file('/pci@i0cf8/scsi@3/disk@0,0\n/pci@i0cf8/scsi@2/disk@0,0')), exists, notes))
      .to.deep.equal({ kind: 'listed', prefixes: ['PciRoot(0x0)/Pci(0x3,0x0)', 'PciRoot(0x0)/Pci(0x2,0x0)'] });
    expect(connectDevicesFromQemu(parseQemuBootOrder(file('/pci@i0cf8/scsi@2/disk@0,0\n/pci@i0cf8/scsi@5/disk@0,0')), exists, notes)).to.deep.equal({ kind: 'all' });
    expect(connectDevicesFromQemu(parseQemuBootOrder(file('/pci@i0cf8/usb@5/storage@1/channel@0/disk@0,0')), exists, notes)).to.deep.equal({ kind: 'all' });
    expect(connectDevicesFromQemu(parseQemuBootOrder(new Uint8Array()), exists, notes)).to.deep.equal({ kind: 'all' });
    expect(connectDevicesFromQemu(parseQemuBootOrder(file('HALT')), exists, notes)).to.deep.equal({ kind: 'all' });
  });
});
