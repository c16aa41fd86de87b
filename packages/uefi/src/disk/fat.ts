import { decodeFirst, fixedBytes, struct, u16le, u32le, u8 } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';
import { DiskError } from './errors.ts';
import { checkRange } from './source.ts';
import type { DiskSource } from './source.ts';

/** The BIOS parameter block common to FAT12/16/32 (Microsoft FAT specification, offsets 0..35). */
export const FatBpb = struct('FAT_BPB', {
  jump: fixedBytes('BS_jmpBoot', 3),
  oemName: fixedBytes('BS_OEMName', 8),
  bytesPerSector: u16le,
  sectorsPerCluster: u8,
  reservedSectors: u16le,
  numberOfFats: u8,
  rootEntryCount: u16le,
  totalSectors16: u16le,
  media: u8,
  fatSize16: u16le,
  sectorsPerTrack: u16le,
  numberOfHeads: u16le,
  hiddenSectors: u32le,
  totalSectors32: u32le,
});
export type FatBpb = Infer<typeof FatBpb>;

/** The FAT32 extension of the BPB (offsets 36..63). */
export const Fat32Bpb = struct('FAT32_BPB', {
  fatSize32: u32le,
  extFlags: u16le,
  fsVersion: u16le,
  rootCluster: u32le,
  fsInfo: u16le,
  backupBootSector: u16le,
  reserved: fixedBytes('BPB_Reserved', 12),
});

/** A 32-byte directory entry (short form). */
export const FatDirEntry = struct('FAT_DIRECTORY_ENTRY', {
  name: fixedBytes('DIR_Name', 11),
  attributes: u8,
  ntReserved: u8,
  createTimeTenth: u8,
  createTime: u16le,
  createDate: u16le,
  lastAccessDate: u16le,
  firstClusterHigh: u16le,
  writeTime: u16le,
  writeDate: u16le,
  firstClusterLow: u16le,
  fileSize: u32le,
});

export type FatKind = 'FAT12' | 'FAT16' | 'FAT32';

const ATTR_DIRECTORY = 0x10;
const ATTR_VOLUME_ID = 0x08;
const ATTR_LONG_NAME = 0x0f;

/** Bounds on what a FAT volume may make the reader do. */
export interface FatLimits {
  readonly maxFileBytes: number;
  readonly maxDirectoryBytes: number;
  readonly maxPathDepth: number;
}
export const DEFAULT_FAT_LIMITS: FatLimits = { maxFileBytes: 64 * 1024 * 1024, maxDirectoryBytes: 2 * 1024 * 1024, maxPathDepth: 32 };

/** One directory entry with its long name when it has a valid one. */
export interface FatDirectoryEntry {
  /** The long name, or the short name when there is none. */
  readonly name: string;
  /** The 8.3 name as `BASE.EXT`. */
  readonly shortName: string;
  readonly isDirectory: boolean;
  readonly firstCluster: number;
  readonly size: number;
}

/** Where a directory's entries are: the FAT12/16 fixed root region, or a cluster chain. */
type DirLocation = { readonly kind: 'root-region' } | { readonly kind: 'chain'; readonly cluster: number };

function shortNameText(raw: Uint8Array): string {
  const chars = [...raw].map((b, i) => (i === 0 && b === 0x05 ? 0xe5 : b));
  const text = (a: number[]): string => String.fromCharCode(...a).replace(/ +$/, '');
  const base = text(chars.slice(0, 8));
  const ext = text(chars.slice(8, 11));
  return ext === '' ? base : `${base}.${ext}`;
}

function lfnChecksum(raw: Uint8Array): number {
  let sum = 0;
  for (const b of raw) sum = ((((sum & 1) << 7) | (sum >> 1)) + b) & 0xff;
  return sum;
}

const LFN_CHAR_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/**
 * A read-only FAT12/16/32 volume inside a disk image: boot sector, FAT chains, directories
 * with long file names, case-insensitive path lookup. Hostile input gives DiskError (BAD_FAT,
 * NOT_FOUND, LIMIT_EXCEEDED, SHORT_DISK); every loop is bounded.
 */
export class FatVolume {
  readonly kind: FatKind;
  readonly bpb: FatBpb;
  readonly clusterCount: number;
  readonly #disk: DiskSource;
  readonly #base: number;
  readonly #length: number;
  readonly #limits: FatLimits;
  readonly #bytesPerSector: number;
  readonly #clusterBytes: number;
  readonly #fatOffset: number;
  readonly #fatBytes: number;
  readonly #rootRegion: number;
  readonly #rootRegionBytes: number;
  readonly #dataOffset: number;
  readonly #rootCluster: number;

  /** Opens the volume at byte `offset`, `length` bytes long (a partition). */
  constructor(disk: DiskSource, offset: number, length: number, limits: FatLimits = DEFAULT_FAT_LIMITS) {
    checkRange(disk.size, offset, length);
    this.#disk = disk;
    this.#base = offset;
    this.#length = length;
    this.#limits = limits;
    const bad = (msg: string, at = 0): DiskError => new DiskError('BAD_FAT', msg, offset + at);
    if (length < 512) throw bad(`a ${length}-byte partition cannot hold a FAT volume`);
    const sector0 = disk.read(offset, 512);
    const [bpb] = decodeFirst(FatBpb, sector0);
    this.bpb = bpb;
    const j = bpb.jump[0];
    if (j !== 0xeb && j !== 0xe9) throw bad('no x86 jump at the start of the boot sector: not a FAT volume');
    if (![512, 1024, 2048, 4096].includes(bpb.bytesPerSector)) throw bad(`BytsPerSec ${bpb.bytesPerSector} is not 512, 1024, 2048 or 4096`, 11);
    const spc = bpb.sectorsPerCluster;
    if (spc === 0 || (spc & (spc - 1)) !== 0) throw bad(`SecPerClus ${spc} is not a power of two`, 13);
    if (bpb.reservedSectors === 0) throw bad('RsvdSecCnt is 0', 14);
    if (bpb.numberOfFats === 0) throw bad('NumFATs is 0', 16);
    const ext = decodeFirst(Fat32Bpb, disk.read(offset + 36, 28))[0];
    const fatSize = bpb.fatSize16 !== 0 ? bpb.fatSize16 : ext.fatSize32;
    const total = bpb.totalSectors16 !== 0 ? bpb.totalSectors16 : bpb.totalSectors32;
    if (fatSize === 0) throw bad('FAT size is 0', 22);
    const bps = bpb.bytesPerSector;
    this.#bytesPerSector = bps;
    this.#clusterBytes = spc * bps;
    const rootSectors = Math.ceil((bpb.rootEntryCount * 32) / bps);
    const dataSector = bpb.reservedSectors + bpb.numberOfFats * fatSize + rootSectors;
    if (total <= dataSector) throw bad(`${total} sectors leave no data region after sector ${dataSector}`, 19);
    if (total * bps > length) throw bad(`the volume's ${total} sectors do not fit the ${length}-byte partition`, 19);
    this.clusterCount = Math.floor((total - dataSector) / spc);
    this.kind = this.clusterCount < 4085 ? 'FAT12' : this.clusterCount < 65525 ? 'FAT16' : 'FAT32';
    if (this.kind === 'FAT32' ? bpb.rootEntryCount !== 0 || bpb.fatSize16 !== 0 : bpb.rootEntryCount === 0) {
      throw bad(`BPB fields do not match a ${this.kind} volume (${this.clusterCount} clusters)`, 17);
    }
    this.#fatOffset = bpb.reservedSectors * bps;
    this.#fatBytes = fatSize * bps;
    const needed = this.kind === 'FAT12' ? Math.ceil(((this.clusterCount + 2) * 3) / 2) : (this.clusterCount + 2) * (this.kind === 'FAT16' ? 2 : 4);
    if (needed > this.#fatBytes) throw bad(`a ${this.#fatBytes}-byte FAT cannot map ${this.clusterCount} clusters`, 22);
    this.#rootRegion = (bpb.reservedSectors + bpb.numberOfFats * fatSize) * bps;
    this.#rootRegionBytes = rootSectors * bps;
    this.#dataOffset = dataSector * bps;
    this.#rootCluster = this.kind === 'FAT32' ? ext.rootCluster : 0;
    if (this.kind === 'FAT32' && !this.#isDataCluster(this.#rootCluster)) throw bad(`root cluster ${this.#rootCluster} is not a data cluster`, 44);
  }

  #isDataCluster(c: number): boolean {
    return c >= 2 && c < this.clusterCount + 2;
  }

  /** The FAT entry of cluster `c` (first FAT). */
  #next(c: number): number {
    const at = this.#base + this.#fatOffset;
    if (this.kind === 'FAT12') {
      const o = c + (c >> 1);
      const b = this.#disk.read(at + o, 2);
      const v = (b[0] ?? 0) | ((b[1] ?? 0) << 8);
      return (c & 1) === 0 ? v & 0xfff : v >> 4;
    }
    if (this.kind === 'FAT16') {
      const b = this.#disk.read(at + 2 * c, 2);
      return (b[0] ?? 0) | ((b[1] ?? 0) << 8);
    }
    const b = this.#disk.read(at + 4 * c, 4);
    return ((b[0] ?? 0) | ((b[1] ?? 0) << 8) | ((b[2] ?? 0) << 16) | ((b[3] ?? 0) << 24)) & 0x0fffffff;
  }

  #isEnd(v: number): boolean {
    return v >= (this.kind === 'FAT12' ? 0xff8 : this.kind === 'FAT16' ? 0xfff8 : 0x0ffffff8);
  }

  /** Reads the chain from `first`, at most `maxBytes` (then LIMIT_EXCEEDED unless `truncate`). */
  #readChain(first: number, maxBytes: number, truncate: boolean): Uint8Array {
    const maxClusters = Math.ceil(maxBytes / this.#clusterBytes);
    const parts: Uint8Array[] = [];
    let c = first;
    for (let n = 0; ; n++) {
      if (!this.#isDataCluster(c)) throw new DiskError('BAD_FAT', `cluster chain reaches cluster ${c}, outside 2..${this.clusterCount + 1}`, this.#base + this.#fatOffset);
      if (n >= maxClusters) {
        if (truncate) break;
        throw new DiskError('LIMIT_EXCEEDED', `cluster chain from ${first} is longer than ${maxBytes} bytes (or loops)`, this.#base + this.#fatOffset);
      }
      parts.push(this.#disk.read(this.#base + this.#dataOffset + (c - 2) * this.#clusterBytes, this.#clusterBytes));
      const v = this.#next(c);
      if (this.#isEnd(v)) break;
      c = v;
    }
    const out = new Uint8Array(parts.length * this.#clusterBytes);
    parts.forEach((p, i) => out.set(p, i * this.#clusterBytes));
    return out;
  }

  #dirBytes(loc: DirLocation): Uint8Array {
    if (loc.kind === 'root-region') return this.#disk.read(this.#base + this.#rootRegion, this.#rootRegionBytes);
    return this.#readChain(loc.cluster, this.#limits.maxDirectoryBytes, false);
  }

  #list(loc: DirLocation): FatDirectoryEntry[] {
    const bytes = this.#dirBytes(loc);
    const out: FatDirectoryEntry[] = [];
    let lfn: { count: number; sum: number; chars: number[]; seen: number } | undefined;
    for (let o = 0; o + 32 <= bytes.length; o += 32) {
      const raw = bytes.subarray(o, o + 32);
      const first = raw[0] ?? 0;
      if (first === 0x00) break;
      if (first === 0xe5) {
        lfn = undefined;
        continue;
      }
      const [e] = decodeFirst(FatDirEntry, raw);
      if ((e.attributes & 0x3f) === ATTR_LONG_NAME) {
        const ord = first & 0x1f;
        if ((first & 0x40) !== 0) lfn = { count: ord, sum: raw[13] ?? 0, chars: new Array<number>(ord * 13).fill(0), seen: 0 };
        if (lfn === undefined || ord === 0 || ord !== lfn.count - lfn.seen || raw[13] !== lfn.sum) {
          lfn = undefined;
          continue;
        }
        LFN_CHAR_OFFSETS.forEach((at, i) => {
          if (lfn) lfn.chars[(ord - 1) * 13 + i] = (raw[at] ?? 0) | ((raw[at + 1] ?? 0) << 8);
        });
        lfn.seen++;
        continue;
      }
      let longName: string | undefined;
      if (lfn !== undefined && lfn.seen === lfn.count && lfnChecksum(e.name) === lfn.sum) {
        const end = lfn.chars.indexOf(0);
        longName = String.fromCharCode(...lfn.chars.slice(0, end < 0 ? lfn.chars.length : end));
      }
      lfn = undefined;
      if ((e.attributes & ATTR_VOLUME_ID) !== 0) continue;
      const shortName = shortNameText(e.name);
      if (shortName === '.' || shortName === '..') continue;
      out.push({
        name: longName ?? shortName,
        shortName,
        isDirectory: (e.attributes & ATTR_DIRECTORY) !== 0,
        firstCluster: this.kind === 'FAT32' ? (e.firstClusterHigh << 16) | e.firstClusterLow : e.firstClusterLow,
        size: e.fileSize,
      });
    }
    return out;
  }

  #rootLocation(): DirLocation {
    return this.kind === 'FAT32' ? { kind: 'chain', cluster: this.#rootCluster } : { kind: 'root-region' };
  }

  /** The entries of the directory at `path` (`\`- or `/`-separated, case-insensitive). */
  listDirectory(path: string): FatDirectoryEntry[] {
    const parts = splitPath(path, this.#limits.maxPathDepth);
    let loc = this.#rootLocation();
    for (const p of parts) {
      const e = this.#find(loc, p);
      if (e === undefined || !e.isDirectory) throw new DiskError('NOT_FOUND', `no directory ${p} in ${path}`);
      loc = e.firstCluster === 0 ? this.#rootLocation() : { kind: 'chain', cluster: e.firstCluster };
    }
    return this.#list(loc);
  }

  #find(loc: DirLocation, name: string): FatDirectoryEntry | undefined {
    const n = name.toUpperCase();
    return this.#list(loc).find((e) => e.name.toUpperCase() === n || e.shortName === n);
  }

  /** The contents of the file at `path`. @throws DiskError NOT_FOUND, BAD_FAT, LIMIT_EXCEEDED */
  readFile(path: string): Uint8Array {
    const parts = splitPath(path, this.#limits.maxPathDepth);
    const leaf = parts.pop();
    if (leaf === undefined) throw new DiskError('NOT_FOUND', 'empty path');
    const dir = parts.join('/');
    let loc = this.#rootLocation();
    for (const p of dir === '' ? [] : dir.split('/')) {
      const e = this.#find(loc, p);
      if (e === undefined || !e.isDirectory) throw new DiskError('NOT_FOUND', `no directory ${p} on the way to ${path}`);
      loc = e.firstCluster === 0 ? this.#rootLocation() : { kind: 'chain', cluster: e.firstCluster };
    }
    const f = this.#find(loc, leaf);
    if (f === undefined || f.isDirectory) throw new DiskError('NOT_FOUND', `no file ${path}`);
    if (f.size > this.#limits.maxFileBytes) throw new DiskError('LIMIT_EXCEEDED', `${path} is ${f.size} bytes, more than ${this.#limits.maxFileBytes}`);
    if (f.size === 0) return new Uint8Array();
    const data = this.#readChain(f.firstCluster, f.size, true);
    if (data.length < f.size) throw new DiskError('BAD_FAT', `${path}: its cluster chain holds ${data.length} of its ${f.size} bytes`, this.#base + this.#fatOffset);
    return data.slice(0, f.size);
  }

  /** Size of the volume's partition in bytes. */
  get partitionBytes(): number {
    return this.#length;
  }

  get bytesPerSector(): number {
    return this.#bytesPerSector;
  }
}

function splitPath(path: string, maxDepth: number): string[] {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  if (parts.length > maxDepth) throw new DiskError('LIMIT_EXCEEDED', `path ${path} is deeper than ${maxDepth}`);
  return parts;
}
