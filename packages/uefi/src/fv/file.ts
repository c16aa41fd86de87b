/**
 * FFS file parsing (UEFI PI Specification 1.7, Volume 3, 2.2.3): EFI_FFS_FILE_HEADER and
 * EFI_FFS_FILE_HEADER2 (FFS3 large files), header and data checksums, state bits under the
 * volume's erase polarity, free space at the end of the volume.
 */
import { ByteReader, decodeFirst } from '@tcg2sim/binary-codec';
import { FFS_ATTRIB, FFS_FIXED_CHECKSUM, fileHasSections, fileState, fileTypeName } from './constants.ts';
import type { ParseContext, Space } from './context.ts';
import { parseSections } from './section.ts';
import { EFIFfsFileHeader, FFS_HEADER2_SIZE, FFS_HEADER_SIZE } from './structures.ts';
import type { FfsFile, FvFileSystem } from './types.ts';
import { align8 } from './volume.ts';

const FFS = 'EFI_FFS_FILE_HEADER';

/** What the file parser needs to know about the volume around it. */
export interface VolumeFrame {
  /** Offset of the volume in the space. */
  readonly offset: number;
  readonly fvLength: number;
  /** First file, from the volume start. */
  readonly filesOffset: number;
  readonly fileSystem: Exclude<FvFileSystem, 'unknown'>;
  readonly erasePolarity: 0 | 1;
}

/** 8-bit sum of `n` bytes from `at`. */
export function sum8(buf: Uint8Array, at: number, n: number): number {
  let s = 0;
  for (let i = at, end = at + n; i < end; i++) s += buf[i] ?? 0;
  return s & 0xff;
}

/** Erased flash of each polarity, compared against in chunks (memcmp speed on large free space). */
const ERASED_CHUNK = 4096;
const ERASED: Readonly<Record<number, Uint8Array>> = {
  0x00: new Uint8Array(ERASED_CHUNK),
  0xff: new Uint8Array(ERASED_CHUNK).fill(0xff),
};

function isErased(buf: Uint8Array, from: number, to: number, erased: number): boolean {
  const ref = ERASED[erased];
  if (ref === undefined) return false;
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let at = from; at < to; at += ERASED_CHUNK) {
    const n = Math.min(ERASED_CHUNK, to - at);
    if (Buffer.compare(view.subarray(at, at + n), ref.subarray(0, n)) !== 0) return false;
  }
  return true;
}

/**
 * Parses the files of an FFS2/FFS3 volume, from `filesOffset` until an erased file header
 * (free space, which must then run to the end of the volume) or the end of the volume.
 */
export function parseFiles(
  ctx: ParseContext,
  space: Space,
  vol: VolumeFrame,
  depth: number
): { files: FfsFile[]; freeSpace: { offset: number; size: number } | undefined } {
  const buf = space.buffer;
  const erased = vol.erasePolarity === 1 ? 0xff : 0x00;
  const end = vol.offset + vol.fvLength;
  const files: FfsFile[] = [];
  let pos = vol.offset + vol.filesOffset;
  while (pos < end) {
    const headerEnd = Math.min(end, pos + FFS_HEADER_SIZE);
    if (isErased(buf, pos, headerEnd, erased)) {
      if (!isErased(buf, headerEnd, end, erased)) {
        throw ctx.error('BAD_VALUE', FFS, 'data found after the free space of the volume', space, pos);
      }
      return { files, freeSpace: { offset: pos - vol.offset, size: end - pos } };
    }
    if (end - pos < FFS_HEADER_SIZE) {
      throw ctx.error('TRUNCATED', FFS, `${end - pos} bytes left in the volume, a file header needs ${FFS_HEADER_SIZE}`, space, pos);
    }
    const file = parseFile(ctx, space, vol, pos, end, depth);
    files.push(file);
    pos = vol.offset + align8(pos - vol.offset + file.size);
  }
  return { files, freeSpace: undefined };
}

function parseFile(ctx: ParseContext, space: Space, vol: VolumeFrame, pos: number, end: number, depth: number): FfsFile {
  ctx.countFile(space, pos);
  const buf = space.buffer;
  const [header] = decodeFirst(EFIFfsFileHeader, buf.subarray(pos, pos + FFS_HEADER_SIZE));
  // FFS_ATTRIB_LARGE_FILE selects EFI_FFS_FILE_HEADER2; only the FFS3 file system allows it.
  const large = (header.attributes & FFS_ATTRIB.LARGE_FILE) !== 0 && vol.fileSystem === 'FFS3';
  const headerSize = large ? FFS_HEADER2_SIZE : FFS_HEADER_SIZE;
  let size = header.size;
  if (large) {
    if (end - pos < FFS_HEADER2_SIZE) {
      throw ctx.error('TRUNCATED', 'EFI_FFS_FILE_HEADER2', 'no room for ExtendedSize', space, pos);
    }
    const ext = new ByteReader(buf, pos + 24, pos + 32).u64le();
    if (ext > BigInt(end - pos)) {
      throw ctx.error('TRUNCATED', 'EFI_FFS_FILE_HEADER2', `ExtendedSize 0x${ext.toString(16)} runs past the volume`, space, pos + 24);
    }
    size = Number(ext);
  }
  const structure = large ? 'EFI_FFS_FILE_HEADER2' : FFS;
  if (size < headerSize) {
    throw ctx.error('BAD_SIZE', structure, `size 0x${size.toString(16)} is smaller than the header`, space, pos + 20);
  }
  if (size > end - pos) {
    throw ctx.error('TRUNCATED', structure, `size 0x${size.toString(16)} runs past the volume (0x${(end - pos).toString(16)} left)`, space, pos + 20);
  }

  // Header checksum: all header bytes sum to 0 with State and IntegrityCheck.File taken as 0.
  const headerSum = (sum8(buf, pos, headerSize) - header.state - header.integrityCheckFile) & 0xff;
  const headerChecksumValid = headerSum === 0;
  if (!headerChecksumValid && ctx.verifyChecksums) {
    throw ctx.error('BAD_CHECKSUM', structure, `header checksum of ${header.name} is wrong`, space, pos + 16);
  }
  const dataStart = pos + headerSize;
  const dataEnd = pos + size;
  const dataChecksumValid =
    (header.attributes & FFS_ATTRIB.CHECKSUM) !== 0
      ? ((sum8(buf, dataStart, dataEnd - dataStart) + header.integrityCheckFile) & 0xff) === 0
      : header.integrityCheckFile === FFS_FIXED_CHECKSUM;
  if (!dataChecksumValid && ctx.verifyChecksums) {
    throw ctx.error('BAD_CHECKSUM', structure, `data checksum of ${header.name} is wrong`, space, pos + 17);
  }

  const sections = fileHasSections(header.type) ? parseSections(ctx, space, dataStart, dataEnd, depth + 1) : undefined;
  return {
    kind: 'file',
    buffer: buf,
    offset: pos,
    imageOffset: space.imageBase === undefined ? undefined : space.imageBase + pos,
    raw: buf.subarray(pos, dataEnd),
    depth,
    header,
    guid: header.name,
    type: header.type,
    typeName: fileTypeName(header.type),
    size,
    headerSize,
    state: fileState(header.state, vol.erasePolarity),
    headerChecksumValid,
    dataChecksumValid,
    data: buf.subarray(dataStart, dataEnd),
    sections,
  };
}
