import { crc32 } from 'node:zlib';
import { expect } from 'chai';
import { DecodeError, guidFromString } from '@tcg2sim/binary-codec';
import {
  bcjX86Encode, EFI_FV_FILETYPE, EFI_SECTION, FvError, parseFirmwareVolume, SECTION_GUID, sectionExtractors, tianoCompress,
} from '@tcg2sim/uefi';
import type { FirmwareVolume, FvParseOptions, FvSection } from '@tcg2sim/uefi';
import { guidedSection, section, sections, ucs2z, volume } from './fv-builder.ts';
import { brotliSection, lzmaAlone } from './packers.ts';
import { thrownError } from '@tcg2sim/test-support';

const FILE = '11111111-2222-3333-4444-555555555555';
const SUBTYPE = '01234567-89AB-CDEF-0123-456789ABCDEF';
const UNKNOWN_GUID = '99999999-8888-7777-6666-555555555555';

function inFile(data: Uint8Array, options?: FvParseOptions): FirmwareVolume {
  return parseFirmwareVolume(volume({ files: [{ guid: FILE, type: EFI_FV_FILETYPE.DRIVER, data }] }), options);
}

function sectionsOf(data: Uint8Array, options?: FvParseOptions): readonly FvSection[] {
  return inFile(data, options).files[0]?.sections ?? [];
}

const fvError = (fn: () => unknown): FvError => thrownError(fn, FvError);

const PE = new Uint8Array([0x4d, 0x5a, 1, 2, 3, 4, 5, 6]);
const LEAVES = sections([
  section(EFI_SECTION.PEI_DEPEX, new Uint8Array([0x06, 0x08])),
  section(EFI_SECTION.DXE_DEPEX, new Uint8Array([0x06, 0x08])),
  section(EFI_SECTION.MM_DEPEX, new Uint8Array([0x06, 0x08])),
  section(EFI_SECTION.PE32, PE),
  section(EFI_SECTION.PIC, PE),
  section(EFI_SECTION.TE, new Uint8Array([0x56, 0x5a, 0, 0])),
  section(EFI_SECTION.COMPATIBILITY16, new Uint8Array([0xea, 0, 0])),
  section(EFI_SECTION.RAW, new Uint8Array([7])),
  section(EFI_SECTION.FREEFORM_SUBTYPE_GUID, new Uint8Array([1, 2]), guidFromString(SUBTYPE)),
  section(EFI_SECTION.USER_INTERFACE, ucs2z('Tcg2Dxe')),
  section(EFI_SECTION.VERSION, ucs2z('1.0'), new Uint8Array([0x34, 0x12])),
]);

describe('sections', () => {
  it('reads every leaf section type with its PI name, size, header and body', () => {
    const s = sectionsOf(LEAVES);
    expect(s.map((x) => x.typeName)).to.deep.equal([
      'EFI_SECTION_PEI_DEPEX', 'EFI_SECTION_DXE_DEPEX', 'EFI_SECTION_MM_DEPEX', 'EFI_SECTION_PE32',
      'EFI_SECTION_PIC', 'EFI_SECTION_TE', 'EFI_SECTION_COMPATIBILITY16', 'EFI_SECTION_RAW',
      'EFI_SECTION_FREEFORM_SUBTYPE_GUID', 'EFI_SECTION_USER_INTERFACE', 'EFI_SECTION_VERSION',
    ]);
    expect(s[3]?.body).to.deep.equal(PE);
    expect(s[3]?.size).to.equal(4 + PE.length);
    expect(s[8]).to.include({ guid: SUBTYPE, headerSize: 20 });
    expect(s[8]?.body).to.deep.equal(new Uint8Array([1, 2]));
    expect(s[9]?.userInterface).to.equal('Tcg2Dxe');
    expect(s[10]?.version).to.deep.equal({ buildNumber: 0x1234, text: '1.0' });
    expect(s.every((x) => x.processing === 'leaf' && x.imageOffset === x.offset)).to.equal(true);
  });

  it('aligns sections on 4 bytes from the start of the file data', () => {
    const s = sectionsOf(sections([section(EFI_SECTION.RAW, new Uint8Array(1)), section(EFI_SECTION.RAW, new Uint8Array(2))]));
    expect(s.map((x) => x.offset - 0x48 - 24)).to.deep.equal([0, 8]);
  });

  it('reads EFI_COMMON_SECTION_HEADER2 (Size 0xFFFFFF, then ExtendedSize)', () => {
    const s = sectionsOf(section(EFI_SECTION.RAW, new Uint8Array([5, 6]), new Uint8Array(0), true));
    expect(s[0]).to.include({ size: 10, headerSize: 8 });
    expect(s[0]?.body).to.deep.equal(new Uint8Array([5, 6]));
  });

  it('opens a nested firmware volume image section', () => {
    const inner = volume({ files: [{ guid: SUBTYPE, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array(3) }] });
    const s = sectionsOf(section(EFI_SECTION.FIRMWARE_VOLUME_IMAGE, inner));
    expect(s[0]?.volume?.files[0]?.guid).to.equal(SUBTYPE);
    expect(s[0]?.volume?.imageOffset).to.equal(0x48 + 24 + 4);
    expect(s[0]?.volume?.depth).to.equal(3);
  });

  const guided: readonly [string, string, (d: Uint8Array) => Uint8Array][] = [
    ['LZMA', SECTION_GUID.LZMA, lzmaAlone],
    ['LZMA-F86', SECTION_GUID.LZMA_F86, (d) => lzmaAlone(bcjX86Encode(d.slice()))],
    ['Brotli', SECTION_GUID.BROTLI, brotliSection],
  ];
  for (const [name, guid, pack] of guided) {
    it(`decompresses a ${name} GUID-defined section and parses the sections inside`, () => {
      // A body with E8/E9 opcodes so that the x86 filter has work to do.
      const pe = new Uint8Array(200).map((_, i) => (i % 7 === 0 ? 0xe8 : i % 3 === 0 ? 0 : i));
      const content = sections([section(EFI_SECTION.PE32, pe), section(EFI_SECTION.USER_INTERFACE, ucs2z('X'))]);
      const s = sectionsOf(guidedSection(guid, 0x01, pack(content)));
      expect(s[0]).to.include({ guid, processing: 'decompressed' });
      expect(s[0]?.decompressed).to.deep.equal(content);
      expect(s[0]?.children?.map((c) => c.typeName)).to.deep.equal(['EFI_SECTION_PE32', 'EFI_SECTION_USER_INTERFACE']);
      expect(s[0]?.children?.[0]?.body).to.deep.equal(pe);
      expect(s[0]?.children?.[0]?.imageOffset).to.equal(undefined);
      expect(s[0]?.children?.[0]?.offset).to.equal(0);
    });
  }

  it('verifies a CRC32 GUID-defined section and parses its content in place', () => {
    const content = section(EFI_SECTION.RAW, new Uint8Array([1, 2, 3]));
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32(content), true);
    const s = sectionsOf(guidedSection(SECTION_GUID.CRC32, 0x02, content, crc));
    expect(s[0]).to.include({ crc32Valid: true, processing: 'verbatim', headerSize: 28 });
    expect(s[0]?.children?.[0]?.imageOffset).to.equal(0x48 + 24 + 28);
    crc[0] = (crc[0] ?? 0) ^ 1;
    const bad = guidedSection(SECTION_GUID.CRC32, 0x02, content, crc);
    expect(fvError(() => sectionsOf(bad)).code).to.equal('BAD_CHECKSUM');
    expect(sectionsOf(bad, { verifyChecksums: false })[0]?.crc32Valid).to.equal(false);
  });

  it('parses an unknown GUID-defined section in place unless it requires processing', () => {
    const content = section(EFI_SECTION.RAW, new Uint8Array([1]));
    expect(sectionsOf(guidedSection(UNKNOWN_GUID, 0x00, content))[0]?.children?.length).to.equal(1);
    const s = sectionsOf(guidedSection(UNKNOWN_GUID, 0x01, content))[0];
    expect(s).to.include({ processing: 'unsupported', children: undefined });
  });

  it('parses an uncompressed EFI_COMPRESSION_SECTION in place', () => {
    const content = section(EFI_SECTION.RAW, new Uint8Array([1, 2]));
    const s = sectionsOf(section(EFI_SECTION.COMPRESSION, content, new Uint8Array([content.length, 0, 0, 0, 0])))[0];
    expect(s).to.include({ processing: 'verbatim', headerSize: 9 });
    expect(s?.compression).to.deep.equal({ uncompressedLength: content.length, type: 0 });
    expect(s?.children?.[0]?.body).to.deep.equal(new Uint8Array([1, 2]));
  });

  for (const variant of ['efi', 'tiano'] as const) {
    it(`decompresses EFI_STANDARD_COMPRESSION holding a${variant === 'efi' ? 'n EFI 1.1' : ' Tiano'} stream`, () => {
      const content = sections([section(EFI_SECTION.PE32, new Uint8Array(400).map((_, i) => (i * 7) & 0x3f)), section(EFI_SECTION.USER_INTERFACE, ucs2z('Std'))]);
      const info = new Uint8Array(5);
      new DataView(info.buffer).setUint32(0, content.length, true);
      info[4] = 1;
      const s = sectionsOf(section(EFI_SECTION.COMPRESSION, tianoCompress(content, { variant }), info))[0];
      expect(s).to.include({ processing: 'decompressed' });
      expect(s?.decompressed).to.deep.equal(content);
      expect(s?.children?.map((c) => c.userInterface ?? c.typeName)).to.deep.equal(['EFI_SECTION_PE32', 'Std']);
    });
  }

  it('decompresses a Tiano GUID-defined section', () => {
    const content = section(EFI_SECTION.RAW, new Uint8Array(300).fill(9));
    const s = sectionsOf(guidedSection(SECTION_GUID.TIANO, 1, tianoCompress(content, { variant: 'tiano' })))[0];
    expect(s?.children?.[0]?.body).to.deep.equal(new Uint8Array(300).fill(9));
  });

  it('leaves standard compression unparsed without a standard decompressor, and uses a plugged one', () => {
    const content = section(EFI_SECTION.RAW, new Uint8Array([1, 2]));
    const packed = section(EFI_SECTION.COMPRESSION, new Uint8Array([0xde, 0xad]), new Uint8Array([content.length, 0, 0, 0, 1]));
    expect(sectionsOf(packed, { extractors: sectionExtractors({ standard: null }) })[0]?.processing).to.equal('unsupported');
    const seen: number[] = [];
    const standard = (data: Uint8Array, maxOut: number): Uint8Array => {
      seen.push(data.length, maxOut);
      return content;
    };
    const s = sectionsOf(packed, { extractors: sectionExtractors({ standard }) })[0];
    expect(seen).to.deep.equal([2, content.length]);
    expect(s).to.include({ processing: 'decompressed' });
    expect(s?.children?.[0]?.body).to.deep.equal(new Uint8Array([1, 2]));
  });

  it('rejects a standard-compressed section whose UncompressedLength exceeds the budget, before decompressing', () => {
    const content = new Uint8Array(10_000);
    const info = new Uint8Array([0x10, 0x27, 0, 0, 1]);
    const e = fvError(() => sectionsOf(section(EFI_SECTION.COMPRESSION, tianoCompress(content), info), { limits: { maxDecompressedBytes: 9_999 } }));
    expect(e.code).to.equal('LIMIT_EXCEEDED');
  });

  it('turns a decompressor DecodeError into DECOMPRESSION_FAILED at the section', () => {
    const standard = (): Uint8Array => {
      throw new DecodeError('BAD_VALUE', 'bad code', 3);
    };
    const packed = section(EFI_SECTION.COMPRESSION, new Uint8Array(4), new Uint8Array([4, 0, 0, 0, 1]));
    const e = fvError(() => sectionsOf(packed, { extractors: sectionExtractors({ standard }) }));
    expect([e.code, e.structure, e.offset]).to.deep.equal(['DECOMPRESSION_FAILED', 'EFI_COMPRESSION_SECTION', 0x48 + 24]);
  });

  it('refuses an LZMA section whose announced size exceeds the budget, before decompressing', () => {
    const content = new Uint8Array(100_000);
    const e = fvError(() => sectionsOf(guidedSection(SECTION_GUID.LZMA, 1, lzmaAlone(content)), { limits: { maxDecompressedBytes: 50_000 } }));
    expect(e.code).to.equal('LIMIT_EXCEEDED');
    const bomb = lzmaAlone(new Uint8Array(16));
    new DataView(bomb.buffer, bomb.byteOffset).setBigUint64(5, 1n << 40n, true);
    expect(fvError(() => sectionsOf(guidedSection(SECTION_GUID.LZMA, 1, bomb))).code).to.equal('LIMIT_EXCEEDED');
  });

  it('shares the decompression budget between sections', () => {
    const one = guidedSection(SECTION_GUID.LZMA, 1, lzmaAlone(section(EFI_SECTION.RAW, new Uint8Array(996))));
    expect(sectionsOf(sections([one, one]), { limits: { maxDecompressedBytes: 2000 } })).to.have.length(2);
    const e = fvError(() => sectionsOf(sections([one, one, one]), { limits: { maxDecompressedBytes: 2500 } }));
    expect(e.code).to.equal('LIMIT_EXCEEDED');
  });

  it('rejects nesting deeper than maxDepth', () => {
    let s = section(EFI_SECTION.RAW, new Uint8Array(1));
    for (let i = 0; i < 10; i++) s = section(EFI_SECTION.DISPOSABLE, s);
    expect(fvError(() => sectionsOf(s, { limits: { maxDepth: 8 } })).code).to.equal('LIMIT_EXCEEDED');
    expect(sectionsOf(s, { limits: { maxDepth: 13 } })).to.have.length(1);
  });

  it('rejects more sections than maxSections', () => {
    const many = sections(Array.from({ length: 10 }, () => section(EFI_SECTION.RAW, new Uint8Array(4))));
    expect(fvError(() => sectionsOf(many, { limits: { maxSections: 9 } })).code).to.equal('LIMIT_EXCEEDED');
  });

  const invalid: readonly [string, Uint8Array, string, number?][] = [
    ['a zero size', new Uint8Array([0, 0, 0, 0x19]), 'BAD_SIZE'],
    ['a size past the file', new Uint8Array([0x40, 0, 0, 0x19, 0, 0, 0, 0]), 'TRUNCATED'],
    ['a header cut short', new Uint8Array([8, 0]), 'TRUNCATED'],
    ['a GUID-defined DataOffset past the section', guidedSection(UNKNOWN_GUID, 0, new Uint8Array(0)).map((b, i) => (i === 20 ? 0x80 : b)), 'BAD_SIZE', 20],
    ['a corrupt LZMA stream', guidedSection(SECTION_GUID.LZMA, 1, lzmaAlone(new Uint8Array(64).fill(3)).map((b, i) => (i > 14 ? b ^ 0x5a : b))), 'DECOMPRESSION_FAILED'],
    ['a truncated Brotli stream', guidedSection(SECTION_GUID.BROTLI, 1, brotliSection(new Uint8Array(5000).map((_, i) => (i * 31) & 0xff)).subarray(0, 30)), 'DECOMPRESSION_FAILED'],
  ];
  for (const [what, bytes, code, field = 0] of invalid) {
    it(`rejects a section with ${what} (${code})`, () => {
      const e = fvError(() => sectionsOf(bytes));
      expect(e.code).to.equal(code);
      expect(e.offset).to.equal(0x48 + 24 + field);
    });
  }
});
