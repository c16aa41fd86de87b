import { expect } from 'chai';
import { FvError, parseFirmwareVolume, EFI_FV_FILETYPE } from '@tcg2sim/uefi';
import { FFS2, FFS3, ffsFile, section, volume } from './fv-builder.ts';
import { thrownError } from '@tcg2sim/test-support';

const G1 = '11111111-2222-3333-4444-555555555555';
const G2 = 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE';
const NAME = '6938079B-B503-4E3D-9D24-B28337A25806';
const RAW_SECTION = section(0x19, new Uint8Array([1, 2, 3, 4, 5]));

const fvError = (fn: () => unknown): FvError => thrownError(fn, FvError);

describe('EFI_FIRMWARE_VOLUME_HEADER', () => {
  it('decodes the header, block map, extended header and erase polarity of an FFS2 volume', () => {
    const fv = parseFirmwareVolume(volume({ files: [], free: 64, fvName: NAME }));
    expect(fv.fileSystem).to.equal('FFS2');
    expect(fv.guid).to.equal(NAME);
    expect(fv.extHeader).to.deep.equal({ fvName: NAME, extHeaderSize: 20 });
    expect(fv.header.headerLength).to.equal(0x48);
    expect(fv.blockMap).to.deep.equal([{ numBlocks: fv.raw.length / 8, length: 8 }]);
    expect(fv.erasePolarity).to.equal(1);
    expect(fv.headerChecksumValid).to.equal(true);
    expect(fv.filesOffset).to.equal(0x60);
    expect(fv.files).to.deep.equal([]);
    expect(fv.freeSpace).to.deep.equal({ offset: 0x60, size: fv.raw.length - 0x60 });
  });

  it('names a volume without an extended header by its file-system GUID', () => {
    const fv = parseFirmwareVolume(volume({ files: [] }));
    expect(fv.extHeader).to.equal(undefined);
    expect(fv.guid).to.equal(FFS2);
  });

  it('keeps the raw bytes of the volume, ignoring bytes after FvLength', () => {
    const bytes = volume({ files: [{ guid: G1, type: EFI_FV_FILETYPE.FREEFORM, data: RAW_SECTION }] });
    const padded = new Uint8Array(bytes.length + 100);
    padded.set(bytes);
    const fv = parseFirmwareVolume(padded);
    expect(fv.raw).to.deep.equal(bytes);
  });

  it('lists no files in a volume of an unknown file system', () => {
    const fv = parseFirmwareVolume(volume({ fileSystem: 'FFF12B8D-7696-4C8B-A985-2747075B4F50', files: [] , free: 32 }));
    expect(fv.fileSystem).to.equal('unknown');
    expect(fv.files).to.deep.equal([]);
  });

  const invalid: readonly [string, (b: Uint8Array) => Uint8Array, string, number][] = [
    ['a wrong signature', (b) => { b[0x28] = 0x41; return b; }, 'BAD_VALUE', 0x28],
    ['a wrong header checksum', (b) => { b[0x32] = (b[0x32] ?? 0) ^ 1; return b; }, 'BAD_CHECKSUM', 0x32],
    ['an FvLength past the buffer', (b) => b.subarray(0, b.length - 8), 'TRUNCATED', 0x20],
    ['fewer bytes than a header', (b) => b.subarray(0, 0x30), 'TRUNCATED', 0],
  ];
  for (const [what, edit, code, offset] of invalid) {
    it(`rejects a volume with ${what} (${code})`, () => {
      const e = fvError(() => parseFirmwareVolume(edit(volume({ files: [], free: 16 }))));
      expect(e.code).to.equal(code);
      expect(e.offset).to.equal(offset);
      expect(e.structure).to.equal('EFI_FIRMWARE_VOLUME_HEADER');
    });
  }

  it('records a bad header checksum instead of throwing when verifyChecksums is false', () => {
    const b = volume({ files: [], free: 16 });
    b[0x32] = (b[0x32] ?? 0) ^ 1;
    expect(parseFirmwareVolume(b, { verifyChecksums: false }).headerChecksumValid).to.equal(false);
  });
});

describe('EFI_FFS_FILE_HEADER', () => {
  it('reads files in order, 8-byte aligned, with whole sizes, types and their sections', () => {
    const fv = parseFirmwareVolume(
      volume({
        files: [
          { guid: G1, type: EFI_FV_FILETYPE.PEIM, data: RAW_SECTION },
          { guid: 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', type: EFI_FV_FILETYPE.FFS_PAD, data: new Uint8Array(13).fill(0xff) },
          { guid: G2, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array([9, 8, 7]) },
        ],
        free: 40,
      })
    );
    expect(fv.files.map((f) => [f.guid, f.typeName, f.size, f.offset])).to.deep.equal([
      [G1, 'EFI_FV_FILETYPE_PEIM', 24 + 9, 0x48],
      ['FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 'pad', 24 + 13, 0x48 + 40],
      [G2, 'EFI_FV_FILETYPE_RAW', 24 + 3, 0x48 + 40 + 40],
    ]);
    expect(fv.files[0]?.sections?.map((s) => s.typeName)).to.deep.equal(['EFI_SECTION_RAW']);
    expect(fv.files[1]?.sections).to.equal(undefined);
    expect(fv.files[2]?.data).to.deep.equal(new Uint8Array([9, 8, 7]));
    expect(fv.files.every((f) => f.headerChecksumValid && f.dataChecksumValid)).to.equal(true);
  });

  it('verifies the data checksum of a file with FFS_ATTRIB_CHECKSUM', () => {
    const b = volume({ files: [{ guid: G1, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array([1, 2, 3]), attributes: 0x40 }] });
    expect(parseFirmwareVolume(b).files[0]?.dataChecksumValid).to.equal(true);
    b[0x48 + 24] = 9;
    const e = fvError(() => parseFirmwareVolume(b));
    expect([e.code, e.offset]).to.deep.equal(['BAD_CHECKSUM', 0x48 + 17]);
  });

  it('rejects a file whose header checksum is wrong, at the IntegrityCheck offset', () => {
    const b = volume({ files: [{ guid: G1, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array(4) }] });
    b[0x48 + 16] = (b[0x48 + 16] ?? 0) ^ 0x10;
    const e = fvError(() => parseFirmwareVolume(b));
    expect([e.code, e.structure, e.offset]).to.deep.equal(['BAD_CHECKSUM', 'EFI_FFS_FILE_HEADER', 0x48 + 16]);
  });

  it('reads file states under either erase polarity', () => {
    for (const polarity of [0, 1] as const) {
      const fv = parseFirmwareVolume(volume({ erasePolarity: polarity, files: [{ guid: G1, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array(1) }] }));
      expect(fv.erasePolarity).to.equal(polarity);
      expect(fv.files[0]?.state).to.equal('EFI_FILE_DATA_VALID');
    }
    const deleted = parseFirmwareVolume(volume({ files: [{ guid: G1, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array(1), state: 0xe8 }] }));
    expect(deleted.files[0]?.state).to.equal('EFI_FILE_DELETED');
  });

  it('reads an FFS3 large file through EFI_FFS_FILE_HEADER2', () => {
    const fv = parseFirmwareVolume(volume({ fileSystem: FFS3, files: [{ guid: G1, type: EFI_FV_FILETYPE.FREEFORM, data: RAW_SECTION, large: true }] }));
    expect(fv.fileSystem).to.equal('FFS3');
    expect(fv.files[0]).to.include({ headerSize: 32, size: 32 + RAW_SECTION.length });
    expect(fv.files[0]?.sections?.[0]?.body).to.deep.equal(new Uint8Array([1, 2, 3, 4, 5]));
  });

  it('rejects a file that runs past the end of its volume', () => {
    const b = volume({ files: [{ guid: G1, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array(8) }] });
    b.set([0xff, 0x00, 0x00], 0x48 + 20);
    const e = fvError(() => parseFirmwareVolume(b, { verifyChecksums: false }));
    expect([e.code, e.offset]).to.deep.equal(['TRUNCATED', 0x48 + 20]);
  });

  it('rejects a file smaller than its header', () => {
    const b = volume({ files: [{ guid: G1, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array(8) }] });
    b.set([0x04, 0x00, 0x00], 0x48 + 20);
    const e = fvError(() => parseFirmwareVolume(b, { verifyChecksums: false }));
    expect(e.code).to.equal('BAD_SIZE');
  });

  it('rejects data after the free space of a volume', () => {
    const b = volume({ files: [], free: 64 });
    b[b.length - 3] = 0x12;
    const e = fvError(() => parseFirmwareVolume(b));
    expect([e.code, e.offset]).to.deep.equal(['BAD_VALUE', 0x48]);
  });

  it('stops at the file-count limit', () => {
    const files = Array.from({ length: 5 }, () => ({ guid: G1, type: EFI_FV_FILETYPE.RAW, data: new Uint8Array(1) }));
    const e = fvError(() => parseFirmwareVolume(volume({ files }), { limits: { maxFiles: 4 } }));
    expect(e.code).to.equal('LIMIT_EXCEEDED');
  });

  it('builds files whose bytes the test builder and the parser agree on', () => {
    const f = ffsFile({ guid: G2, type: EFI_FV_FILETYPE.DRIVER, data: RAW_SECTION });
    const fv = parseFirmwareVolume(volume({ files: [{ guid: G2, type: EFI_FV_FILETYPE.DRIVER, data: RAW_SECTION }] }));
    expect(fv.files[0]?.raw).to.deep.equal(f);
  });
});
