import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { concatBytes } from '@tcg2sim/binary-codec';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';
import { EFI_FV_FILETYPE, findFileByGuid, findFilesByGuid, findVolumeOffsets, FvError, parseFlashImage, walkFv } from '@tcg2sim/uefi';
import { volume } from './fv-builder.ts';

const G1 = '11111111-2222-3333-4444-555555555555';
const G2 = 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE';

const flash = concatBytes;

describe('flash images', () => {
  const a = volume({ files: [{ guid: G1, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array(5) }], free: 16 });
  const b = volume({ files: [{ guid: G2, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array(3) }, { guid: G1, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array(2) }] });
  const gap = new Uint8Array(0x40).fill(0xff);

  it('finds volumes at 8-byte aligned offsets and reports the gaps between them', () => {
    const image = flash(gap, a, gap, b, gap.subarray(0, 8));
    expect(findVolumeOffsets(image).map((c) => c.offset)).to.deep.equal([0x40, 0x80 + a.length]);
    const f = parseFlashImage(image);
    expect(f.volumes.map((v) => v.imageOffset)).to.deep.equal([0x40, 0x80 + a.length]);
    expect(f.gaps).to.deep.equal([
      { offset: 0, size: 0x40 },
      { offset: 0x40 + a.length, size: 0x40 },
      { offset: 0x80 + a.length + b.length, size: 8 },
    ]);
  });

  it('ignores _FVH text whose header fields are not plausible (revision, lengths)', () => {
    const noise = new TextEncoder().encode('........................................_FVH....................................................');
    expect(findVolumeOffsets(flash(noise.subarray(0, 96), a))).to.deep.equal([{ offset: 96, length: a.length, truncated: false }]);
  });

  it('scans an image crafted with a _FVH every 64 bytes in linear time, still finding the real volume', () => {
    const image = new Uint8Array(2 << 20);
    const view = new DataView(image.buffer);
    for (let h = 0; h + 0x38 <= image.length; h += 0x40) {
      image.set([0x5f, 0x46, 0x56, 0x48], h + 0x28);
      view.setBigUint64(h + 0x20, 0x30n, true);
      view.setUint16(h + 0x30, 0xfffe, true);
    }
    expect(findVolumeOffsets(image)).to.deep.equal([]);
    image.set(a, 0x1000);
    expect(findVolumeOffsets(image).map((c) => c.offset)).to.deep.equal([0x1000]);
  });

  it('lists a volume whose header checksum is wrong (as UEFITool does) and the parser rejects it', () => {
    const bad = b.slice();
    bad[0x32] = (bad[0x32] ?? 0) ^ 1;
    const image = flash(a, bad);
    expect(findVolumeOffsets(image).map((c) => c.offset)).to.deep.equal([0, a.length]);
    try {
      parseFlashImage(image);
      expect.fail('expected an FvError');
    } catch (err) {
      expect(err).to.be.instanceOf(FvError);
      expect([(err as FvError).code, (err as FvError).offset]).to.deep.equal(['BAD_CHECKSUM', a.length + 0x32]);
    }
    expect(parseFlashImage(image, { verifyChecksums: false }).volumes[1]?.headerChecksumValid).to.equal(false);
  });

  it('reports a volume cut off by the end of the image as TRUNCATED', () => {
    const image = flash(a, b.subarray(0, b.length - 8));
    expect(findVolumeOffsets(image)[1]).to.include({ truncated: true });
    try {
      parseFlashImage(image);
      expect.fail('expected an FvError');
    } catch (err) {
      expect(err).to.be.instanceOf(FvError);
      expect((err as FvError).code).to.equal('TRUNCATED');
      expect((err as FvError).offset).to.equal(a.length + 0x20);
    }
  });

  it('finds files by GUID anywhere in the tree, in tree order', () => {
    const f = parseFlashImage(flash(a, b));
    expect(findFilesByGuid(f.volumes, G1).map((x) => x.imageOffset)).to.deep.equal([0x48, a.length + 0x48 + 0x20]);
    expect(findFileByGuid(f.volumes, G2.toLowerCase())?.imageOffset).to.equal(a.length + 0x48);
    expect(findFileByGuid(f.volumes[0]!, G2)).to.equal(undefined);
  });

  describe('OVMF images', () => {
    before(function () {
      requirePrerequisites(this, { files: [join(OVMF_DIR, 'OVMF_CODE_4M.fd')] });
    });

    it('finds FVMAIN_COMPACT and SECFV in OVMF_CODE_4M.fd, and PEIFV/DXEFV inside FVMAIN_COMPACT', () => {
      const image = new Uint8Array(readFileSync(join(OVMF_DIR, 'OVMF_CODE_4M.fd')));
      expect(findVolumeOffsets(image)).to.deep.equal([
        { offset: 0, length: 0x348000, truncated: false },
        { offset: 0x348000, length: 0x34000, truncated: false },
      ]);
      const f = parseFlashImage(image);
      expect(f.gaps).to.deep.equal([]);
      const volumes = f.volumes.flatMap((v) => [...walkFv(v)]).filter((n) => n.kind === 'volume');
      // Sizes as UEFIExtract reports them; PEIFV 0xE0000 and DXEFV 0xC00000 as OvmfPkg's FDF lays them out.
      expect(volumes.map((v) => [v.guid, v.raw.length])).to.deep.equal([
        ['48DB5E17-707C-472D-91CD-1613E7EF51B0', 0x348000],
        ['6938079B-B503-4E3D-9D24-B28337A25806', 0xe0000],
        ['7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1', 0xc00000],
        ['763BED0D-DE9F-48F5-81F1-3E90E1B1A015', 0x34000],
      ]);
      const tcg2Pei = findFileByGuid(f.volumes, 'A0C98B77-CBA5-4BB8-993B-4AF6CE33ECE4');
      expect(tcg2Pei?.sections?.find((s) => s.userInterface !== undefined)?.userInterface).to.equal('Tcg2Pei');
    });
  });
});
