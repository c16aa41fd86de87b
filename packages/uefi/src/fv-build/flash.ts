/**
 * Assembling a flash image (an OVMF_CODE.fd-style file) from firmware volumes: each volume at
 * its offset, the rest erased.
 */

/** A volume (or any region) and where it goes. */
export interface FlashRegion {
  /** Offset in the image; default right after the previous region. */
  readonly offset?: number;
  readonly bytes: Uint8Array;
}

/**
 * The image of `size` bytes (default: up to the end of the last region) holding `regions`,
 * everything else `fill` (0xFF: erased NOR flash).
 * @throws RangeError for overlapping regions or regions past `size`
 */
export function assembleFlashImage(regions: readonly FlashRegion[], size?: number, fill = 0xff): Uint8Array {
  const placed: { offset: number; bytes: Uint8Array }[] = [];
  let next = 0;
  for (const r of regions) {
    const offset = r.offset ?? next;
    if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`"offset" expected a non-negative integer, got ${String(offset)}`);
    for (const p of placed) {
      if (offset < p.offset + p.bytes.length && p.offset < offset + r.bytes.length) {
        throw new RangeError(`region at 0x${offset.toString(16)} overlaps the region at 0x${p.offset.toString(16)}`);
      }
    }
    placed.push({ offset, bytes: r.bytes });
    next = offset + r.bytes.length;
  }
  const total = size ?? placed.reduce((n, p) => Math.max(n, p.offset + p.bytes.length), 0);
  const image = new Uint8Array(total).fill(fill);
  for (const p of placed) {
    if (p.offset + p.bytes.length > total) throw new RangeError(`region at 0x${p.offset.toString(16)} runs past the 0x${total.toString(16)}-byte image`);
    image.set(p.bytes, p.offset);
  }
  return image;
}
