/**
 * What the firmware volume writer produces, read by UEFIExtract (uefitool-cli): the same tree of
 * volumes, files and sections, with the same sizes and CRC32s, as our parser sees, and UEFIExtract
 * finds every checksum valid and decompresses our LZMA sections.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import {
  assembleFlashImage, buildFirmwareVolume, EFI_FV_FILETYPE, fvImageSection, lzmaSection, minimalEfiImage, parseFlashImage, pe32Section,
  rawSection, userInterfaceSection, walkFv,
} from '@tcg2sim/uefi';
import { describe_, infoFields, pick, readUefiExtractDump, uefiExtractLines } from './uefiextract.ts';

const DXE = '7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1';

function sampleImage(): Uint8Array {
  const inner = buildFirmwareVolume({
    fvName: DXE,
    attributes: 0x7feff,
    blockSize: 0x1000,
    files: [
      { name: '11111111-0000-4000-8000-000000000001', type: EFI_FV_FILETYPE.APPLICATION, content: { sections: [pe32Section(minimalEfiImage()), userInterfaceSection('App')] } },
      { name: '11111111-0000-4000-8000-000000000002', type: EFI_FV_FILETYPE.DRIVER, alignment: 4096, content: { sections: [pe32Section(minimalEfiImage({ subsystem: 11 }))] } },
      { name: '11111111-0000-4000-8000-000000000003', type: EFI_FV_FILETYPE.FREEFORM, content: { sections: [rawSection(Uint8Array.of(1, 2, 3))] } },
    ],
  });
  const outer = buildFirmwareVolume({
    fvName: '22222222-0000-4000-8000-000000000000',
    length: 0x10000,
    files: [{ name: '33333333-0000-4000-8000-000000000000', type: EFI_FV_FILETYPE.FIRMWARE_VOLUME_IMAGE, content: { sections: [lzmaSection([rawSection(new Uint8Array(0x78)), fvImageSection(inner)])] } }],
  });
  const sec = buildFirmwareVolume({
    fvName: '44444444-0000-4000-8000-000000000000',
    length: 0x4000,
    files: [
      { name: '55555555-0000-4000-8000-000000000000', type: EFI_FV_FILETYPE.SECURITY_CORE, content: { sections: [pe32Section(minimalEfiImage({ format: 'pe32', subsystem: 11 }))] } },
      { name: '66666666-0000-4000-8000-000000000000', type: EFI_FV_FILETYPE.RAW, content: { data: new Uint8Array(0x80).fill(0x90) }, atEnd: true },
    ],
  });
  return assembleFlashImage([{ bytes: outer }, { offset: 0x12000, bytes: sec }]);
}

describe('firmware volume writer against UEFIExtract @integration', function () {
  this.timeout(60_000);
  before(function () {
    requirePrerequisites(this, { tools: ['UEFIExtract'] });
  });

  it('UEFIExtract reads the same volumes, files and sections (sizes, CRC32s, image offsets) from a written flash image', () => {
    const image = sampleImage();
    const theirs = uefiExtractLines(image, 'written.fd');
    // The erased gap between the two top-level volumes, which our parser lists as a gap.
    expect(theirs.other).to.deep.equal(['Padding Empty (0xFF)']);
    const flash = parseFlashImage(image);
    expect(flash.gaps).to.deep.equal([{ offset: 0x10000, size: 0x2000 }]);
    const ours = flash.volumes.flatMap((v) => [...walkFv(v)]);
    expect(ours.map(describe_)).to.deep.equal(theirs.lines);
    expect(ours.filter((n) => n.kind === 'volume')).to.have.length(3);
    expect(ours.filter((n) => n.imageOffset !== undefined).map((n) => n.imageOffset)).to.deep.equal(theirs.bases);
  });

  it('UEFIExtract finds every header and data checksum valid and decompresses the LZMA section to our size', () => {
    const tmp = tempDir();
    try {
      const copy = join(tmp.path, 'written.fd');
      const image = sampleImage();
      writeFileSync(copy, image);
      execFileSync('UEFIExtract', [copy, 'all'], { stdio: 'ignore' });
      const theirs = readUefiExtractDump(`${copy}.dump`).filter((e) => ['Volume', 'File', 'Section'].includes(e.info.get('Type') ?? ''));
      const ours = parseFlashImage(image).volumes.flatMap((v) => [...walkFv(v)]);
      expect(theirs.length).to.equal(ours.length);
      ours.forEach((n, i) => {
        const want = infoFields(n);
        const e = theirs[i];
        expect(e?.depth, `depth of node ${i}`).to.equal(n.depth);
        if (e !== undefined) expect(pick(e, Object.keys(want)), `node ${i} (${n.kind} at ${n.offset})`).to.deep.equal(want);
      });
      const checks = theirs.flatMap((e) => [e.info.get('Checksum'), e.info.get('Header checksum'), e.info.get('Data checksum')]).filter((c) => c !== undefined);
      expect(checks.length).to.be.greaterThan(10);
      expect(checks.every((c) => c.endsWith(', valid'))).to.equal(true);
    } finally {
      tmp.remove();
    }
  });
});
