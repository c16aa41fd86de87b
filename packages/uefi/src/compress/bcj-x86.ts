/**
 * The x86 branch-call-jump (BCJ) filter of the LZMA SDK, as EDK II applies it after LZMA for
 * gLzmaF86CustomDecompressGuid sections (one pass over the whole output, start ip 0).
 *
 * The algorithm: scan for E8 (CALL rel32) and E9 (JMP rel32) opcodes. The encoder turns the
 * 32-bit relative displacement after each one into an absolute address (displacement + address
 * of the next instruction), which compresses better; the decoder does the reverse. Only operands
 * whose top byte is 0x00 or 0xFF (small displacements, likely real branches) are converted, and
 * a 3-bit history of E8/E9 bytes seen in the previous three positions vetoes or adjusts
 * conversions that overlap an earlier candidate. The address written back keeps bit 24 as the
 * sign so the top byte stays 0x00 or 0xFF. The last four bytes are never converted.
 */

/** Whether a history mask allows a conversion at all (index: the 3-bit mask). */
const MASK_ALLOWED: readonly boolean[] = [true, true, true, false, true, false, false, false];
/** Which operand byte (counted from the top) the history mask makes us look at. */
const MASK_BYTE: readonly number[] = [0, 1, 2, 2, 3, 3, 3, 3];

function isSignByte(b: number): boolean {
  return b === 0x00 || b === 0xff;
}

/** Carried between calls when a stream is filtered in pieces. */
export interface BcjX86State {
  /** The 3-bit history of E8/E9 positions before the next byte. */
  mask: number;
}

/**
 * Converts `data` in place and returns how many bytes are final (the rest, at most 4 bytes,
 * would need more input; for a whole buffer they stay as they are).
 * @param data bytes to filter (modified in place)
 * @param ip the address of `data[0]` (EDK II: 0)
 * @param encoding true to encode (relative -> absolute), false to decode
 * @param state history carried between calls (a fresh `{ mask: 0 }` for one-shot use)
 */
export function bcjX86Convert(data: Uint8Array, ip: number, encoding: boolean, state: BcjX86State = { mask: 0 }): number {
  const size = data.length;
  if (size < 5) return 0;
  const limit = size - 4;
  const base = (ip + 5) >>> 0;
  let mask = state.mask & 7;
  let pos = 0;
  let prevPos = -1;
  for (;;) {
    while (pos < limit && ((data[pos] ?? 0) & 0xfe) !== 0xe8) pos++;
    if (pos >= limit) break;
    const gap = pos - prevPos;
    if (gap > 3) {
      mask = 0;
    } else {
      mask = (mask << (gap - 1)) & 7;
      if (mask !== 0) {
        const probe = data[pos + 4 - (MASK_BYTE[mask] ?? 0)] ?? 0;
        if (!(MASK_ALLOWED[mask] ?? false) || isSignByte(probe)) {
          prevPos = pos;
          mask = ((mask << 1) & 7) | 1;
          pos++;
          continue;
        }
      }
    }
    prevPos = pos;
    const top = data[pos + 4] ?? 0;
    if (!isSignByte(top)) {
      mask = ((mask << 1) & 7) | 1;
      pos++;
      continue;
    }
    let src = ((data[pos + 1] ?? 0) | ((data[pos + 2] ?? 0) << 8) | ((data[pos + 3] ?? 0) << 16) | (top << 24)) >>> 0;
    const here = (base + pos) >>> 0;
    let dest: number;
    for (;;) {
      dest = encoding ? (here + src) >>> 0 : (src - here) >>> 0;
      if (mask === 0) break;
      const shift = (MASK_BYTE[mask] ?? 0) * 8;
      if (!isSignByte((dest >>> (24 - shift)) & 0xff)) break;
      // shift >= 8 here, so the mask below is at most 24 bits wide.
      src = (dest ^ ((1 << (32 - shift)) - 1)) >>> 0;
    }
    data[pos + 4] = (dest >>> 24) & 1 ? 0xff : 0x00;
    data[pos + 3] = (dest >>> 16) & 0xff;
    data[pos + 2] = (dest >>> 8) & 0xff;
    data[pos + 1] = dest & 0xff;
    pos += 5;
  }
  const gap = pos - prevPos;
  state.mask = gap > 3 ? 0 : (mask << (gap - 1)) & 7;
  return pos;
}

/** Decodes a whole buffer in place as EDK II does after LZMA-F86 decompression (ip 0). */
export function bcjX86Decode(data: Uint8Array): Uint8Array {
  bcjX86Convert(data, 0, false);
  return data;
}

/** Encodes a whole buffer in place (ip 0): the inverse of {@link bcjX86Decode}, for building images. */
export function bcjX86Encode(data: Uint8Array): Uint8Array {
  bcjX86Convert(data, 0, true);
  return data;
}
