/**
 * A cheap structural test for "is this buffer a section stream?", used to tell which variant of
 * an ambiguous compressed stream is the right one (see `standardDecompress`).
 */
import { isKnownSectionType } from './constants.ts';
import { SECTION_SIZE_EXTENDED } from './structures.ts';

/**
 * True when `buf` is a chain of section headers of known types whose sizes, with 4-byte
 * alignment between them, end exactly at the end of the buffer. Only the top level is walked.
 */
export function looksLikeSectionStream(buf: Uint8Array): boolean {
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < 4) return false;
    let size = (buf[pos] ?? 0) | ((buf[pos + 1] ?? 0) << 8) | ((buf[pos + 2] ?? 0) << 16);
    let hdr = 4;
    if (size === SECTION_SIZE_EXTENDED) {
      if (buf.length - pos < 8) return false;
      size = ((buf[pos + 4] ?? 0) | ((buf[pos + 5] ?? 0) << 8) | ((buf[pos + 6] ?? 0) << 16) | ((buf[pos + 7] ?? 0) << 24)) >>> 0;
      hdr = 8;
    }
    if (size < hdr || size > buf.length - pos || !isKnownSectionType(buf[pos + 3] ?? 0)) return false;
    pos += size;
    if (pos < buf.length && pos % 4 !== 0) pos += 4 - (pos % 4);
  }
  return true;
}
