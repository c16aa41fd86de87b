/**
 * Section parsing (UEFI PI Specification 1.7, Volume 3, 2.2.4-2.2.5): the common headers,
 * every leaf type, and the encapsulation types (COMPRESSION, GUID_DEFINED, DISPOSABLE,
 * FIRMWARE_VOLUME_IMAGE), opened with the context's extractors.
 */
import { ByteReader, DecodeError, decodeFirst, guidToString } from '@tcg2sim/binary-codec';
import { EFI_COMPRESSION, EFI_GUIDED_SECTION, EFI_SECTION, sectionTypeName } from './constants.ts';
import type { ParseContext, Space } from './context.ts';
import { decodeDepex } from './depex.ts';
import type { DepexOp } from './depex.ts';
import {
  EFICommonSectionHeader,
  EFICompressionSectionInfo,
  EFIGuidDefinedSectionInfo,
  SECTION_SIZE_EXTENDED,
} from './structures.ts';
import type { FirmwareVolume, FvSection, FvSectionProcessing } from './types.ts';
import { parseVolumeAt } from './volume.ts';

const SECTION = 'EFI_COMMON_SECTION_HEADER';
const utf16 = new TextDecoder('utf-16le');

/**
 * Parses the sections in [start, end) of `space`. Sections are 4-byte aligned relative to
 * `start` (the file data, or the start of an encapsulation's content).
 */
export function parseSections(ctx: ParseContext, space: Space, start: number, end: number, depth: number): FvSection[] {
  ctx.checkDepth(depth, SECTION, space, start);
  const out: FvSection[] = [];
  let pos = start;
  for (;;) {
    const rel = pos - start;
    if (rel % 4 !== 0) pos += 4 - (rel % 4);
    if (pos >= end) return out;
    out.push(parseSection(ctx, space, pos, end, depth));
    pos += out[out.length - 1]?.size ?? 0;
  }
}

/** UCS-2 text up to the first NUL (or the end). */
function ucs2(b: Uint8Array): string {
  let n = 0;
  while (n + 1 < b.length && (b[n] !== 0 || b[n + 1] !== 0)) n += 2;
  return utf16.decode(b.subarray(0, n));
}

interface Parts {
  headerSize: number;
  guid?: string;
  guidedAttributes?: number;
  compression?: { uncompressedLength: number; type: number };
  userInterface?: string;
  version?: { buildNumber: number; text: string };
  depex?: DepexOp[];
  processing?: FvSectionProcessing;
  decompressed?: Uint8Array;
  crc32Valid?: boolean;
  children?: FvSection[];
  volume?: FirmwareVolume;
}

function parseSection(ctx: ParseContext, space: Space, pos: number, end: number, depth: number): FvSection {
  ctx.countSection(space, pos);
  const buf = space.buffer;
  if (end - pos < 4) throw ctx.error('TRUNCATED', SECTION, `${end - pos} bytes left, a section header needs 4`, space, pos);
  const [common] = decodeFirst(EFICommonSectionHeader, buf.subarray(pos, pos + 4));
  let size = common.size;
  let hdr = 4;
  let structure = SECTION;
  if (size === SECTION_SIZE_EXTENDED) {
    structure = 'EFI_COMMON_SECTION_HEADER2';
    if (end - pos < 8) throw ctx.error('TRUNCATED', structure, 'no room for ExtendedSize', space, pos);
    size = new ByteReader(buf, pos + 4, pos + 8).u32le();
    hdr = 8;
  }
  if (size < hdr) throw ctx.error('BAD_SIZE', structure, `size 0x${size.toString(16)} is smaller than the header`, space, pos);
  if (size > end - pos) {
    throw ctx.error('TRUNCATED', structure, `size 0x${size.toString(16)} runs past its container (0x${(end - pos).toString(16)} left)`, space, pos);
  }
  const sEnd = pos + size;
  const need = (n: number, what: string): void => {
    if (size < hdr + n) throw ctx.error('TRUNCATED', what, `section of 0x${size.toString(16)} bytes has no room for its ${n}-byte header`, space, pos);
  };

  let parts: Parts = { headerSize: hdr };
  switch (common.type) {
    case EFI_SECTION.COMPRESSION:
      need(5, 'EFI_COMPRESSION_SECTION');
      parts = compressionSection(ctx, space, pos, sEnd, hdr, depth);
      break;
    case EFI_SECTION.GUID_DEFINED:
      need(20, 'EFI_GUID_DEFINED_SECTION');
      parts = guidDefinedSection(ctx, space, pos, sEnd, hdr, depth);
      break;
    case EFI_SECTION.DISPOSABLE:
      parts = { headerSize: hdr, processing: 'verbatim', children: parseSections(ctx, space, pos + hdr, sEnd, depth + 1) };
      break;
    case EFI_SECTION.FIRMWARE_VOLUME_IMAGE:
      parts = { headerSize: hdr, volume: parseVolumeAt(ctx, space, pos + hdr, size - hdr, depth + 1) };
      break;
    case EFI_SECTION.USER_INTERFACE:
      parts = { headerSize: hdr, userInterface: ucs2(buf.subarray(pos + hdr, sEnd)) };
      break;
    case EFI_SECTION.VERSION:
      need(2, 'EFI_VERSION_SECTION');
      parts = {
        headerSize: hdr + 2,
        version: { buildNumber: new ByteReader(buf, pos + hdr, pos + hdr + 2).u16le(), text: ucs2(buf.subarray(pos + hdr + 2, sEnd)) },
      };
      break;
    case EFI_SECTION.FREEFORM_SUBTYPE_GUID:
      need(16, 'EFI_FREEFORM_SUBTYPE_GUID_SECTION');
      parts = { headerSize: hdr + 16, guid: guidToString(buf.subarray(pos + hdr, pos + hdr + 16)) };
      break;
    case EFI_SECTION.PEI_DEPEX:
    case EFI_SECTION.DXE_DEPEX:
    case EFI_SECTION.MM_DEPEX:
      parts = { headerSize: hdr, ...depexOf(buf.subarray(pos + hdr, sEnd)) };
      break;
    default:
      // PE32, PIC, TE, COMPATIBILITY16, RAW and unknown types: leaves.
      break;
  }
  return {
    kind: 'section',
    buffer: buf,
    offset: pos,
    imageOffset: space.imageBase === undefined ? undefined : space.imageBase + pos,
    raw: buf.subarray(pos, sEnd),
    depth,
    type: common.type,
    typeName: sectionTypeName(common.type),
    size,
    headerSize: parts.headerSize,
    body: buf.subarray(pos + parts.headerSize, sEnd),
    guid: parts.guid,
    guidedAttributes: parts.guidedAttributes,
    compression: parts.compression,
    userInterface: parts.userInterface,
    version: parts.version,
    depex: parts.depex,
    processing: parts.processing ?? 'leaf',
    decompressed: parts.decompressed,
    crc32Valid: parts.crc32Valid,
    children: parts.children,
    volume: parts.volume,
  };
}

/**
 * The decoded expression of a DEPEX section. A malformed expression does not make the section
 * unreadable (the firmware would only refuse to dispatch the module), so it is left undefined.
 */
function depexOf(body: Uint8Array): { depex?: DepexOp[] } {
  try {
    return { depex: decodeDepex(body) };
  } catch (err) {
    if (err instanceof DecodeError) return {};
    throw err;
  }
}

/** Parses the section stream `content` produced by a decompressor (a new space). */
function inflated(ctx: ParseContext, content: Uint8Array, depth: number): FvSection[] {
  return parseSections(ctx, { buffer: content, imageBase: undefined }, 0, content.length, depth);
}

function compressionSection(ctx: ParseContext, space: Space, pos: number, sEnd: number, hdr: number, depth: number): Parts {
  const S = 'EFI_COMPRESSION_SECTION';
  const buf = space.buffer;
  const [info] = decodeFirst(EFICompressionSectionInfo, buf.subarray(pos + hdr, pos + hdr + 5));
  const headerSize = hdr + 5;
  const compression = { uncompressedLength: info.uncompressedLength, type: info.compressionType };
  const dataStart = pos + headerSize;
  if (info.compressionType === EFI_COMPRESSION.NOT_COMPRESSED) {
    return { headerSize, compression, processing: 'verbatim', children: parseSections(ctx, space, dataStart, sEnd, depth + 1) };
  }
  const standard = ctx.extractors.standard;
  if (info.compressionType !== EFI_COMPRESSION.STANDARD_COMPRESSION || standard === undefined) {
    return { headerSize, compression, processing: 'unsupported' };
  }
  if (info.uncompressedLength > ctx.budgetLeft) {
    throw ctx.error('LIMIT_EXCEEDED', S, `UncompressedLength 0x${info.uncompressedLength.toString(16)} exceeds the decompression budget`, space, pos + hdr);
  }
  const content = ctx.decompress(S, space, pos, () => standard(buf.subarray(dataStart, sEnd), info.uncompressedLength));
  if (content.length !== info.uncompressedLength) {
    throw ctx.error('DECOMPRESSION_FAILED', S, `decompressed to 0x${content.length.toString(16)} bytes, UncompressedLength says 0x${info.uncompressedLength.toString(16)}`, space, pos);
  }
  ctx.useBudget(content.length, S, space, pos);
  return { headerSize, compression, processing: 'decompressed', decompressed: content, children: inflated(ctx, content, depth + 1) };
}

function guidDefinedSection(ctx: ParseContext, space: Space, pos: number, sEnd: number, hdr: number, depth: number): Parts {
  const S = 'EFI_GUID_DEFINED_SECTION';
  const buf = space.buffer;
  const [info] = decodeFirst(EFIGuidDefinedSectionInfo, buf.subarray(pos + hdr, pos + hdr + 20));
  const fixed = hdr + 20;
  if (info.dataOffset < fixed || info.dataOffset > sEnd - pos) {
    throw ctx.error('BAD_SIZE', S, `DataOffset 0x${info.dataOffset.toString(16)} outside the section`, space, pos + hdr + 16);
  }
  const base = { headerSize: info.dataOffset, guid: info.sectionDefinitionGuid, guidedAttributes: info.attributes };
  const dataStart = pos + info.dataOffset;
  const extractor = ctx.extractors.guided.get(info.sectionDefinitionGuid);
  if (extractor === undefined) {
    if ((info.attributes & EFI_GUIDED_SECTION.PROCESSING_REQUIRED) !== 0) return { ...base, processing: 'unsupported' };
    return { ...base, processing: 'verbatim', children: parseSections(ctx, space, dataStart, sEnd, depth + 1) };
  }
  const structure = `${S}(${info.sectionDefinitionGuid})`;
  const result = ctx.decompress(structure, space, pos, () =>
    extractor({ headerExtra: buf.subarray(pos + fixed, dataStart), data: buf.subarray(dataStart, sEnd), attributes: info.attributes }, ctx.budgetLeft)
  );
  if (result.checkValid === false && ctx.verifyChecksums) {
    throw ctx.error('BAD_CHECKSUM', structure, 'the section check value does not match its data', space, pos);
  }
  const checked = result.checkValid === undefined ? {} : { crc32Valid: result.checkValid };
  if (!result.decompressed) {
    return { ...base, ...checked, processing: 'verbatim', children: parseSections(ctx, space, dataStart, sEnd, depth + 1) };
  }
  ctx.useBudget(result.content.length, structure, space, pos);
  return {
    ...base,
    ...checked,
    processing: 'decompressed',
    decompressed: result.content,
    children: inflated(ctx, result.content, depth + 1),
  };
}
