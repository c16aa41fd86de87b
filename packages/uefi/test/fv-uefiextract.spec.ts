import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { expect } from 'chai';
import { ovmfImage, OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { bcjX86Encode, tianoCompress, EFI_FV_FILETYPE, EFI_SECTION, parseFirmwareVolume, parseFlashImage, SECTION_GUID, walkFv } from '@tcg2sim/uefi';
import { FFS3, guidedSection, section, sections, ucs2z, volume } from './fv-builder.ts';
import { lzmaAlone } from './packers.ts';
import { describe_, infoFields, pick, readUefiExtractDump, uefiExtractLines } from './uefiextract.ts';

/** OVMF.fd as OvmfPkg builds it: the variable store volume followed by the code volumes. */
const COMBINED: readonly (readonly [string, string, string])[] = [
  ['OVMF.fd (OVMF_VARS.fd + OVMF_CODE.fd)', 'OVMF_VARS.fd', 'OVMF_CODE.fd'],
  ['OVMF_4M.fd (OVMF_VARS_4M.fd + OVMF_CODE_4M.fd)', 'OVMF_VARS_4M.fd', 'OVMF_CODE_4M.fd'],
];

const REQUIRED = ['OVMF_CODE_4M.fd', 'OVMF_CODE_4M.secboot.fd', 'OVMF_CODE.fd'];
const OPTIONAL = ['OVMF.fd', 'OVMF_CODE.secboot.fd'];

describe('firmware volumes against UEFIExtract @integration', function () {
  this.timeout(60_000);
  before(function () {
    requirePrerequisites(this, { tools: ['UEFIExtract'], files: REQUIRED.map((f) => join(OVMF_DIR, f)) });
  });

  for (const name of [...REQUIRED, ...OPTIONAL.filter((f) => existsSync(join(OVMF_DIR, f)))]) {
    it(`gives the same volumes, files and sections, with the same sizes and CRC32s, as UEFIExtract for ${name}`, () => {
      const src = ovmfImage(name);
      if (src === undefined) throw new Error(`${name} missing`);
      const image = new Uint8Array(readFileSync(src));
      const theirs = uefiExtractLines(image, name);
      // Nothing UEFIExtract found outside volumes, files, sections and free space.
      expect(theirs.other).to.deep.equal([]);
      const flash = parseFlashImage(image);
      const ours = flash.volumes.flatMap((v) => [...walkFv(v)]);
      expect(ours.map(describe_)).to.deep.equal(theirs.lines);
      expect(ours.filter((n) => n.kind === 'file').length).to.be.greaterThan(100);
      // Image-level offsets (UEFIExtract's Base column) match ours where both are known.
      expect(ours.filter((n) => n.imageOffset !== undefined).map((n) => n.imageOffset)).to.deep.equal(theirs.bases);
    });
  }

  for (const [title, vars, code] of COMBINED) {
    it(`gives the same volumes, files and sections as UEFIExtract for ${title}, the variable store volume included`, function () {
      requirePrerequisites(this, { files: [vars, code].map((f) => join(OVMF_DIR, f)) });
      const parts = [vars, code].map((f) => ovmfImage(f));
      const image = new Uint8Array(Buffer.concat(parts.map((p) => readFileSync(p ?? ''))));
      const theirs = uefiExtractLines(image, 'OVMF.fd');
      expect(theirs.other).to.deep.equal([]);
      const flash = parseFlashImage(image);
      const ours = flash.volumes.flatMap((v) => [...walkFv(v)]);
      expect(ours.map(describe_)).to.deep.equal(theirs.lines);
      expect(flash.volumes.map((v) => v.fileSystem)).to.deep.equal(['unknown', 'FFS2', 'FFS2']);
      expect(ours.filter((n) => n.imageOffset !== undefined).map((n) => n.imageOffset)).to.deep.equal(theirs.bases);
    });
  }

  it('agrees with UEFIExtract on a synthetic FFS3 volume: LZMA, LZMA-F86, Tiano, CRC32 and EFI 1.1/Tiano standard-compression sections, a large file, a nested volume, HEADER2 sections', () => {
    const compressionInfo = (n: number): Uint8Array => new Uint8Array([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24, 1]);
    const pe = new Uint8Array(300).map((_, i) => (i % 5 === 0 ? 0xe8 : i & 0xff));
    const content = sections([section(EFI_SECTION.PE32, pe), section(EFI_SECTION.USER_INTERFACE, ucs2z('Synth'))]);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32(content), true);
    const inner = volume({ files: [{ guid: '22222222-2222-2222-2222-222222222222', type: EFI_FV_FILETYPE.PEIM, data: content }] });
    const fv = volume({
      fileSystem: FFS3,
      fvName: '33333333-3333-3333-3333-333333333333',
      files: [
        { guid: '11111111-1111-1111-1111-111111111111', type: EFI_FV_FILETYPE.DRIVER, data: sections([
          guidedSection(SECTION_GUID.LZMA, 1, lzmaAlone(content)),
          guidedSection(SECTION_GUID.LZMA_F86, 1, lzmaAlone(bcjX86Encode(content.slice()))),
          guidedSection(SECTION_GUID.CRC32, 2, content, crc),
          guidedSection(SECTION_GUID.TIANO, 1, tianoCompress(content, { variant: 'tiano' })),
          section(EFI_SECTION.COMPRESSION, tianoCompress(content, { variant: 'efi' }), compressionInfo(content.length)),
          section(EFI_SECTION.COMPRESSION, tianoCompress(content, { variant: 'tiano' }), compressionInfo(content.length)),
        ]) },
        { guid: '44444444-4444-4444-4444-444444444444', type: EFI_FV_FILETYPE.FIRMWARE_VOLUME_IMAGE, data: section(EFI_SECTION.FIRMWARE_VOLUME_IMAGE, inner), large: true },
        { guid: '55555555-4444-4444-4444-444444444444', type: EFI_FV_FILETYPE.FREEFORM, attributes: 0x40, data: sections([
          section(EFI_SECTION.RAW, new Uint8Array(5)),
          section(EFI_SECTION.RAW, new Uint8Array(3), undefined, true),
        ]) },
      ],
      free: 64,
    });
    const theirs = uefiExtractLines(fv, 'synth.fd');
    const ours = [...walkFv(parseFirmwareVolume(fv))];
    expect(ours.map(describe_)).to.deep.equal(theirs.lines);
    expect(ours.filter((n) => n.kind === 'section' && n.imageOffset === undefined)).to.have.length(10);
    expect(theirs.other).to.deep.equal([]);
  });

  it('gives every volume, file and section the header size, checksums, state, attributes, texts and dependency expressions UEFIExtract dumps for OVMF_CODE_4M.fd', () => {
    const tmp = tempDir();
    try {
      const copy = join(tmp.path, 'OVMF_CODE_4M.fd');
      const image = new Uint8Array(readFileSync(join(OVMF_DIR, 'OVMF_CODE_4M.fd')));
      writeFileSync(copy, image);
      execFileSync('UEFIExtract', [copy, 'all'], { stdio: 'ignore' });
      const theirs = readUefiExtractDump(`${copy}.dump`).filter((e) => ['Volume', 'File', 'Section'].includes(e.info.get('Type') ?? ''));
      const ours = parseFlashImage(image).volumes.flatMap((v) => [...walkFv(v)]);
      expect(ours.length).to.equal(theirs.length);
      // Every DEPEX section of the image decodes (PEI and DXE: 68 in OVMF_CODE_4M.fd).
      const depex = ours.filter((n) => n.kind === 'section' && n.typeName.endsWith('_DEPEX'));
      expect(depex.length).to.be.greaterThan(60);
      expect(depex.every((n) => n.kind === 'section' && n.depex !== undefined)).to.equal(true);
      ours.forEach((n, i) => {
        const want = infoFields(n);
        const e = theirs[i]!;
        expect(e.depth, `depth of node ${i}`).to.equal(n.depth);
        expect(pick(e, Object.keys(want)), `node ${i} (${n.kind} at ${n.offset})`).to.deep.equal(want);
      });
    } finally {
      tmp.remove();
    }
  });
});
