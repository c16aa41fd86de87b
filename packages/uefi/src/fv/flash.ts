/**
 * Whole flash images (OVMF_CODE.fd, OVMF.fd, vendor BIOS dumps): find the firmware volumes in
 * them the way UEFITool does (look for the `_FVH` signature, check the header around it, skip
 * the whole volume once one is found), and look files up by GUID anywhere in the tree.
 */
import { ByteReader, guidToString } from '@tcg2sim/binary-codec';
import { FFS2_GUID, FFS3_GUID, FVH_SIGNATURE_OFFSET } from './constants.ts';
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
 * What is wrong with a `_FVH` header the volume scan cannot accept (Revision, FvLength,
 * HeaderLength), or undefined for a plausible header. `hdr` is the header offset; the fixed
 * header must lie inside `image`.
 */
function implausibleHeader(image: Uint8Array, hdr: number): { field: VolumeHeaderDamage['field']; detail: string } | undefined {
  const fields = new ByteReader(image, hdr + 0x20, hdr + FVH_FIXED_SIZE);
  const length = fields.u64le();
  fields.skip(8); // Signature, Attributes
  const headerLength = fields.u16le();
  fields.skip(5); // Checksum, ExtHeaderOffset, Reserved
  const revision = fields.u8();
  const h = (v: number | bigint): string => `0x${v.toString(16)}`;
  if (revision !== 1 && revision !== 2) return { field: 'Revision', detail: `Revision ${revision} is not 1 or 2` };
  if (length < BigInt(MIN_HEADER_LENGTH)) {
    return { field: 'FvLength', detail: `FvLength ${h(length)} is smaller than the smallest volume header (${h(MIN_HEADER_LENGTH)})` };
  }
  if (headerLength < MIN_HEADER_LENGTH) {
    return { field: 'HeaderLength', detail: `HeaderLength ${h(headerLength)} is smaller than the fixed header and its block map (${h(MIN_HEADER_LENGTH)})` };
  }
  if (headerLength % 2 !== 0) return { field: 'HeaderLength', detail: `HeaderLength ${h(headerLength)} is odd` };
  if (BigInt(headerLength) > length) return { field: 'HeaderLength', detail: `HeaderLength ${h(headerLength)} is larger than FvLength ${h(length)}` };
  return undefined;
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
    if (hdr % 8 !== 0 || hdr + FVH_FIXED_SIZE > image.length || implausibleHeader(image, hdr) !== undefined) {
      start = hdr + 1;
      continue;
    }
    const length = new ByteReader(image, hdr + 0x20, hdr + 0x28).u64le();
    // A volume whose FvLength runs past the image is reported (the parser then says TRUNCATED).
    const fits = length <= BigInt(image.length - hdr);
    out.push({ offset: hdr, length: fits ? Number(length) : image.length - hdr, truncated: !fits });
    if (!fits) break;
    start = hdr + Number(length);
  }
  return out;
}

/**
 * A `_FVH` signature, where the volume scan looks for one, whose header the scan refused: the
 * volume it announces is not listed and its bytes count as not in a volume.
 */
export interface VolumeHeaderDamage {
  /** Offset of the EFI_FIRMWARE_VOLUME_HEADER in the image. */
  readonly offset: number;
  /** The header field at fault. */
  readonly field: 'Revision' | 'FvLength' | 'HeaderLength';
  /** What is wrong, with the values read. */
  readonly detail: string;
}

/**
 * The damaged volume headers in the regions `gaps` (the bytes no volume covers, as
 * {@link parseFlashImage} reports them): a `_FVH` signature at an 8-byte aligned header offset
 * there has a header the scan refused (a plausible one would have become a volume). It counts as
 * a damaged header, not as stray `_FVH` bytes, when the rest of it still looks like one: Revision
 * 1 or 2 (then a length is wrong), or an FFS2/FFS3 FileSystemGuid.
 */
export function findDamagedVolumeHeaders(image: Uint8Array, gaps: readonly { readonly offset: number; readonly size: number }[]): VolumeHeaderDamage[] {
  const out: VolumeHeaderDamage[] = [];
  const haystack = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  for (const g of gaps) {
    const end = Math.min(g.offset + g.size, image.length);
    let from = g.offset + FVH_SIGNATURE_OFFSET;
    for (;;) {
      const sigAt = haystack.indexOf(SIG, from);
      const hdr = sigAt - FVH_SIGNATURE_OFFSET;
      if (sigAt < 0 || hdr + FVH_FIXED_SIZE > end) break;
      from = sigAt + 1;
      if (hdr % 8 !== 0) continue;
      const bad = implausibleHeader(image, hdr);
      const revision = image[hdr + 0x37];
      const fs = guidToString(image.subarray(hdr + 0x10, hdr + 0x20));
      if (bad !== undefined && (revision === 1 || revision === 2 || fs === FFS2_GUID || fs === FFS3_GUID)) out.push({ offset: hdr, ...bad });
    }
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
