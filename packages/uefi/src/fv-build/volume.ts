/**
 * Writing firmware volumes (UEFI PI Specification 1.7, Volume 3, 3.2.1) the way EDK II's GenFv
 * lays them out: EFI_FIRMWARE_VOLUME_HEADER with one block-map run and its terminator, the
 * extended header (FvName) as the data of a first pad file, FFS files on 8-byte boundaries with
 * pad files in front of files whose data needs a larger alignment, a volume top file pinned to
 * the end, and erased free space. Headers are encoded with the layouts of `fv/structures.ts`.
 */
import { concatBytes, encode } from '@tcg2sim/binary-codec';
import { EFI_FVB2, FFS2_GUID, FVH_SIGNATURE } from '../fv/constants.ts';
import {
  EFIFirmwareVolumeExtHeader, EFIFirmwareVolumeHeader, EFIFvBlockMapEntry, FFS_HEADER_SIZE, FVH_FIXED_SIZE,
} from '../fv/structures.ts';
import { alignmentAttributes, ffsFile, fileData, padFile } from './ffs.ts';
import type { FfsFileSpec } from './ffs.ts';

/** Attributes of OVMF's volumes (0x0004FEFF: erase polarity 1, 16-byte alignment, read/write caps). */
export const OVMF_FV_ATTRIBUTES = 0x0004feff;
/** sizeof(EFI_FIRMWARE_VOLUME_EXT_HEADER) without extension entries. */
const EXT_HEADER_SIZE = 20;
/** Header length with one block-map run and the terminating entry. */
const HEADER_LENGTH = FVH_FIXED_SIZE + 2 * 8;

/** What to put in a volume. */
export interface FirmwareVolumeSpec {
  /** FvName, written in an EFI_FIRMWARE_VOLUME_EXT_HEADER; omit for a volume without one. */
  readonly fvName?: string;
  /** FileSystemGuid (default FFS2). */
  readonly fileSystemGuid?: string;
  /** EFI_FVB_ATTRIBUTES_2 (default {@link OVMF_FV_ATTRIBUTES}); ERASE_POLARITY sets the fill. */
  readonly attributes?: number;
  /** Block size of the block map (default 0x1000). */
  readonly blockSize?: number;
  /** FvLength; default the smallest multiple of the block size that holds the files. */
  readonly length?: number;
  readonly files: readonly FfsFileSpec[];
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;


/** The file bytes at their volume offsets, and where the files end. */
interface Layout {
  readonly placed: { offset: number; bytes: Uint8Array }[];
  readonly end: number;
}

/** Where a file whose data needs `alignment` starts, at or after `pos` (room for a pad file in front). */
function placeAligned(pos: number, alignment: number): number {
  if (alignment <= 8) return pos;
  let start = align(pos + FFS_HEADER_SIZE, alignment) - FFS_HEADER_SIZE;
  // A gap must hold a pad file header.
  while (start !== pos && start - pos < FFS_HEADER_SIZE) start += alignment;
  return start;
}

function layFiles(spec: FirmwareVolumeSpec, erasePolarity: 0 | 1, first: number, length: number | undefined): Layout {
  const placed: { offset: number; bytes: Uint8Array }[] = [];
  let pos = first;
  const put = (offset: number, bytes: Uint8Array): void => {
    if (offset > pos) placed.push({ offset: pos, bytes: padFile(offset - pos, erasePolarity) });
    placed.push({ offset, bytes });
    pos = align(offset + bytes.length, 8);
  };
  spec.files.forEach((f, i) => {
    const alignment = f.alignment ?? 1;
    const attributes = alignmentAttributes(alignment);
    const bytes = ffsFile(f.name, f.type, fileData(f), attributes, erasePolarity);
    if (f.atEnd === true) {
      if (i !== spec.files.length - 1) throw new RangeError(`file ${f.name}: only the last file can be placed at the end`);
      if (length === undefined) throw new RangeError(`file ${f.name}: a volume top file needs a fixed "length"`);
      const start = length - bytes.length;
      if (start % 8 !== 0 || (start !== pos && start - pos < FFS_HEADER_SIZE) || start < pos) {
        throw new RangeError(`file ${f.name} of ${bytes.length} bytes cannot end at 0x${length.toString(16)}`);
      }
      if ((start + FFS_HEADER_SIZE) % alignment !== 0) throw new RangeError(`file ${f.name}: the end placement breaks its alignment`);
      put(start, bytes);
      return;
    }
    put(placeAligned(pos, alignment), bytes);
  });
  const last = placed[placed.length - 1];
  return { placed, end: last === undefined ? first : last.offset + last.bytes.length };
}

/**
 * A complete firmware volume holding `spec.files` in order.
 * @throws RangeError when the files do not fit `length`, or the geometry is invalid
 */
export function buildFirmwareVolume(spec: FirmwareVolumeSpec): Uint8Array {
  const attributes = spec.attributes ?? OVMF_FV_ATTRIBUTES;
  const blockSize = spec.blockSize ?? 0x1000;
  if (!Number.isInteger(blockSize) || blockSize < 8 || (blockSize & (blockSize - 1)) !== 0) {
    throw new RangeError(`"blockSize" expected a power of two >= 8, got ${String(blockSize)}`);
  }
  const erasePolarity: 0 | 1 = (attributes & EFI_FVB2.ERASE_POLARITY) !== 0 ? 1 : 0;
  const erased = erasePolarity === 1 ? 0xff : 0x00;

  // GenFv puts the extended header in a pad file right after the header.
  const extPad =
    spec.fvName === undefined
      ? undefined
      : padFile(FFS_HEADER_SIZE + EXT_HEADER_SIZE, erasePolarity, encode(EFIFirmwareVolumeExtHeader, { fvName: spec.fvName, extHeaderSize: EXT_HEADER_SIZE }));
  const firstFile = align(HEADER_LENGTH + (extPad?.length ?? 0), 8);
  const sized = spec.length ?? align(layFiles(spec, erasePolarity, firstFile, undefined).end, blockSize);
  if (!Number.isInteger(sized) || sized % blockSize !== 0 || sized < firstFile) {
    throw new RangeError(`"length" expected a multiple of the block size 0x${blockSize.toString(16)}, got ${String(sized)}`);
  }
  const { placed, end } = layFiles(spec, erasePolarity, firstFile, sized);
  if (end > sized) throw new RangeError(`the files need 0x${end.toString(16)} bytes, the volume has 0x${sized.toString(16)}`);

  const headerWith = (checksum: number): Uint8Array =>
    concatBytes(
      encode(EFIFirmwareVolumeHeader, {
        zeroVector: new Uint8Array(16),
        fileSystemGuid: spec.fileSystemGuid ?? FFS2_GUID,
        fvLength: BigInt(sized),
        signature: FVH_SIGNATURE,
        attributes,
        headerLength: HEADER_LENGTH,
        checksum,
        extHeaderOffset: extPad === undefined ? 0 : HEADER_LENGTH + FFS_HEADER_SIZE,
        reserved: 0,
        revision: 2,
      }),
      encode(EFIFvBlockMapEntry, { numBlocks: sized / blockSize, length: blockSize }),
      encode(EFIFvBlockMapEntry, { numBlocks: 0, length: 0 })
    );
  // The 16-bit words of the header, Checksum included, sum to zero.
  const unsummed = headerWith(0);
  let sum = 0;
  for (let i = 0; i < unsummed.length; i += 2) sum += (unsummed[i] ?? 0) | ((unsummed[i + 1] ?? 0) << 8);
  const header = headerWith((0x10000 - (sum & 0xffff)) & 0xffff);

  const fv = new Uint8Array(sized).fill(erased);
  fv.set(header, 0);
  if (extPad !== undefined) fv.set(extPad, HEADER_LENGTH);
  for (const p of placed) fv.set(p.bytes, p.offset);
  return fv;
}
