import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { expect } from 'chai';
import { ovmfImage, OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { parseFlashImage, walkFv } from '@tcg2sim/uefi';
import type { FvNode } from '@tcg2sim/uefi';
import { parseUefiExtractReport } from './uefiextract.ts';

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

/** One comparable line: what UEFIExtract prints for a node, derived from our tree. */
function describe_(n: FvNode): string {
  const depth = n.depth + 1;
  const crc = crc32(n.raw).toString(16).toUpperCase().padStart(8, '0');
  switch (n.kind) {
    case 'volume':
      return `${depth} Volume FFSv${n.fileSystem === 'FFS3' ? 3 : 2} ${n.guid} size=${n.raw.length} crc=${crc}`;
    case 'file':
      return `${depth} File ${FILE_SUBTYPE[n.type] ?? '?'} ${n.type === 0xf0 ? 'Padding file' : n.guid} size=${n.size} crc=${crc}`;
    case 'section':
      return `${depth} Section ${SECTION_SUBTYPE[n.type] ?? '?'} size=${n.size} crc=${crc}`;
  }
}

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
      const tmp = tempDir();
      try {
        const copy = join(tmp.path, name);
        copyFileSync(src, copy);
        execFileSync('UEFIExtract', [copy, 'report'], { stdio: 'ignore' });
        const report = parseUefiExtractReport(readFileSync(`${copy}.report.txt`, 'utf8'));
        const theirs = report
          .filter((e) => e.type === 'Volume' || e.type === 'File' || e.type === 'Section')
          .map((e) => {
            const crc = e.crc32.toString(16).toUpperCase().padStart(8, '0');
            if (e.type === 'Volume') return `${e.depth} Volume ${e.subtype} ${e.name} size=${e.size} crc=${crc}`;
            if (e.type === 'File') return `${e.depth} File ${e.subtype} ${e.name} size=${e.size} crc=${crc}`;
            return `${e.depth} Section ${e.subtype} size=${e.size} crc=${crc}`;
          });
        // Nothing UEFIExtract found outside volumes, files, sections and free space.
        expect(report.filter((e) => !['Image', 'Volume', 'File', 'Section', 'Free space'].includes(e.type))).to.deep.equal([]);

        const image = readFileSync(src);
        const flash = parseFlashImage(image);
        const ours = flash.volumes.flatMap((v) => [...walkFv(v)].map(describe_));
        expect(ours).to.deep.equal(theirs);
        expect(ours.filter((l) => l.includes(' File ')).length).to.be.greaterThan(100);

        // Image-level offsets (UEFIExtract's Base column) match ours where both are known.
        const based = report.filter((e) => e.base !== undefined && e.type !== 'Image' && e.type !== 'Free space');
        const ourBased = flash.volumes.flatMap((v) => [...walkFv(v)].filter((n) => n.imageOffset !== undefined).map((n) => n.imageOffset));
        expect(ourBased).to.deep.equal(based.map((e) => e.base));
      } finally {
        tmp.remove();
      }
    });
  }
});
