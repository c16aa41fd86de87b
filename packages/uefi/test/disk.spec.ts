import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { DecodeError } from '@tcg2sim/binary-codec';
import {
  ESP_TYPE_GUID, LINUX_FS_TYPE_GUID, buildEfiApplication, buildEspDisk, buildFatVolume, buildGptDisk, requirePrerequisites, tempDir,
} from '@tcg2sim/test-support';
import type { FatType } from '@tcg2sim/test-support';
import {
  DiskError, ESP_PARTITION_TYPE, FatVolume, REMOVABLE_MEDIA_FILE_NAME_X64, bytesDiskSource, findDiskBootLoader, imageInfo, parseEfiImage, readGpt,
} from '@tcg2sim/uefi';
import { thrownError } from '@tcg2sim/test-support';

/** Bytes 0..n-1 of a recognisable pattern. */
function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const diskError = (fn: () => unknown): DiskError => thrownError(fn, DiskError);

/** Every failure on hostile bytes is typed; nothing else may escape. */
function typed(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof DiskError) {
      expect(e.code).to.be.a('string');
      return;
    }
    if (e instanceof DecodeError) return;
    throw e;
  }
}

const LOADER = buildEfiApplication(pattern(5000));
const FILES = [
  { path: 'EFI/BOOT/BOOTX64.EFI', data: LOADER },
  { path: 'EFI/debian/grub.cfg', data: new TextEncoder().encode('set root=(hd0,gpt2)\n') },
  { path: 'a-rather-long-file-name.with.dots.txt', data: pattern(3000, 7) },
  { path: 'empty', data: new Uint8Array() },
];

describe('GPT reader', () => {
  const disk = buildEspDisk({ files: FILES, extraPartition: true });

  it('reads the primary header, the whole entry array and the used partitions with their HD() numbers', () => {
    const g = readGpt(bytesDiskSource(disk));
    expect(g.header.diskGuid).to.equal('5E2C8D10-7A3B-4C9E-8F21-0D1E2F3A4B5C');
    expect(g.header.numberOfPartitionEntries).to.equal(128);
    expect(g.entries).to.have.length(128);
    expect(g.headerBytes).to.have.length(92);
    expect(g.partitions.map((p) => [p.number, p.typeGuid, p.startingLba, p.name, p.valid])).to.deep.equal([
      [1, ESP_PARTITION_TYPE, 2048n, 'EFI System', true],
      [2, LINUX_FS_TYPE_GUID, 2048n + 4096n, 'root', true],
    ]);
  });

  it('keeps the header bytes as stored, CRC included, even when the image is a Node Buffer', () => {
    const g = readGpt(bytesDiskSource(Buffer.from(disk)));
    expect([...g.headerBytes.subarray(16, 20)]).to.deep.equal([...disk.subarray(512 + 16, 512 + 20)]);
    expect(g.headerBytes.subarray(16, 20).some((b) => b !== 0)).to.equal(true);
  });

  it('numbers partitions by their entry index and marks overlapping and firmware-ignored ones invalid', () => {
    const d = buildGptDisk({
      totalSectors: 8192,
      diskGuid: '11111111-2222-3333-4444-555555555555',
      partitions: [
        { typeGuid: '00000000-0000-0000-0000-000000000000', uniqueGuid: '00000000-0000-0000-0000-000000000000', firstLba: 0, lastLba: 0 },
        { typeGuid: LINUX_FS_TYPE_GUID, uniqueGuid: 'AAAAAAAA-0000-0000-0000-000000000001', firstLba: 100, lastLba: 1000 },
        { typeGuid: ESP_TYPE_GUID, uniqueGuid: 'AAAAAAAA-0000-0000-0000-000000000002', firstLba: 900, lastLba: 2000 },
        { typeGuid: ESP_TYPE_GUID, uniqueGuid: 'AAAAAAAA-0000-0000-0000-000000000003', firstLba: 3000, lastLba: 4000, attributes: 2n },
        { typeGuid: ESP_TYPE_GUID, uniqueGuid: 'AAAAAAAA-0000-0000-0000-000000000004', firstLba: 5000, lastLba: 6000, attributes: 1n },
        { typeGuid: ESP_TYPE_GUID, uniqueGuid: 'AAAAAAAA-0000-0000-0000-000000000005', firstLba: 7000, lastLba: 9000 },
      ],
    });
    const g = readGpt(bytesDiskSource(d));
    expect(g.partitions.map((p) => [p.number, p.valid])).to.deep.equal([[2, false], [3, false], [4, false], [5, true], [6, false]]);
  });

  it('rejects a disk without a protective MBR or without "EFI PART" as NO_GPT', () => {
    const noMbr = disk.slice();
    noMbr[446 + 4] = 0x83;
    expect(diskError(() => readGpt(bytesDiskSource(noMbr))).code).to.equal('NO_GPT');
    const noSig = disk.slice();
    noSig[512] = 0x41;
    const e = diskError(() => readGpt(bytesDiskSource(noSig)));
    expect(e.code).to.equal('NO_GPT');
    expect(e.offset).to.equal(512);
  });

  it('rejects a header or entry array whose CRC32 does not match as BAD_GPT', () => {
    const badHeader = disk.slice();
    badHeader[512 + 40] = (badHeader[512 + 40] ?? 0) ^ 1;
    expect(diskError(() => readGpt(bytesDiskSource(badHeader)))).to.include({ code: 'BAD_GPT', offset: 512 + 16 });
    const badEntries = disk.slice();
    badEntries[1024 + 60] = (badEntries[1024 + 60] ?? 0) ^ 1;
    expect(diskError(() => readGpt(bytesDiskSource(badEntries)))).to.include({ code: 'BAD_GPT', offset: 1024 });
  });

  it('bounds the entry array a header may declare', () => {
    const d = buildGptDisk({ totalSectors: 4096, diskGuid: '11111111-2222-3333-4444-555555555555', partitions: [], entryCount: 1024 });
    expect(diskError(() => readGpt(bytesDiskSource(d), { maxEntryArrayBytes: 64 * 1024 })).code).to.equal('LIMIT_EXCEEDED');
  });

  it('rejects images too small to hold a GPT as SHORT_DISK', () => {
    expect(diskError(() => readGpt(bytesDiskSource(new Uint8Array(1000)))).code).to.equal('SHORT_DISK');
  });
});

describe('FAT reader', () => {
  const types: readonly [FatType, number, number][] = [
    ['FAT12', 4096, 1],
    ['FAT16', 16384, 1],
    ['FAT32', 69632, 1],
    ['FAT16', 65536, 4],
  ];
  for (const [type, sectors, spc] of types) {
    it(`reads files through long names, short names and any case on ${type} (${sectors} sectors, ${spc} per cluster)`, () => {
      const img = buildFatVolume({ type, sectors, sectorsPerCluster: spc, files: FILES });
      const v = new FatVolume(bytesDiskSource(img), 0, img.length);
      expect(v.kind).to.equal(type);
      expect(v.readFile('\\EFI\\BOOT\\BOOTX64.EFI')).to.deep.equal(LOADER);
      expect(v.readFile('/efi/boot/bootx64.efi')).to.deep.equal(LOADER);
      expect(v.readFile('A-RATHER-LONG-FILE-NAME.WITH.DOTS.TXT')).to.deep.equal(pattern(3000, 7));
      expect(v.readFile('EFI/DEBIAN/GRUB.CFG')).to.deep.equal(FILES[1]?.data);
      expect(v.readFile('empty')).to.have.length(0);
      const root = v.listDirectory('\\');
      expect(root.map((e) => e.name)).to.deep.equal(['EFI', 'a-rather-long-file-name.with.dots.txt', 'empty']);
      expect(root[1]?.shortName).to.equal('ARATHE~2.TXT');
      expect(v.readFile('ARATHE~2.TXT')).to.deep.equal(pattern(3000, 7));
    });
  }

  it('reports a missing file or directory as NOT_FOUND', () => {
    const img = buildFatVolume({ type: 'FAT12', sectors: 4096, files: FILES });
    const v = new FatVolume(bytesDiskSource(img), 0, img.length);
    expect(diskError(() => v.readFile('\\EFI\\BOOT\\BOOTIA32.EFI')).code).to.equal('NOT_FOUND');
    expect(diskError(() => v.readFile('\\EFI\\BOOT\\BOOTX64.EFI\\X')).code).to.equal('NOT_FOUND');
    expect(diskError(() => v.listDirectory('\\NOPE')).code).to.equal('NOT_FOUND');
  });

  it('stops at a cluster chain that loops instead of hanging', () => {
    const img = buildFatVolume({ type: 'FAT16', sectors: 16384, files: FILES });
    // The root directory of this FAT16 volume is the fixed region; EFI is cluster 2. Make
    // cluster 2 point at itself.
    img[512 + 4] = 2;
    img[512 + 5] = 0;
    const v = new FatVolume(bytesDiskSource(img), 0, img.length, { maxFileBytes: 1 << 20, maxDirectoryBytes: 64 * 1024, maxPathDepth: 8 });
    expect(diskError(() => v.readFile('EFI/BOOT/BOOTX64.EFI')).code).to.equal('LIMIT_EXCEEDED');
  });

  it('rejects a boot sector without a jump or with a bad sector size as BAD_FAT', () => {
    const img = buildFatVolume({ type: 'FAT12', sectors: 4096, files: [] });
    const noJump = img.slice();
    noJump[0] = 0;
    expect(diskError(() => new FatVolume(bytesDiskSource(noJump), 0, noJump.length)).code).to.equal('BAD_FAT');
    const badBps = img.slice();
    badBps[11] = 0x01;
    expect(diskError(() => new FatVolume(bytesDiskSource(badBps), 0, badBps.length))).to.include({ code: 'BAD_FAT', offset: 11 });
  });

  it('never fails untyped on mutated boot sectors, FATs and directories', function () {
    this.timeout(60_000);
    const img = buildFatVolume({ type: 'FAT12', sectors: 4096, files: FILES });
    // Boot sector, FAT, root directory, first data clusters.
    const hot = 512 * (1 + 2 * 12 + 32 + 8);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(hot - 1), fc.nat(255)), { minLength: 1, maxLength: 8 }), (muts) => {
        const m = img.slice();
        for (const [at, v] of muts) m[at] = v;
        typed(() => {
          const vol = new FatVolume(bytesDiskSource(m), 0, m.length, { maxFileBytes: 1 << 20, maxDirectoryBytes: 256 * 1024, maxPathDepth: 8 });
          vol.listDirectory('EFI');
          vol.readFile(REMOVABLE_MEDIA_FILE_NAME_X64);
        });
      }),
      { numRuns: 300 }
    );
  });
});

describe('finding the removable-media boot loader', () => {
  it('finds \\EFI\\BOOT\\BOOTX64.EFI on the ESP and it is the PE32+ application that was written', () => {
    const l = findDiskBootLoader(bytesDiskSource(buildEspDisk({ files: FILES, fatType: 'FAT32' })));
    expect(l.partition.number).to.equal(1);
    expect(l.isEsp).to.equal(true);
    expect([l.otherPartitions, l.otherFatVolumes]).to.deep.equal([0, 0]);
    expect(l.fatKind).to.equal('FAT32');
    expect(l.file).to.deep.equal(LOADER);
    expect(imageInfo(parseEfiImage(l.file)).subsystem).to.equal(10);
  });

  it('counts the other partitions and the FAT volumes among them', () => {
    const second = buildFatVolume({ type: 'FAT12', sectors: 2000, files: [] });
    const d = buildGptDisk({
      totalSectors: 16384,
      diskGuid: '11111111-2222-3333-4444-555555555555',
      partitions: [
        { typeGuid: LINUX_FS_TYPE_GUID, uniqueGuid: 'AAAAAAAA-0000-0000-0000-000000000001', firstLba: 40, lastLba: 2047, content: second },
        { typeGuid: ESP_TYPE_GUID, uniqueGuid: 'AAAAAAAA-0000-0000-0000-000000000002', firstLba: 2048, lastLba: 6143, content: buildFatVolume({ type: 'FAT12', sectors: 4096, files: FILES }) },
        { typeGuid: LINUX_FS_TYPE_GUID, uniqueGuid: 'AAAAAAAA-0000-0000-0000-000000000003', firstLba: 6144, lastLba: 8191 },
      ],
    });
    const l = findDiskBootLoader(bytesDiskSource(d));
    expect(l.partition.number).to.equal(2);
    expect([l.otherPartitions, l.otherFatVolumes]).to.deep.equal([2, 1]);
  });

  it('reports a disk without any FAT partition as NO_ESP and one without the file as NOT_FOUND', () => {
    const noEsp = buildGptDisk({
      totalSectors: 8192,
      diskGuid: '11111111-2222-3333-4444-555555555555',
      partitions: [{ typeGuid: LINUX_FS_TYPE_GUID, uniqueGuid: 'AAAAAAAA-0000-0000-0000-000000000001', firstLba: 2048, lastLba: 4095 }],
    });
    expect(diskError(() => findDiskBootLoader(bytesDiskSource(noEsp))).code).to.equal('NO_ESP');
    const noLoader = buildEspDisk({ files: [{ path: 'EFI/debian/shimx64.efi', data: LOADER }] });
    expect(diskError(() => findDiskBootLoader(bytesDiskSource(noLoader))).code).to.equal('NOT_FOUND');
  });

  it('never fails untyped on mutated GPT sectors', function () {
    this.timeout(60_000);
    const disk = buildEspDisk({ files: FILES });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(34 * 512 - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }), (muts) => {
        const m = disk.slice();
        for (const [at, v] of muts) m[at] = v;
        typed(() => findDiskBootLoader(bytesDiskSource(m)));
      }),
      { numRuns: 150 }
    );
  });

  it('agrees with util-linux blkid on the partition table and the filesystem type', function () {
    requirePrerequisites(this, { tools: ['blkid'] });
    const tmp = tempDir('tcg2sim-disk-');
    try {
      for (const type of ['FAT12', 'FAT16', 'FAT32'] as const) {
        const disk = buildEspDisk({ files: FILES, fatType: type });
        const g = readGpt(bytesDiskSource(disk));
        const file = join(tmp.path, `${type}.img`);
        writeFileSync(file, disk);
        const pt = execFileSync('blkid', ['-p', '-o', 'export', file], { encoding: 'utf8' });
        expect(pt).to.match(/PTTYPE=gpt/);
        expect(pt).to.include(`PTUUID=${g.header.diskGuid.toLowerCase()}`);
        const esp = g.partitions[0];
        if (esp === undefined) throw new Error('no partition');
        const fs = execFileSync('blkid', ['-p', '-o', 'export', '-O', String(Number(esp.startingLba) * 512), file], { encoding: 'utf8' });
        const v = new FatVolume(bytesDiskSource(disk), Number(esp.startingLba) * 512, Number(esp.endingLba - esp.startingLba + 1n) * 512);
        expect(fs).to.include(`VERSION=${v.kind}`);
        expect(v.kind).to.equal(type);
      }
    } finally {
      tmp.remove();
    }
  });
});
