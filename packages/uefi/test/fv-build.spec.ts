/**
 * The firmware volume writer, checked by reading back with our parser (an independent decoder of
 * the same layouts: checksums, state bits, alignment rules) and, in fv-build-uefiextract.spec.ts,
 * with UEFIExtract.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { decode, decodeFirst } from '@tcg2sim/binary-codec';
import {
  assembleFlashImage, buildFirmwareVolume, EFI_FV_FILETYPE, EFI_SECTION, EFICommonSectionHeader2, fvImageSection, LzmaAloneHeader,
  LZMA_HEADER_SIZE, lzmaCompress, lzmaDecompress, lzmaSection, padFile, parseFirmwareVolume, parseFlashImage, pe32Section, rawSection,
  SECTION_GUID, sectionStream, userInterfaceSection, walkFv, leafSection, FFS2_GUID, PAD_FILE_NAME,
} from '@tcg2sim/uefi';
import type { FfsFile, FfsFileSpec } from '@tcg2sim/uefi';

const G1 = '11111111-2222-3333-4444-555555555555';
const G2 = 'A1A2A3A4-B1B2-C1C2-D1D2-D3D4D5D6D7D8';
const G3 = '0F0E0D0C-0B0A-0908-0706-050403020100';
const FV_NAME = 'DEADBEEF-0001-0002-0003-000000000004';

const files = (fv: ReturnType<typeof parseFirmwareVolume>): FfsFile[] => fv.files.filter((f) => f.type !== EFI_FV_FILETYPE.FFS_PAD);

describe('firmware volume writer', () => {
  describe('lzmaCompress', () => {
    it('writes the real uncompressed size into the .lzma header, as EDK II LzmaCompress does', () => {
      const data = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
      const packed = lzmaCompress(data);
      const [header] = decodeFirst(LzmaAloneHeader, packed.subarray(0, LZMA_HEADER_SIZE));
      expect(header.uncompressedSize).to.equal(5000n);
      expect(header.properties).to.equal(0x5d); // lc=3 lp=0 pb=2, the LZMA SDK default EDK II uses
      expect(lzmaDecompress(packed, 5000)).to.deep.equal(data);
    });

    it('round-trips any input through lzmaDecompress, deterministically', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
          const a = lzmaCompress(data);
          expect(lzmaCompress(data)).to.deep.equal(a);
          expect(lzmaDecompress(a, data.length)).to.deep.equal(data);
        }),
        { numRuns: 40 }
      );
    });
  });

  describe('sections', () => {
    it('pads a section stream to 4-byte boundaries with zeros', () => {
      const s = sectionStream([rawSection(Uint8Array.of(1)), rawSection(Uint8Array.of(2, 3))]);
      expect([...s]).to.deep.equal([5, 0, 0, 0x19, 1, 0, 0, 0, 6, 0, 0, 0x19, 2, 3]);
    });

    it('switches to EFI_COMMON_SECTION_HEADER2 when the size does not fit 24 bits', () => {
      const big = leafSection(EFI_SECTION.RAW, new Uint8Array(0xfffffc));
      const h = decode(EFICommonSectionHeader2, big.subarray(0, 8));
      expect(h).to.deep.equal({ size: 0xffffff, type: EFI_SECTION.RAW, extendedSize: 0xfffffc + 8 });
      expect(leafSection(EFI_SECTION.RAW, new Uint8Array(0xfffffa)).length).to.equal(0xfffffe);
    });

    it('refuses a section type outside 0..255', () => {
      expect(() => leafSection(256, new Uint8Array())).to.throw(RangeError);
    });
  });

  describe('volumes', () => {
    const pe = Uint8Array.of(0x4d, 0x5a, 1, 2, 3);
    const spec: readonly FfsFileSpec[] = [
      { name: G1, type: EFI_FV_FILETYPE.PEIM, content: { sections: [pe32Section(pe), userInterfaceSection('One')] } },
      { name: G2, type: EFI_FV_FILETYPE.RAW, content: { data: Uint8Array.of(9, 8, 7) }, alignment: 4096 },
      { name: G3, type: EFI_FV_FILETYPE.DRIVER, content: { sections: [rawSection(new Uint8Array(13))] }, alignment: 16 },
    ];

    for (const erasePolarity of [1, 0] as const) {
      it(`reads back header, FvName, files, checksums and state with erase polarity ${erasePolarity}`, () => {
        const bytes = buildFirmwareVolume({ fvName: FV_NAME, attributes: erasePolarity === 1 ? 0x4feff : 0x4f6ff, length: 0x4000, files: spec });
        expect(bytes.length).to.equal(0x4000);
        const fv = parseFirmwareVolume(bytes, { verifyChecksums: true });
        expect(fv.guid).to.equal(FV_NAME);
        expect(fv.header.fileSystemGuid).to.equal(FFS2_GUID);
        expect(fv.erasePolarity).to.equal(erasePolarity);
        expect(fv.headerChecksumValid).to.equal(true);
        expect(fv.blockMap).to.deep.equal([{ numBlocks: 4, length: 0x1000 }]);
        expect(fv.filesOffset).to.equal(0x78); // GenFv: ext header in a pad file at 0x48, first file at 0x78
        expect(files(fv).map((f) => [f.guid, f.type])).to.deep.equal(spec.map((f) => [f.name, f.type]));
        for (const f of fv.files) {
          expect(f.headerChecksumValid, f.guid).to.equal(true);
          expect(f.dataChecksumValid, f.guid).to.equal(true);
          expect(f.state, f.guid).to.equal('EFI_FILE_DATA_VALID');
        }
        const [one, two, three] = files(fv);
        expect(one?.sections?.map((s) => s.type)).to.deep.equal([EFI_SECTION.PE32, EFI_SECTION.USER_INTERFACE]);
        expect(one?.sections?.[0]?.body).to.deep.equal(pe);
        expect(one?.sections?.[1]?.userInterface).to.equal('One');
        expect(two?.data).to.deep.equal(Uint8Array.of(9, 8, 7));
        expect(((two?.offset ?? 1) + 24) % 4096).to.equal(0);
        expect(((three?.offset ?? 1) + 24) % 16).to.equal(0);
        expect(fv.files.filter((f) => f.type === EFI_FV_FILETYPE.FFS_PAD).every((f) => f.guid === PAD_FILE_NAME)).to.equal(true);
        expect(fv.freeSpace?.size).to.be.greaterThan(0);
        expect(bytes.subarray(0x4000 - (fv.freeSpace?.size ?? 0)).every((b) => b === (erasePolarity === 1 ? 0xff : 0))).to.equal(true);
      });
    }

    it('pins a volume top file to the end of the volume behind a pad file', () => {
      const bytes = buildFirmwareVolume({
        length: 0x2000,
        files: [
          { name: G1, type: EFI_FV_FILETYPE.SECURITY_CORE, content: { sections: [pe32Section(pe)] } },
          { name: G2, type: EFI_FV_FILETYPE.RAW, content: { data: new Uint8Array(0x40) }, atEnd: true },
        ],
      });
      const fv = parseFirmwareVolume(bytes, { verifyChecksums: true });
      expect(fv.guid).to.equal(FFS2_GUID);
      expect(fv.files.map((f) => f.type)).to.deep.equal([EFI_FV_FILETYPE.SECURITY_CORE, EFI_FV_FILETYPE.FFS_PAD, EFI_FV_FILETYPE.RAW]);
      const top = fv.files[2];
      expect((top?.offset ?? 0) + (top?.size ?? 0)).to.equal(0x2000);
      expect(fv.freeSpace).to.equal(undefined);
    });

    it('sizes the volume to whole blocks when no length is given, and refuses files that do not fit', () => {
      const bytes = buildFirmwareVolume({ blockSize: 0x200, files: [{ name: G1, type: EFI_FV_FILETYPE.RAW, content: { data: new Uint8Array(1000) } }] });
      expect(bytes.length).to.equal(0x600); // 0x48 + 0x30 + 24 + 1000 = 0x4b8 -> 3 blocks
      expect(() => buildFirmwareVolume({ length: 0x1000, files: [{ name: G1, type: EFI_FV_FILETYPE.RAW, content: { data: new Uint8Array(0x1000) } }] })).to.throw(RangeError);
      expect(() => buildFirmwareVolume({ blockSize: 0x300, files: [] })).to.throw(RangeError);
      expect(() => padFile(10, 1)).to.throw(RangeError);
    });

    it('nests an LZMA-compressed volume image that the parser decompresses back to the same bytes', () => {
      const inner = buildFirmwareVolume({ fvName: FV_NAME, files: spec });
      const outer = buildFirmwareVolume({
        fvName: G3,
        files: [{ name: G2, type: EFI_FV_FILETYPE.FIRMWARE_VOLUME_IMAGE, content: { sections: [lzmaSection([rawSection(new Uint8Array(12)), fvImageSection(inner)])] } }],
      });
      const fv = parseFirmwareVolume(outer, { verifyChecksums: true });
      const guided = fv.files[0]?.sections?.[0];
      expect(guided?.guid).to.equal(SECTION_GUID.LZMA);
      expect(guided?.guidedAttributes).to.equal(1);
      expect(guided?.processing).to.equal('decompressed');
      const nested = guided?.children?.[1]?.volume;
      expect(nested?.raw).to.deep.equal(inner);
      expect(nested?.guid).to.equal(FV_NAME);
      expect([...walkFv(fv)].filter((n) => n.kind === 'file' && n.type !== EFI_FV_FILETYPE.FFS_PAD)).to.have.length(4);
    });

    it('reads back any list of files with their names, types and sections (property)', () => {
      const guid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
        const h = Buffer.from(b).toString('hex').toUpperCase();
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      }).filter((g) => g !== PAD_FILE_NAME);
      const file = fc.record({
        name: guid,
        type: fc.constantFrom(EFI_FV_FILETYPE.PEIM, EFI_FV_FILETYPE.DRIVER, EFI_FV_FILETYPE.APPLICATION, EFI_FV_FILETYPE.FREEFORM),
        bodies: fc.array(fc.uint8Array({ maxLength: 70 }), { minLength: 1, maxLength: 4 }),
        alignment: fc.constantFrom(1, 16, 128, 512),
      });
      fc.assert(
        fc.property(fc.array(file, { maxLength: 6 }), fc.boolean(), (list, polarity) => {
          const bytes = buildFirmwareVolume({
            attributes: polarity ? 0x4feff : 0x4f6ff,
            files: list.map((f) => ({ name: f.name, type: f.type, alignment: f.alignment, content: { sections: f.bodies.map(rawSection) } })),
          });
          const fv = parseFirmwareVolume(bytes, { verifyChecksums: true });
          const got = files(fv);
          expect(got.map((f) => f.guid)).to.deep.equal(list.map((f) => f.name));
          got.forEach((f, i) => {
            expect(f.sections?.map((s) => s.body)).to.deep.equal(list[i]?.bodies);
            expect((f.offset + 24) % (list[i]?.alignment ?? 1)).to.equal(0);
            expect(f.state).to.equal('EFI_FILE_DATA_VALID');
          });
        }),
        { numRuns: 60 }
      );
    });
  });

  describe('assembleFlashImage', () => {
    it('places volumes at their offsets, erased in between, and parseFlashImage finds them there', () => {
      const a = buildFirmwareVolume({ fvName: G1, files: [] });
      const b = buildFirmwareVolume({ fvName: G2, files: [] });
      const image = assembleFlashImage([{ bytes: a }, { offset: 0x3000, bytes: b }], 0x5000);
      const flash = parseFlashImage(image, { verifyChecksums: true });
      expect(flash.volumes.map((v) => [v.guid, v.offset])).to.deep.equal([[G1, 0], [G2, 0x3000]]);
      expect(flash.gaps).to.deep.equal([{ offset: 0x1000, size: 0x2000 }, { offset: 0x4000, size: 0x1000 }]);
      expect(image.subarray(0x1000, 0x3000).every((x) => x === 0xff)).to.equal(true);
    });

    it('refuses overlapping regions and regions past the image', () => {
      const a = new Uint8Array(0x100);
      expect(() => assembleFlashImage([{ bytes: a }, { offset: 0x80, bytes: a }])).to.throw(RangeError);
      expect(() => assembleFlashImage([{ bytes: a }], 0x80)).to.throw(RangeError);
    });
  });
});
