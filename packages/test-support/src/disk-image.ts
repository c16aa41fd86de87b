/**
 * Builds raw disk images for tests: a GPT disk (protective MBR, primary and backup headers and
 * entry arrays) whose partitions hold FAT12/16/32 volumes, and a tiny PE32+ EFI application to
 * put on them. Written from the UEFI 2.9 §5.3 and Microsoft FAT specification layouts; nothing
 * here is copied from another tool. Self-contained (no dependency on the parsers under test): the
 * header and entry-array CRC-32s are node:zlib's, not uefi's own.
 */
import { crc32 } from 'node:zlib';

const SECTOR = 512;

function ascii(s: string): number[] {
  return Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
}

/** The EFI System Partition type GUID. */
export const ESP_TYPE_GUID = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
/** A Linux filesystem partition type (for a second, non-ESP partition). */
export const LINUX_FS_TYPE_GUID = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';

/** EFI_GUID bytes (first three fields little-endian) of a registry-format GUID. */
export function guidToBytes(g: string): Uint8Array {
  const h = g.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(h)) throw new Error(`bad GUID ${g}`);
  const b = Uint8Array.from({ length: 16 }, (_, i) => Number.parseInt(h.slice(2 * i, 2 * i + 2), 16));
  return Uint8Array.of(b[3] ?? 0, b[2] ?? 0, b[1] ?? 0, b[0] ?? 0, b[5] ?? 0, b[4] ?? 0, b[7] ?? 0, b[6] ?? 0, ...b.subarray(8));
}

// ---------------------------------------------------------------- FAT

export type FatType = 'FAT12' | 'FAT16' | 'FAT32';

export interface FatFileSpec {
  /** Slash-separated path from the root, e.g. `EFI/BOOT/BOOTX64.EFI`. */
  readonly path: string;
  readonly data: Uint8Array;
}

export interface FatVolumeSpec {
  readonly type: FatType;
  /** Volume size in 512-byte sectors. */
  readonly sectors: number;
  readonly sectorsPerCluster?: number;
  readonly files: readonly FatFileSpec[];
  /** BPB_HiddSec: the partition's first LBA. */
  readonly hiddenSectors?: number;
  readonly volumeId?: number;
}

interface DirNode {
  readonly name: string;
  readonly children: Map<string, DirNode | FileNode>;
  cluster: number;
  clusters: number;
}
interface FileNode {
  readonly name: string;
  readonly data: Uint8Array;
  cluster: number;
  clusters: number;
}

function isDir(n: DirNode | FileNode): n is DirNode {
  return 'children' in n;
}

/** True when `name` is a valid upper-case 8.3 name (no long-name entries needed). */
function isShortName(name: string): boolean {
  return /^[A-Z0-9_$~!#%&\-{}()@'`^]{1,8}(\.[A-Z0-9_$~!#%&\-{}()@'`^]{1,3})?$/.test(name);
}

function shortNameBytes(name: string, ordinal: number): Uint8Array {
  const out = new Uint8Array(11).fill(0x20);
  let base: string;
  let ext: string;
  if (isShortName(name)) {
    const dot = name.indexOf('.');
    base = dot < 0 ? name : name.slice(0, dot);
    ext = dot < 0 ? '' : name.slice(dot + 1);
  } else {
    const dot = name.lastIndexOf('.');
    const clean = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9_]/g, '');
    const tail = `~${ordinal}`;
    base = clean(dot > 0 ? name.slice(0, dot) : name).slice(0, 8 - tail.length) + tail;
    ext = dot > 0 ? clean(name.slice(dot + 1)).slice(0, 3) : '';
  }
  for (let i = 0; i < base.length; i++) out[i] = base.charCodeAt(i);
  for (let i = 0; i < ext.length; i++) out[8 + i] = ext.charCodeAt(i);
  return out;
}

function lfnChecksum(short: Uint8Array): number {
  let sum = 0;
  for (const b of short) sum = ((((sum & 1) << 7) | (sum >> 1)) + b) & 0xff;
  return sum;
}

/** The directory entries (LFN entries then the short entry) naming `node`. */
function dirEntries(node: DirNode | FileNode, ordinal: number): Uint8Array[] {
  const short = shortNameBytes(node.name, ordinal);
  const out: Uint8Array[] = [];
  if (!isShortName(node.name)) {
    const units = Array.from({ length: node.name.length }, (_, i) => node.name.charCodeAt(i));
    const count = Math.ceil((units.length + 1) / 13);
    const padded = [...units, 0, ...new Array<number>(count * 13).fill(0xffff)].slice(0, count * 13);
    const sum = lfnChecksum(short);
    for (let seq = count; seq >= 1; seq--) {
      const e = new Uint8Array(32);
      e[0] = seq | (seq === count ? 0x40 : 0);
      e[11] = 0x0f;
      e[13] = sum;
      const chars = padded.slice((seq - 1) * 13, seq * 13);
      const at = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
      chars.forEach((c, i) => {
        const o = at[i] ?? 0;
        e[o] = c & 0xff;
        e[o + 1] = c >> 8;
      });
      out.push(e);
    }
  }
  const e = new Uint8Array(32);
  e.set(short);
  e[11] = isDir(node) ? 0x10 : 0x20;
  const v = new DataView(e.buffer);
  v.setUint16(20, node.cluster >>> 16, true);
  v.setUint16(26, node.cluster & 0xffff, true);
  v.setUint32(28, isDir(node) ? 0 : node.data.length, true);
  out.push(e);
  return out;
}

function dotEntry(name: string, cluster: number): Uint8Array {
  const e = new Uint8Array(32).fill(0x20, 0, 11);
  for (let i = 0; i < name.length; i++) e[i] = name.charCodeAt(i);
  e[11] = 0x10;
  const v = new DataView(e.buffer);
  v.setUint16(20, cluster >>> 16, true);
  v.setUint16(26, cluster & 0xffff, true);
  return e;
}

function entryCount(dir: DirNode, isRoot: boolean): number {
  let n = isRoot ? 0 : 2;
  let i = 1;
  for (const c of dir.children.values()) {
    n += dirEntries(c, i++).length;
  }
  return n;
}

/** A FAT volume image holding `files` (directories created as needed). */
export function buildFatVolume(spec: FatVolumeSpec): Uint8Array {
  const spc = spec.sectorsPerCluster ?? 1;
  const fat32 = spec.type === 'FAT32';
  const reserved = fat32 ? 32 : 1;
  const rootEntries = fat32 ? 0 : 512;
  const rootSectors = (rootEntries * 32) / SECTOR;
  let fatSectors = 1;
  let clusters = 0;
  for (;;) {
    clusters = Math.floor((spec.sectors - reserved - rootSectors - 2 * fatSectors) / spc);
    const bytes = spec.type === 'FAT12' ? Math.ceil(((clusters + 2) * 3) / 2) : (clusters + 2) * (fat32 ? 4 : 2);
    if (bytes <= fatSectors * SECTOR) break;
    fatSectors++;
  }
  const actual: FatType = clusters < 4085 ? 'FAT12' : clusters < 65525 ? 'FAT16' : 'FAT32';
  if (actual !== spec.type) throw new Error(`${spec.sectors} sectors / ${spc} per cluster make ${actual}, not ${spec.type}`);
  const clusterBytes = spc * SECTOR;
  const dataStart = reserved + 2 * fatSectors + rootSectors;
  const img = new Uint8Array(spec.sectors * SECTOR);
  const view = new DataView(img.buffer);

  // Tree.
  const root: DirNode = { name: '', children: new Map(), cluster: 0, clusters: 0 };
  for (const f of spec.files) {
    const parts = f.path.split('/').filter((p) => p !== '');
    let d = root;
    parts.forEach((p, i) => {
      if (i === parts.length - 1) {
        d.children.set(p, { name: p, data: f.data, cluster: 0, clusters: 0 });
        return;
      }
      let next = d.children.get(p);
      if (next === undefined) {
        next = { name: p, children: new Map(), cluster: 0, clusters: 0 };
        d.children.set(p, next);
      }
      if (!isDir(next)) throw new Error(`${p} is a file`);
      d = next;
    });
  }
  // Cluster allocation, depth first.
  let nextCluster = 2;
  const order: Array<DirNode | FileNode> = [];
  const assign = (n: DirNode | FileNode, isRoot: boolean): void => {
    const bytes = isDir(n) ? entryCount(n, isRoot) * 32 : n.data.length;
    if (isDir(n) && isRoot && !fat32) {
      if (bytes > rootEntries * 32) throw new Error('root directory full');
    } else {
      n.clusters = Math.max(1, Math.ceil(bytes / clusterBytes));
      if (!isDir(n) && n.data.length === 0) n.clusters = 0;
      n.cluster = n.clusters === 0 ? 0 : nextCluster;
      nextCluster += n.clusters;
      order.push(n);
    }
    if (isDir(n)) for (const c of n.children.values()) assign(c, false);
  };
  assign(root, true);
  if (nextCluster - 2 > clusters) throw new Error('volume full');

  // FATs.
  const eoc = spec.type === 'FAT12' ? 0xfff : spec.type === 'FAT16' ? 0xffff : 0x0fffffff;
  const fat = new Uint8Array(fatSectors * SECTOR);
  const fv = new DataView(fat.buffer);
  const setFat = (c: number, v: number): void => {
    if (spec.type === 'FAT12') {
      const o = c + (c >> 1);
      if ((c & 1) === 0) {
        fat[o] = v & 0xff;
        fat[o + 1] = ((fat[o + 1] ?? 0) & 0xf0) | ((v >> 8) & 0x0f);
      } else {
        fat[o] = ((fat[o] ?? 0) & 0x0f) | ((v & 0x0f) << 4);
        fat[o + 1] = (v >> 4) & 0xff;
      }
    } else if (spec.type === 'FAT16') fv.setUint16(2 * c, v, true);
    else fv.setUint32(4 * c, v, true);
  };
  setFat(0, (eoc & ~0xff) | 0xf8);
  setFat(1, eoc);
  for (const n of order) {
    for (let i = 0; i < n.clusters; i++) setFat(n.cluster + i, i === n.clusters - 1 ? eoc : n.cluster + i + 1);
  }
  img.set(fat, reserved * SECTOR);
  img.set(fat, (reserved + fatSectors) * SECTOR);

  // Directories and files.
  const clusterAt = (c: number): number => (dataStart + (c - 2) * spc) * SECTOR;
  const writeDir = (d: DirNode, isRoot: boolean, parentCluster: number): void => {
    const entries: Uint8Array[] = [];
    if (!isRoot) entries.push(dotEntry('.', d.cluster), dotEntry('..', parentCluster));
    let i = 1;
    for (const c of d.children.values()) entries.push(...dirEntries(c, i++));
    const at = isRoot && !fat32 ? (reserved + 2 * fatSectors) * SECTOR : clusterAt(d.cluster);
    entries.forEach((e, k) => img.set(e, at + 32 * k));
    for (const c of d.children.values()) {
      if (isDir(c)) writeDir(c, false, isRoot ? 0 : d.cluster);
      else if (c.clusters > 0) img.set(c.data, clusterAt(c.cluster));
    }
  };
  writeDir(root, true, 0);

  // Boot sector (and FAT32's FSInfo and backup boot sector).
  img.set([0xeb, fat32 ? 0x58 : 0x3c, 0x90], 0);
  img.set(ascii('MSWIN4.1'), 3);
  view.setUint16(11, SECTOR, true);
  img[13] = spc;
  view.setUint16(14, reserved, true);
  img[16] = 2;
  view.setUint16(17, rootEntries, true);
  if (!fat32 && spec.sectors < 0x10000) view.setUint16(19, spec.sectors, true);
  else view.setUint32(32, spec.sectors, true);
  img[21] = 0xf8;
  if (!fat32) view.setUint16(22, fatSectors, true);
  view.setUint16(24, 63, true);
  view.setUint16(26, 255, true);
  view.setUint32(28, spec.hiddenSectors ?? 0, true);
  const ext = fat32 ? 64 : 36;
  if (fat32) {
    view.setUint32(36, fatSectors, true);
    view.setUint32(44, root.cluster, true);
    view.setUint16(48, 1, true);
    view.setUint16(50, 6, true);
  }
  img[ext] = 0x80;
  img[ext + 2] = 0x29;
  view.setUint32(ext + 3, spec.volumeId ?? 0x1234abcd, true);
  img.set(ascii('NO NAME    '), ext + 7);
  img.set(ascii(`${spec.type}   `), ext + 18);
  img[510] = 0x55;
  img[511] = 0xaa;
  if (fat32) {
    view.setUint32(SECTOR, 0x41615252, true);
    view.setUint32(SECTOR + 484, 0x61417272, true);
    view.setUint32(SECTOR + 488, 0xffffffff, true);
    view.setUint32(SECTOR + 492, 0xffffffff, true);
    view.setUint32(SECTOR + 508, 0xaa550000, true);
    img.copyWithin(6 * SECTOR, 0, 2 * SECTOR);
  }
  return img;
}

// ---------------------------------------------------------------- GPT

export interface GptPartitionSpec {
  readonly typeGuid: string;
  readonly uniqueGuid: string;
  readonly firstLba: number;
  /** Inclusive. */
  readonly lastLba: number;
  readonly name?: string;
  readonly attributes?: bigint;
  /** Bytes written at firstLba (at most the partition's size). */
  readonly content?: Uint8Array;
}

export interface GptDiskSpec {
  readonly totalSectors: number;
  readonly diskGuid: string;
  readonly partitions: readonly GptPartitionSpec[];
  /** NumberOfPartitionEntries (default 128). */
  readonly entryCount?: number;
}

/** A raw GPT disk: protective MBR, primary header + entries at LBA 1/2, backup at the end. */
export function buildGptDisk(spec: GptDiskSpec): Uint8Array {
  const n = spec.entryCount ?? 128;
  const entrySectors = Math.ceil((n * 128) / SECTOR);
  const last = spec.totalSectors - 1;
  const disk = new Uint8Array(spec.totalSectors * SECTOR);
  const dv = new DataView(disk.buffer);
  // Protective MBR.
  const pe = 446;
  disk[pe + 1] = 0x00;
  disk[pe + 2] = 0x02;
  disk[pe + 4] = 0xee;
  disk.fill(0xff, pe + 5, pe + 8);
  dv.setUint32(pe + 8, 1, true);
  dv.setUint32(pe + 12, Math.min(last, 0xffffffff), true);
  disk[510] = 0x55;
  disk[511] = 0xaa;
  // Entries.
  const entries = new Uint8Array(entrySectors * SECTOR);
  const ev = new DataView(entries.buffer);
  spec.partitions.forEach((p, i) => {
    const o = i * 128;
    entries.set(guidToBytes(p.typeGuid), o);
    entries.set(guidToBytes(p.uniqueGuid), o + 16);
    ev.setBigUint64(o + 32, BigInt(p.firstLba), true);
    ev.setBigUint64(o + 40, BigInt(p.lastLba), true);
    ev.setBigUint64(o + 48, p.attributes ?? 0n, true);
    const name = p.name ?? '';
    for (let k = 0; k < Math.min(name.length, 36); k++) ev.setUint16(o + 56 + 2 * k, name.charCodeAt(k), true);
    if (p.content !== undefined) disk.set(p.content, p.firstLba * SECTOR);
  });
  const entriesCrc = crc32(entries.subarray(0, n * 128));
  const header = (myLba: number, altLba: number, entriesLba: number): Uint8Array => {
    const h = new Uint8Array(92);
    const hv = new DataView(h.buffer);
    h.set(ascii('EFI PART'), 0);
    hv.setUint32(8, 0x00010000, true);
    hv.setUint32(12, 92, true);
    hv.setBigUint64(24, BigInt(myLba), true);
    hv.setBigUint64(32, BigInt(altLba), true);
    hv.setBigUint64(40, BigInt(2 + entrySectors), true);
    hv.setBigUint64(48, BigInt(last - 1 - entrySectors), true);
    h.set(guidToBytes(spec.diskGuid), 56);
    hv.setBigUint64(72, BigInt(entriesLba), true);
    hv.setUint32(80, n, true);
    hv.setUint32(84, 128, true);
    hv.setUint32(88, entriesCrc, true);
    hv.setUint32(16, crc32(h), true);
    return h;
  };
  disk.set(header(1, last, 2), SECTOR);
  disk.set(entries, 2 * SECTOR);
  disk.set(entries, (last - entrySectors) * SECTOR);
  disk.set(header(last, 1, last - entrySectors), last * SECTOR);
  return disk;
}

// ---------------------------------------------------------------- PE32+ application

/** IMAGE_FILE_MACHINE_ARM64. */
export const MACHINE_AARCH64 = 0xaa64;
/** AArch64 `wfi; b .-4` (little-endian words): parks the CPU once the image runs. */
export const AARCH64_PARK = Uint8Array.of(0x7f, 0x20, 0x03, 0xd5, 0xff, 0xff, 0xff, 0x17);

/**
 * A minimal PE32+ EFI application (x64, subsystem 10, no relocations needed): one .text section
 * holding `code` (default `hlt; jmp $-1`, which parks the CPU once the image runs). `machine`
 * 0xAA64 with {@link AARCH64_PARK} makes the AArch64 one (BOOTAA64.EFI).
 */
export function buildEfiApplication(code: Uint8Array = Uint8Array.of(0xf4, 0xeb, 0xfd), imageBase = 0x10000000n, machine = 0x8664): Uint8Array {
  const fileAlign = 0x200;
  const textRaw = Math.ceil(Math.max(code.length, 1) / fileAlign) * fileAlign;
  const out = new Uint8Array(0x200 + textRaw);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0x5a4d, true);
  v.setUint32(0x3c, 0x80, true);
  let o = 0x80;
  v.setUint32(o, 0x00004550, true);
  v.setUint16(o + 4, machine, true);
  v.setUint16(o + 6, 1, true);
  v.setUint16(o + 20, 240, true);
  v.setUint16(o + 22, 0x0022, true);
  o += 24;
  v.setUint16(o, 0x20b, true);
  v.setUint32(o + 4, textRaw, true); // SizeOfCode
  v.setUint32(o + 16, 0x1000, true); // AddressOfEntryPoint
  v.setUint32(o + 20, 0x1000, true); // BaseOfCode
  v.setBigUint64(o + 24, imageBase, true);
  v.setUint32(o + 32, 0x1000, true); // SectionAlignment
  v.setUint32(o + 36, fileAlign, true);
  v.setUint32(o + 56, 0x1000 + Math.ceil(Math.max(code.length, 1) / 0x1000) * 0x1000, true); // SizeOfImage
  v.setUint32(o + 60, 0x200, true); // SizeOfHeaders
  v.setUint16(o + 68, 10, true); // Subsystem: EFI application
  v.setBigUint64(o + 72, 0x100000n, true);
  v.setBigUint64(o + 80, 0x1000n, true);
  v.setBigUint64(o + 88, 0x100000n, true);
  v.setBigUint64(o + 96, 0x1000n, true);
  v.setUint32(o + 108, 16, true); // NumberOfRvaAndSizes
  o += 240;
  out.set(ascii('.text'), o);
  v.setUint32(o + 8, Math.max(code.length, 1), true); // VirtualSize
  v.setUint32(o + 12, 0x1000, true);
  v.setUint32(o + 16, textRaw, true);
  v.setUint32(o + 20, 0x200, true);
  v.setUint32(o + 36, 0x60000020, true);
  out.set(code, 0x200);
  return out;
}

/** A GPT disk with one FAT ESP (and optionally a Linux partition) holding `files`. */
export function buildEspDisk(opts: {
  readonly files: readonly FatFileSpec[];
  readonly fatType?: FatType;
  readonly diskGuid?: string;
  readonly espGuid?: string;
  readonly extraPartition?: boolean;
}): Uint8Array {
  const type = opts.fatType ?? 'FAT12';
  const espSectors = type === 'FAT12' ? 4096 : type === 'FAT16' ? 16384 : 69632;
  const espFirst = 2048;
  const espLast = espFirst + espSectors - 1;
  const extra = opts.extraPartition === true ? 2048 : 0;
  const total = espLast + 1 + extra + 2048;
  const esp = buildFatVolume({ type, sectors: espSectors, files: opts.files, hiddenSectors: espFirst });
  const partitions: GptPartitionSpec[] = [
    { typeGuid: ESP_TYPE_GUID, uniqueGuid: opts.espGuid ?? '0B4F3C2E-5D8A-4E21-9F11-6A7B8C9D0E1F', firstLba: espFirst, lastLba: espLast, name: 'EFI System', content: esp },
  ];
  if (extra > 0) partitions.push({ typeGuid: LINUX_FS_TYPE_GUID, uniqueGuid: 'AB12CD34-EF56-4789-8ABC-DEF012345678', firstLba: espLast + 1, lastLba: espLast + extra, name: 'root' });
  return buildGptDisk({ totalSectors: total, diskGuid: opts.diskGuid ?? '5E2C8D10-7A3B-4C9E-8F21-0D1E2F3A4B5C', partitions });
}
