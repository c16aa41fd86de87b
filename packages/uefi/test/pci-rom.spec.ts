import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { concatBytes, encode } from '@tcg2sim/binary-codec';
import {
  EfiPciExpansionRomHeader, PCI_ROM, PciDataStructure, PciRomError, loadOptionRom, optionRomDrivers, peImageDigests, tianoCompress,
} from '@tcg2sim/uefi';
import { requirePrerequisites } from '@tcg2sim/test-support';
import { buildPe } from './helpers/pe-builder.ts';

const PCIR_AT = 0x1c;

function pcir(imageLength: number, codeType: number, last: boolean): Uint8Array {
  return encode(PciDataStructure, {
    signature: PCI_ROM.PCIR_SIGNATURE, vendorId: 0x1af4, deviceId: 0x1041, reserved0: 0, length: 0x18, revision: 0,
    classCode: Uint8Array.of(0, 0, 2), imageLength, codeRevision: 0, codeType, indicator: last ? 0x80 : 0, reserved1: 0,
  });
}

/** A PC-AT image of `blocks` × 512 bytes: 0xAA55, Size512, PCIR at 0x1C. */
function legacyImage(blocks: number, last = false): Uint8Array {
  const img = new Uint8Array(blocks * 512);
  img.set([0x55, 0xaa, blocks]);
  img.set([PCIR_AT, 0], 0x18);
  img.set(pcir(blocks, PCI_ROM.CODE_TYPE_PCAT, last), PCIR_AT);
  return img;
}

/** An EFI image holding `payload` (a PE, or its EFI-compressed form) at 0x38. */
function efiImage(payload: Uint8Array, o: { compressed?: boolean; subsystem?: number; last?: boolean } = {}): Uint8Array {
  const blocks = Math.ceil((0x38 + payload.length) / 512);
  const img = new Uint8Array(blocks * 512);
  img.set(encode(EfiPciExpansionRomHeader, {
    signature: PCI_ROM.HEADER_SIGNATURE, initializationSize: blocks, efiSignature: PCI_ROM.EFI_SIGNATURE, efiSubsystem: o.subsystem ?? 11,
    efiMachineType: 0x8664, compressionType: o.compressed === true ? 1 : 0, reserved: new Uint8Array(8), efiImageHeaderOffset: 0x38, pcirOffset: PCIR_AT,
  }));
  img.set(pcir(blocks, PCI_ROM.CODE_TYPE_EFI, o.last ?? true), PCIR_AT);
  img.set(payload, 0x38);
  return img;
}

const PE = buildPe({ format: 'pe32+', subsystem: 11, sections: [{ name: '.text', data: new Uint8Array(3000).map((_, i) => (i * 7) & 0xff) }] });

/** A 64 KiB ROM BAR: a 2-block legacy image, then an EFI driver. */
function sampleBar(compressed = false): Uint8Array {
  const rom = concatBytes(legacyImage(2), efiImage(compressed ? tianoCompress(PE) : PE, { compressed }));
  const bar = new Uint8Array(0x10000);
  bar.set(rom);
  return bar;
}

describe('PCI option ROMs as PciBusDxe reads them', () => {
  it('copies the images up to the last one and loads the EFI driver from Offset(start,end)', () => {
    const rom = loadOptionRom(sampleBar(), 'sample.rom');
    const blocks = Math.ceil((0x38 + PE.length) / 512);
    expect(rom.romSize).to.equal(1024 + blocks * 512);
    const [d, ...more] = optionRomDrivers(rom);
    expect(more).to.have.length(0);
    expect(d?.startingOffset).to.equal(1024);
    expect(d?.endingOffset).to.equal(1024 + blocks * 512 - 1);
    if (d?.load.status !== 'EFI_SUCCESS') throw new Error('not loaded');
    // Uncompressed: InitializationSize − EfiImageHeaderOffset bytes, the PE and the padding.
    expect(d.load.image.length).to.equal(blocks * 512 - 0x38);
    expect(d.load.image.subarray(0, PE.length)).to.deep.equal(PE);
  });

  it('decompresses an EFI-compressed image (CompressionType 1) to the PE itself', () => {
    const [d] = optionRomDrivers(loadOptionRom(sampleBar(true), 'c.rom'));
    if (d?.load.status !== 'EFI_SUCCESS') throw new Error('not loaded');
    expect(d.load.image).to.deep.equal(PE);
  });

  it('skips EFI applications and refuses images LocalLoadFile2 would not load', () => {
    const app = concatBytes(efiImage(PE, { subsystem: 10, last: false }), efiImage(PE, { subsystem: 13 }));
    const bar = new Uint8Array(0x10000);
    bar.set(app);
    const ds = optionRomDrivers(loadOptionRom(bar, 'a.rom'));
    expect(ds).to.have.length(1);
    expect(ds[0]?.load.status).to.equal('EFI_NOT_FOUND');
  });

  it('names file, structure and offset for a ROM PciBus cannot walk', () => {
    const err = (fn: () => unknown): PciRomError => {
      try {
        fn();
      } catch (e) {
        if (e instanceof PciRomError) return e;
        throw e;
      }
      throw new Error('no error');
    };
    const none = err(() => loadOptionRom(new Uint8Array(512), 'zero.rom'));
    expect(none.code).to.equal('NO_IMAGE');
    expect(none.message).to.match(/^zero\.rom: PCI_EXPANSION_ROM_HEADER at offset 0x0: /);
    expect(err(() => loadOptionRom(Uint8Array.of(0x55, 0xaa), 'tiny.rom')).code).to.equal('SHORT_ROM');
    const endless = legacyImage(1);
    endless.set(pcir(0, PCI_ROM.CODE_TYPE_PCAT, false), PCIR_AT);
    const e = err(() => loadOptionRom(concatBytes(endless, new Uint8Array(512)), 'loop.rom'));
    expect([e.code, e.structure, e.offset]).to.deep.equal(['ENDLESS_ROM', 'PCI_DATA_STRUCTURE', PCIR_AT]);
    const huge = efiImage(Uint8Array.of(8, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0), { compressed: true });
    const h = err(() => optionRomDrivers(loadOptionRom(concatBytes(huge, new Uint8Array(512)), 'huge.rom')));
    expect([h.code, h.offset]).to.deep.equal(['LIMIT_EXCEEDED', 0x38 + 4]);
  });

  it('never throws anything but PciRomError on damaged ROMs, and never hangs', () => {
    const bar = sampleBar(true);
    const hot = [...Array(0x40).keys(), ...[...Array(0x40).keys()].map((i) => 1024 + i), ...[...Array(0x40).keys()].map((i) => 1024 + 0x38 + i)];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...hot), fc.nat(255)), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 6 }),
        (muts, cut) => {
          const m = bar.slice(0, cut === 0 ? bar.length : cut * 300);
          for (const [at, v] of muts) if (at < m.length) m[at] = v;
          try {
            for (const d of optionRomDrivers(loadOptionRom(m, 'damaged.rom'))) {
              if (d.load.status === 'EFI_SUCCESS') expect(d.load.image.length).to.be.at.most(16 * 1024 * 1024);
            }
          } catch (e) {
            if (!(e instanceof PciRomError)) throw e;
            expect(e.message.startsWith('damaged.rom: ')).to.equal(true);
          }
        }
      ),
      { numRuns: 400 }
    );
  });

  // Debian's ipxe-qemu ROMs: the ranges and sizes real OVMF 2022.11 boots measured (the PCR2
  // event's Offset() node and ImageLengthInMemory) and the Authenticode SHA-256 it logged.
  const REAL = [
    { file: '/usr/lib/ipxe/qemu/efi-virtio.rom', start: 0x12800, end: 0x3cdff, size: 173512, romSize: 249344, sha256: 'b6b9cf6db3efeaba1d6c5bba1359b69fd6e3b2032a9b179ff620a33b570e3997' },
    { file: '/usr/lib/ipxe/qemu/efi-e1000e.rom', start: 0x12600, end: 0x3cfff, size: 174536, romSize: 249856, sha256: '5fdd42d1b9ce2aa779d6732619d7dd6b306c4f2f480546c66497e712cc44cced' },
  ] as const;
  for (const r of REAL) {
    it(`finds the iPXE driver in ${r.file} where the real boot measured it`, function () {
      requirePrerequisites(this, { files: [r.file], hint: 'apt-get install -y ipxe-qemu' });
      const file = new Uint8Array(readFileSync(r.file));
      const bar = new Uint8Array(0x40000);
      bar.set(file);
      const rom = loadOptionRom(bar, r.file);
      expect(rom.romSize).to.equal(r.romSize);
      const [d] = optionRomDrivers(rom);
      expect([d?.startingOffset, d?.endingOffset]).to.deep.equal([r.start, r.end]);
      if (d?.load.status !== 'EFI_SUCCESS') throw new Error('not loaded');
      expect(d.load.image.length).to.equal(r.size);
      expect(Buffer.from(peImageDigests(d.load.image, [0x000b])[0]?.digest ?? []).toString('hex')).to.equal(r.sha256);
    });
  }
});
