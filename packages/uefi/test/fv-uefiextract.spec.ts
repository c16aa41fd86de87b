import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { expect } from 'chai';
import { ovmfImage, OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { bcjX86Encode, depexOpText, tianoCompress, EFI_FV_FILETYPE, EFI_SECTION, parseFirmwareVolume, parseFlashImage, SECTION_GUID, walkFv } from '@tcg2sim/uefi';
import type { FvNode } from '@tcg2sim/uefi';
import { FFS3, guidedSection, section, sections, ucs2z, volume } from './fv-builder.ts';
import { lzmaAlone } from './packers.ts';
import { parseUefiExtractReport, readUefiExtractDump } from './uefiextract.ts';
import type { DumpEntry } from './uefiextract.ts';

/** UEFIExtract's subtype for each FFS file type (UEFITool's fileTypeToUString). */
const FILE_SUBTYPE: Readonly<Record<number, string>> = {
  0x01: 'Raw', 0x02: 'Freeform', 0x03: 'SEC core', 0x04: 'PEI core', 0x05: 'DXE core',
  0x06: 'PEI module', 0x07: 'DXE driver', 0x08: 'Combined PEI/DXE', 0x09: 'Application',
  0x0a: 'SMM module', 0x0b: 'Volume image', 0x0c: 'Combined SMM/DXE', 0x0d: 'SMM core',
  0x0e: 'MM standalone module', 0x0f: 'MM standalone core', 0xf0: 'Pad',
};
/** UEFIExtract's subtype for each section type (UEFITool's sectionTypeToUString). */
const SECTION_SUBTYPE: Readonly<Record<number, string>> = {
  0x01: 'Compressed', 0x02: 'GUID defined', 0x03: 'Disposable', 0x10: 'PE32 image',
  0x11: 'PIC image', 0x12: 'TE image', 0x13: 'DXE dependency', 0x14: 'Version', 0x15: 'UI',
  0x16: 'Compatibility16', 0x17: 'Volume image', 0x18: 'Freeform subtype GUID', 0x19: 'Raw',
  0x1b: 'PEI dependency', 0x1c: 'MM dependency',
};

/** EFI_SYSTEM_NV_DATA_FV_GUID: the variable store volume, which UEFIExtract shows as NVRAM. */
const NV_DATA_FV = 'FFF12B8D-7696-4C8B-A985-2747075B4F50';

/** One comparable line: what UEFIExtract prints for a node, derived from our tree. */
function describe_(n: FvNode): string {
  const depth = n.depth + 1;
  const crc = crc32(n.raw).toString(16).toUpperCase().padStart(8, '0');
  switch (n.kind) {
    case 'volume': {
      const subtype = n.fileSystem === 'FFS3' ? 'FFSv3' : n.fileSystem === 'FFS2' ? 'FFSv2' : n.header.fileSystemGuid === NV_DATA_FV ? 'NVRAM' : 'Unknown';
      return `${depth} Volume ${subtype} ${n.guid} size=${n.raw.length} crc=${crc}`;
    }
    case 'file':
      return `${depth} File ${FILE_SUBTYPE[n.type] ?? '?'} ${n.type === 0xf0 ? 'Padding file' : n.guid} size=${n.size} crc=${crc}`;
    case 'section':
      return `${depth} Section ${SECTION_SUBTYPE[n.type] ?? '?'} size=${n.size} crc=${crc}`;
  }
}

/** UEFIExtract's report of `bytes` (written to a temp dir as `name`), in the comparable form. */
function uefiExtractLines(bytes: Uint8Array, name: string): { lines: string[]; other: string[]; bases: (number | undefined)[] } {
  const tmp = tempDir();
  try {
    const copy = join(tmp.path, name);
    writeFileSync(copy, bytes);
    execFileSync('UEFIExtract', [copy, 'report'], { stdio: 'ignore' });
    const all = parseUefiExtractReport(readFileSync(`${copy}.report.txt`, 'utf8'));
    // The variable store inside an NVRAM volume (VSS/FTW stores) is not part of the FV tree.
    let nvramDepth: number | undefined;
    const report = all.filter((e) => {
      if (nvramDepth !== undefined && e.depth > nvramDepth) return false;
      nvramDepth = e.type === 'Volume' && e.subtype === 'NVRAM' ? e.depth : undefined;
      return true;
    });
    const nodes = report.filter((e) => e.type === 'Volume' || e.type === 'File' || e.type === 'Section');
    return {
      lines: nodes.map((e) => {
        const crc = e.crc32.toString(16).toUpperCase().padStart(8, '0');
        if (e.type === 'Section') return `${e.depth} Section ${e.subtype} size=${e.size} crc=${crc}`;
        return `${e.depth} ${e.type} ${e.subtype} ${e.name} size=${e.size} crc=${crc}`;
      }),
      other: report.filter((e) => !['Image', 'Volume', 'File', 'Section', 'Free space'].includes(e.type)).map((e) => `${e.type} ${e.subtype}`),
      bases: nodes.filter((e) => e.base !== undefined).map((e) => e.base),
    };
  } finally {
    tmp.remove();
  }
}

const h = (v: number, pad = 0): string => `${v.toString(16).toUpperCase().padStart(pad, '0')}h`;
const ok = (valid: boolean): string => (valid ? 'valid' : 'invalid');

/** The info.txt fields UEFIExtract writes for a node, derived from our node. */
function infoFields(n: FvNode): Record<string, string> {
  const size = (full: number, header: number): Record<string, string> => ({
    'Full size': `${h(full)} (${full})`,
    'Header size': `${h(header)} (${header})`,
    'Body size': `${h(full - header)} (${full - header})`,
  });
  switch (n.kind) {
    case 'volume':
      return {
        Type: 'Volume',
        'FileSystem GUID': n.header.fileSystemGuid,
        ...size(n.raw.length, n.filesOffset),
        Revision: String(n.header.revision),
        Attributes: h(n.header.attributes, 8),
        'Erase polarity': String(n.erasePolarity),
        Checksum: `${h(n.header.checksum, 4)}, ${ok(n.headerChecksumValid)}`,
        ...(n.extHeader === undefined ? {} : { 'Volume GUID': n.extHeader.fvName }),
      };
    case 'file': {
      const ui = n.sections?.find((s) => s.userInterface !== undefined)?.userInterface;
      return {
        Type: 'File',
        ...(ui === undefined ? {} : { Text: ui }),
        'File GUID': n.guid,
        'Type#2': h(n.type, 2),
        Attributes: h(n.header.attributes, 2),
        ...size(n.size, n.headerSize),
        State: h(n.header.state, 2),
        'Header checksum': `${h(n.header.integrityCheckHeader, 2)}, ${ok(n.headerChecksumValid)}`,
        'Data checksum': `${h(n.header.integrityCheckFile, 2)}, ${ok(n.dataChecksumValid)}`,
      };
    }
    case 'section':
      return {
        Type: 'Section',
        'Type#2': h(n.type, 2),
        ...size(n.size, n.headerSize),
        ...(n.userInterface === undefined ? {} : { Text: n.userInterface }),
        ...(n.version === undefined ? {} : { 'Build number': String(n.version.buildNumber), 'Version string': n.version.text }),
        ...(n.type === EFI_SECTION.GUID_DEFINED && n.guid !== undefined
          ? { 'Section GUID': n.guid, Attributes: h(n.guidedAttributes ?? 0, 4), 'Data offset': h(n.headerSize) }
          : {}),
        ...(n.depex === undefined ? {} : { 'Parsed expression': n.depex.map(depexOpText).join('\n') }),
        ...(n.decompressed === undefined ? {} : { 'Decompressed size': `${h(n.decompressed.length)} (${n.decompressed.length})` }),
      };
  }
}

/** The same fields picked from a dump entry. */
function pick(e: DumpEntry, keys: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(keys.map((k) => [k, e.info.get(k)]));
}

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
      const parts = [vars, code].map((f) => ovmfImage(f));
      if (parts.some((p) => p === undefined)) this.skip();
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
