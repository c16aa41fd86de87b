/**
 * Whole flash images (OVMF_CODE.fd, OVMF.fd, vendor BIOS dumps): find the firmware volumes in
 * them the way UEFITool does (look for the `_FVH` signature, check the header around it, skip
 * the whole volume once one is found), and look files up by GUID anywhere in the tree.
 */
import { ByteReader } from '@tcg2sim/binary-codec';
import { FVH_SIGNATURE_OFFSET } from './constants.ts';
import { ParseContext } from './context.ts';
import type { FvParseOptions } from './context.ts';
import { FVH_FIXED_SIZE } from './structures.ts';
import { parseVolumeAt } from './volume.ts';
import { walkFv } from './types.ts';
import type { FfsFile, FirmwareVolume, FvNode } from './types.ts';

/** Fixed header plus one block-map entry and the terminating entry. */
const MIN_HEADER_LENGTH = FVH_FIXED_SIZE + 16;

/** A candidate volume header found by {@link findVolumeOffsets}. */
export interface VolumeCandidate {
  /** Offset of EFI_FIRMWARE_VOLUME_HEADER in the image. */
  readonly offset: number;
  /** FvLength (what is left of the image when `truncated`). */
  readonly length: number;
  /** FvLength runs past the end of the image. */
  readonly truncated: boolean;
}

const SIG = Buffer.from('_FVH', 'latin1');

function toList(roots: FvNode | readonly FvNode[]): readonly FvNode[] {
  return 'kind' in roots ? [roots] : roots;
}

/**
 * Offsets of plausible volume headers in `image`, found the way UEFITool finds them: the `_FVH`
 * signature (here at a header offset that is a multiple of 8), Revision 1 or 2, an FvLength of
 * at least a fixed header plus two block-map entries, and an even HeaderLength between that and
 * FvLength. The header checksum is not required (UEFITool lists such volumes too): the parser
 * checks it. Volumes do not overlap: after a hit the scan resumes at its end.
 */
export function findVolumeOffsets(image: Uint8Array): VolumeCandidate[] {
  const out: VolumeCandidate[] = [];
  const haystack = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  let start = 0;
  while (start + FVH_FIXED_SIZE <= image.length) {
    const sigAt = haystack.indexOf(SIG, start + FVH_SIGNATURE_OFFSET);
    if (sigAt < 0) break;
    const hdr = sigAt - FVH_SIGNATURE_OFFSET;
    if (hdr % 8 !== 0 || hdr + FVH_FIXED_SIZE > image.length) {
      start = hdr + 1;
      continue;
    }
    const fields = new ByteReader(image, hdr + 0x20, hdr + FVH_FIXED_SIZE);
    const length = fields.u64le();
    fields.skip(8); // Signature, Attributes
    const headerLength = fields.u16le();
    fields.skip(5); // Checksum, ExtHeaderOffset, Reserved
    const revision = fields.u8();
    const plausible =
      (revision === 1 || revision === 2) &&
      length >= BigInt(MIN_HEADER_LENGTH) &&
      headerLength >= MIN_HEADER_LENGTH &&
      headerLength % 2 === 0 &&
      BigInt(headerLength) <= length;
    if (!plausible) {
      start = hdr + 1;
      continue;
    }
    // A volume whose FvLength runs past the image is reported (the parser then says TRUNCATED).
    const fits = length <= BigInt(image.length - hdr);
    out.push({ offset: hdr, length: fits ? Number(length) : image.length - hdr, truncated: !fits });
    if (!fits) break;
    start = hdr + Number(length);
  }
  return out;
}

/** The volumes of a flash image, and the regions between them that are not volumes. */
export interface FlashImage {
  readonly image: Uint8Array;
  readonly volumes: readonly FirmwareVolume[];
  /** Bytes not covered by any volume (offsets in the image). */
  readonly gaps: readonly { readonly offset: number; readonly size: number }[];
}

/**
 * Finds and parses every volume of a flash image. All volumes share one set of limits and one
 * decompression budget.
 * @throws FvError for a corrupt volume (a header that passed the scan but whose contents are bad)
 */
export function parseFlashImage(image: Uint8Array, options: FvParseOptions = {}): FlashImage {
  const ctx = new ParseContext(options);
  const space = { buffer: image, imageBase: 0 };
  const volumes: FirmwareVolume[] = [];
  const gaps: { offset: number; size: number }[] = [];
  let covered = 0;
  for (const c of findVolumeOffsets(image)) {
    if (c.offset > covered) gaps.push({ offset: covered, size: c.offset - covered });
    volumes.push(parseVolumeAt(ctx, space, c.offset, image.length - c.offset, 0));
    covered = c.offset + c.length;
  }
  if (covered < image.length) gaps.push({ offset: covered, size: image.length - covered });
  return { image, volumes, gaps };
}

/** Every file named `guid` (registry form, any case) in the trees, in tree order. */
export function findFilesByGuid(roots: FvNode | readonly FvNode[], guid: string): FfsFile[] {
  const want = guid.toUpperCase();
  const out: FfsFile[] = [];
  for (const root of toList(roots)) {
    for (const n of walkFv(root)) if (n.kind === 'file' && n.guid === want) out.push(n);
  }
  return out;
}

/** The first file named `guid` anywhere in the trees, or undefined. */
export function findFileByGuid(roots: FvNode | readonly FvNode[], guid: string): FfsFile | undefined {
  const want = guid.toUpperCase();
  for (const root of toList(roots)) {
    for (const n of walkFv(root)) if (n.kind === 'file' && n.guid === want) return n;
  }
  return undefined;
}
