/**
 * EFI_FIRMWARE_VOLUME_HEADER parsing (UEFI PI Specification 1.7, Volume 3, 3.2.1): the fixed
 * header, the block map, the header checksum, the extended header, erase polarity, and the FFS
 * files of FFS2/FFS3 volumes.
 */
import { ByteReader, decodeFirst } from '@tcg2sim/binary-codec';
import { EFI_FVB2, FFS2_GUID, FFS3_GUID, FVH_SIGNATURE } from './constants.ts';
import { ParseContext } from './context.ts';
import type { FvParseOptions, Space } from './context.ts';
import { parseFiles } from './file.ts';
import {
  EFIFirmwareVolumeExtHeader,
  EFIFirmwareVolumeHeader,
  EFIFvBlockMapEntry,
  FVH_FIXED_SIZE,
} from './structures.ts';
import type { EFIFvBlockMapEntry as BlockMapEntry } from './structures.ts';
import type { FirmwareVolume, FvFileSystem } from './types.ts';

const FVH = 'EFI_FIRMWARE_VOLUME_HEADER';
/** sizeof(EFI_FIRMWARE_VOLUME_EXT_HEADER). */
const EXT_HEADER_SIZE = 20;
/** The smallest header: fixed part, one block-map entry and the terminating entry. */
const MIN_HEADER_LENGTH = FVH_FIXED_SIZE + 16;

/** 16-bit sum of `n` little-endian words from `at` (the FV header checksum sums to 0). */
export function sum16(buf: Uint8Array, at: number, n: number): number {
  let s = 0;
  for (let i = 0; i + 1 < n; i += 2) s += (buf[at + i] ?? 0) | ((buf[at + i + 1] ?? 0) << 8);
  return s & 0xffff;
}

/**
 * Parses the firmware volume at the start of `bytes` (bytes past FvLength are ignored).
 * Offsets in the result are relative to `bytes`.
 * @throws FvError for a truncated, corrupt or over-limit volume
 */
export function parseFirmwareVolume(bytes: Uint8Array, options: FvParseOptions = {}): FirmwareVolume {
  const ctx = new ParseContext(options);
  return parseVolumeAt(ctx, { buffer: bytes, imageBase: 0 }, 0, bytes.length, 0);
}

/**
 * Parses the volume at `offset` of `space`, which may extend at most `maxLength` bytes.
 * Internal entry point shared with FIRMWARE_VOLUME_IMAGE sections and the flash scanner.
 */
export function parseVolumeAt(ctx: ParseContext, space: Space, offset: number, maxLength: number, depth: number): FirmwareVolume {
  ctx.checkDepth(depth, FVH, space, offset);
  const buf = space.buffer;
  if (maxLength < MIN_HEADER_LENGTH) {
    throw ctx.error('TRUNCATED', FVH, `needs at least ${MIN_HEADER_LENGTH} bytes, ${maxLength} available`, space, offset);
  }
  const [header] = decodeFirst(EFIFirmwareVolumeHeader, buf.subarray(offset, offset + FVH_FIXED_SIZE));
  if (header.signature !== FVH_SIGNATURE) {
    throw ctx.error('BAD_VALUE', FVH, `signature 0x${header.signature.toString(16)} is not _FVH`, space, offset + 0x28);
  }
  if (header.fvLength > BigInt(maxLength)) {
    throw ctx.error('TRUNCATED', FVH, `FvLength 0x${header.fvLength.toString(16)} exceeds the 0x${maxLength.toString(16)} bytes available`, space, offset + 0x20);
  }
  const fvLength = Number(header.fvLength);
  const hl = header.headerLength;
  if (hl < MIN_HEADER_LENGTH || hl % 2 !== 0 || hl > fvLength) {
    throw ctx.error('BAD_SIZE', FVH, `HeaderLength 0x${hl.toString(16)} is invalid for FvLength 0x${fvLength.toString(16)}`, space, offset + 0x30);
  }
  const headerChecksumValid = sum16(buf, offset, hl) === 0;
  if (!headerChecksumValid && ctx.verifyChecksums) {
    throw ctx.error('BAD_CHECKSUM', FVH, 'header checksum does not sum to zero', space, offset + 0x32);
  }
  const blockMap = readBlockMap(ctx, space, offset, hl);

  let extHeader: EFIFirmwareVolumeExtHeader | undefined;
  let filesOffset = hl;
  if (header.extHeaderOffset !== 0) {
    const eo = header.extHeaderOffset;
    if (eo < FVH_FIXED_SIZE || eo + EXT_HEADER_SIZE > fvLength) {
      throw ctx.error('BAD_SIZE', 'EFI_FIRMWARE_VOLUME_EXT_HEADER', `ExtHeaderOffset 0x${eo.toString(16)} outside the volume`, space, offset + 0x34);
    }
    [extHeader] = decodeFirst(EFIFirmwareVolumeExtHeader, buf.subarray(offset + eo, offset + eo + EXT_HEADER_SIZE));
    if (extHeader.extHeaderSize < EXT_HEADER_SIZE || eo + extHeader.extHeaderSize > fvLength) {
      throw ctx.error('BAD_SIZE', 'EFI_FIRMWARE_VOLUME_EXT_HEADER', `ExtHeaderSize 0x${extHeader.extHeaderSize.toString(16)} is invalid`, space, offset + eo + 16);
    }
    filesOffset = eo + extHeader.extHeaderSize;
  }
  filesOffset = Math.min(fvLength, align8(filesOffset));

  const fileSystem: FvFileSystem =
    header.fileSystemGuid === FFS2_GUID ? 'FFS2' : header.fileSystemGuid === FFS3_GUID ? 'FFS3' : 'unknown';
  const erasePolarity = (header.attributes & EFI_FVB2.ERASE_POLARITY) !== 0 ? 1 : 0;
  const parsed =
    fileSystem === 'unknown'
      ? { files: [], freeSpace: undefined }
      : parseFiles(ctx, space, { offset, fvLength, filesOffset, fileSystem, erasePolarity }, depth + 1);

  return {
    kind: 'volume',
    buffer: buf,
    offset,
    imageOffset: space.imageBase === undefined ? undefined : space.imageBase + offset,
    raw: buf.subarray(offset, offset + fvLength),
    depth,
    header,
    blockMap,
    extHeader,
    guid: extHeader?.fvName ?? header.fileSystemGuid,
    fileSystem,
    erasePolarity,
    headerChecksumValid,
    filesOffset,
    files: parsed.files,
    freeSpace: parsed.freeSpace,
  };
}

function readBlockMap(ctx: ParseContext, space: Space, offset: number, headerLength: number): BlockMapEntry[] {
  const r = new ByteReader(space.buffer, offset + FVH_FIXED_SIZE, offset + headerLength);
  const entries: BlockMapEntry[] = [];
  while (r.remaining >= 8) {
    const e = EFIFvBlockMapEntry.decode(r);
    if (e.numBlocks === 0 && e.length === 0) return entries;
    entries.push(e);
  }
  throw ctx.error('BAD_VALUE', 'EFI_FV_BLOCK_MAP_ENTRY', 'block map has no terminating entry inside HeaderLength', space, offset + FVH_FIXED_SIZE);
}

/** Rounds up to a multiple of 8 (FFS files are 8-byte aligned in a volume). */
export function align8(n: number): number {
  return n % 8 === 0 ? n : n + 8 - (n % 8);
}
