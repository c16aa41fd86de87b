import { expect } from 'chai';
import { QemuAcpiError, aml, amlResources } from '@tcg2sim/qemu-acpi';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// Truth: the encodings the ACPI 6.5 specification defines (§20.2 AML grammar: PkgLength §20.2.4,
// integers and name strings §20.2.2-3, EisaId and ToUUID §19.6, resource descriptors §6.4).
describe('AML encoder = the ACPI specification\'s encodings', () => {
  it('PkgLength: one byte up to 63 with itself, then 2, 3 bytes with the low nybble first', () => {
    expect(hex(aml.pkgLength(62))).to.equal('3f');
    expect(hex(aml.pkgLength(63))).to.equal('4104'); // 65 = 0x041
    expect(hex(aml.pkgLength(4093))).to.equal('4fff'); // 4095 = 0xfff
    expect(hex(aml.pkgLength(4094))).to.equal('810001'); // 4097 = 0x01001: nybble 1, then bits 4-11, bits 12-19
  });

  it('integers: ZeroOp, OneOp, then the shortest of Byte/Word/DWord/QWord prefixes', () => {
    expect([0, 1, 2, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff].map((v) => hex(aml.int(v)))).to.deep.equal(['00', '01', '0a02', '0aff', '0b0001', '0bffff', '0c00000100', '0cffffffff']);
    expect(hex(aml.int(1n << 32n))).to.equal('0e0000000001000000');
  });

  it('name strings: segments padded with _, root and parent prefixes, dual and multi name prefixes', () => {
    expect(hex(aml.name('DBG'))).to.equal(Buffer.from('DBG_').toString('hex'));
    expect(hex(aml.name('\\'))).to.equal('5c00');
    expect(hex(aml.name('\\_SB.PCI0'))).to.equal(`5c2e${Buffer.from('_SB_PCI0').toString('hex')}`);
    expect(hex(aml.name('\\_SB.PCI0.PRES.CSEL'))).to.equal(`5c2f04${Buffer.from('_SB_PCI0PRESCSEL').toString('hex')}`);
    expect(hex(aml.name('^^LNKA'))).to.equal(`5e5e${Buffer.from('LNKA').toString('hex')}`);
    for (const bad of ['pci0', 'TOOLONG', '1ABC', 'A.B-C']) expect(() => aml.name(bad)).to.throw(QemuAcpiError).with.property('code', 'BAD_AML');
  });

  it('EisaId compresses three letters and four hex digits into a DWord; ToUUID reorders the first three fields', () => {
    expect(hex(aml.eisaId('PNP0A03'))).to.equal('0c41d00a03');
    expect(hex(aml.eisaId('PNP0C0F'))).to.equal('0c41d00c0f');
    expect(hex(aml.touuid('33db4d5b-1ff7-401c-9657-7441c03dd766'))).to.equal('11130a105b4ddb33f71f1c4096577441c03dd766');
  });

  it('operators: a method, If/Else, Store, And with and without target', () => {
    const m = aml.method('_PIC', 1, false, aml.store(aml.arg(0), aml.name('PICF')));
    expect(hex(m)).to.equal(`140c${Buffer.from('_PIC').toString('hex')}017068${Buffer.from('PICF').toString('hex')}`);
    expect(hex(aml.and(aml.local(0), aml.int(0x1e), aml.local(0)))).to.equal('7b600a1e60');
    expect(hex(aml.and(aml.int(0x80), aml.arg(0)))).to.equal('7b0a806800');
    expect(hex(aml.iff(aml.lEqual(aml.arg(0), aml.int(1)), aml.ret(aml.int(0))))).to.equal('a006' + '936801' + 'a400');
    expect(hex(aml.mutex('BLCK', 0))).to.equal(`5b01${Buffer.from('BLCK').toString('hex')}00`);
  });

  it('fields: access/lock/update flags, named bits and Offset() as reserved bits', () => {
    const f = aml.field('PRST', aml.ACCESS.byte, false, aml.UPDATE.writeAsZeros, [{ offset: 4 }, { name: 'CPEN', bits: 1 }, { offset: 5 }, { name: 'CCMD', bits: 8 }]);
    expect(hex(f)).to.equal(`5b8114${Buffer.from('PRST').toString('hex')}41 0020 ${Buffer.from('CPEN').toString('hex')}01 0007 ${Buffer.from('CCMD').toString('hex')}08`.replace(/ /g, ''));
  });

  it('resource descriptors and the end tag', () => {
    expect(hex(amlResources.io(0x60, 0x60, 1, 1))).to.equal('4701600060000101');
    expect(hex(amlResources.irqNoFlags(12))).to.equal('220010');
    expect(hex(amlResources.memory32Fixed(false, 0xfed00000, 0x400))).to.equal('860900' + '00' + '0000d0fe' + '00040000');
    expect(hex(amlResources.interrupt([5, 10, 11]))).to.equal('890e00090305000000' + '0a000000' + '0b000000');
    expect(hex(amlResources.resourceTemplate(amlResources.irqNoFlags(1)))).to.equal('11080a05' + '220200' + '7900');
  });
});
