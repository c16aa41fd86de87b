/**
 * The UEFI / Tiano decompressor (UEFI 2.9 §19 "Compression Algorithm Specification";
 * EFI_STANDARD_COMPRESSION sections, PI 1.7 Vol 3 §2.1.5.2). Written from the format description.
 *
 * Stream: UINT32 CompressedSize, UINT32 OriginalSize, then a bit stream read most significant bit
 * first, made of blocks:
 *
 * ```
 * BlockSize           16 bits: number of Char&Len symbols in the block (0 means 65536)
 * Extra set           TBIT=5 bits count n (n=0: 5-bit single symbol), then n code lengths of the
 *                     19-symbol alphabet that codes the Char&Len lengths; after the 3rd length a
 *                     2-bit count of zero lengths follows
 * Char&Len set        CBIT=9 bits count n (n=0: 9-bit single symbol), then lengths coded with the
 *                     extra set: 0 = one zero, 1 = 3 + 4 bits zeros, 2 = 20 + 9 bits zeros, k = k − 2
 * Position set        PBIT bits count n (n=0: PBIT-bit single symbol), then n lengths as in the
 *                     extra set (no zero-run field). PBIT = 4 (EFI 1.1) or 5 (Tiano).
 * Symbols             BlockSize Char&Len symbols: c < 256 is a literal; otherwise a match of
 *                     c − 253 bytes whose position symbol p gives distance − 1 = p (p ≤ 1) or
 *                     2^(p−1) + (p − 1 extra bits)
 * ```
 * A code length of 7 or more is written as `111` followed by (length − 7) one bits and a zero.
 * Every Huffman code is canonical (shorter codes first, then by symbol) and must be complete.
 *
 * Hostile input: OriginalSize is checked against the caller's bound before anything is
 * allocated, code tables must be complete, matches may not reach before the start of the output,
 * and at most 8 bytes of implicit zero padding may be read past CompressedSize (EDK II's bit
 * buffer reads zeros there). Work is linear in the output size plus the input size.
 */
import { DecodeError } from '@tcg2sim/binary-codec';

/** Which variant of the format: EFI 1.1 (PBIT 4, 8 KiB window) or Tiano (PBIT 5, 512 KiB window). */
export type TianoVariant = 'efi' | 'tiano';

/** Alphabet and field sizes shared by the decoder and the encoder. */
export const TIANO = {
  /** Char&Len alphabet: 256 literals + match lengths 3..256. */
  NC: 510,
  /** Bits of the Char&Len count. */
  CBIT: 9,
  /** Extra-set alphabet (code lengths 0..16 plus 3 zero-run symbols). */
  NT: 19,
  /** Bits of the extra-set count. */
  TBIT: 5,
  /** Minimum match length. */
  THRESHOLD: 3,
  /** Maximum match length. */
  MAXMATCH: 256,
  /** Position alphabet bound of the decoder (2^5 − 1, for either variant). */
  MAXNP: 31,
  /** Longest Huffman code. */
  MAX_CODE_LENGTH: 16,
} as const;

/** Position-set count width and window size of each variant. */
export const TIANO_VARIANT: Readonly<Record<TianoVariant, { readonly pbit: number; readonly windowBits: number }>> = {
  efi: { pbit: 4, windowBits: 13 },
  tiano: { pbit: 5, windowBits: 19 },
};

const PATH = 'EFI_COMPRESSED_DATA';
/** Bytes of zero padding the decoder may read past CompressedSize. */
const MAX_OVERRUN = 8;

class BitIn {
  readonly #data: Uint8Array;
  readonly #end: number;
  #pos: number;
  #cur = 0;
  #left = 0;
  #overrun = 0;

  constructor(data: Uint8Array, start: number, end: number) {
    this.#data = data;
    this.#pos = start;
    this.#end = end;
  }

  get offset(): number {
    return this.#pos;
  }

  bit(): number {
    if (this.#left === 0) {
      if (this.#pos < this.#end) {
        this.#cur = this.#data[this.#pos] ?? 0;
      } else {
        if (++this.#overrun > MAX_OVERRUN) {
          throw new DecodeError('SHORT_BUFFER', 'bit stream ends before the output is complete', this.#end, [PATH]);
        }
        this.#cur = 0;
      }
      this.#pos++;
      this.#left = 8;
    }
    this.#left--;
    return (this.#cur >>> this.#left) & 1;
  }

  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
}

/** A canonical Huffman decoder (counts per length + symbols ordered by code). */
interface Huffman {
  /** Set when the set has one symbol coded with zero bits. */
  readonly single: number | undefined;
  readonly count: Int32Array;
  readonly symbols: Int32Array;
}

function bad(detail: string, offset: number, field: string): never {
  throw new DecodeError('BAD_VALUE', detail, offset, [PATH, field]);
}

function buildHuffman(lengths: Uint8Array, n: number, offset: number, field: string): Huffman {
  const count = new Int32Array(TIANO.MAX_CODE_LENGTH + 1);
  for (let i = 0; i < n; i++) {
    const l = lengths[i] ?? 0;
    count[l] = (count[l] ?? 0) + 1;
  }
  // Kraft: the code must be complete (EDK II MakeTable refuses other tables).
  let left = 1;
  for (let len = 1; len <= TIANO.MAX_CODE_LENGTH; len++) {
    left = left * 2 - (count[len] ?? 0);
    if (left < 0) bad(`${field} code is over-subscribed`, offset, field);
  }
  if (left !== 0) bad(`${field} code is incomplete`, offset, field);
  const offs = new Int32Array(TIANO.MAX_CODE_LENGTH + 2);
  for (let len = 1; len <= TIANO.MAX_CODE_LENGTH; len++) offs[len + 1] = (offs[len] ?? 0) + (count[len] ?? 0);
  const symbols = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const l = lengths[s] ?? 0;
    if (l === 0) continue;
    const at = offs[l] ?? 0;
    symbols[at] = s;
    offs[l] = at + 1;
  }
  return { single: undefined, count, symbols };
}

function singleSymbol(sym: number): Huffman {
  return { single: sym, count: new Int32Array(0), symbols: new Int32Array(0) };
}

function decodeSymbol(h: Huffman, bits: BitIn): number {
  if (h.single !== undefined) return h.single;
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len <= TIANO.MAX_CODE_LENGTH; len++) {
    code |= bits.bit();
    const c = h.count[len] ?? 0;
    if (code - first < c) return h.symbols[index + code - first] ?? 0;
    index += c;
    first = (first + c) * 2;
    code *= 2;
  }
  // Unreachable for a complete code.
  return bad('invalid Huffman code', bits.offset, 'symbol');
}

/** Reads one code length written as 3 bits, 7 meaning "7 + the number of following one bits". */
function readLength(bits: BitIn, field: string): number {
  let len = bits.bits(3);
  if (len === 7) {
    while (bits.bit() === 1) {
      len++;
      if (len > TIANO.MAX_CODE_LENGTH) bad(`${field} code length exceeds 16`, bits.offset, field);
    }
  }
  return len;
}

/** The extra set and the position set: `nbit`-bit count, lengths, optional zero run after `special`. */
function readPtSet(bits: BitIn, nn: number, nbit: number, special: number | undefined, field: string): Huffman {
  const at = bits.offset;
  const n = bits.bits(nbit);
  if (n === 0) {
    const sym = bits.bits(nbit);
    if (sym >= nn) bad(`${field} single symbol ${sym} outside the alphabet of ${nn}`, at, field);
    return singleSymbol(sym);
  }
  if (n > nn) bad(`${field} has ${n} lengths, the alphabet has ${nn}`, at, field);
  const lengths = new Uint8Array(nn);
  let i = 0;
  while (i < n) {
    lengths[i++] = readLength(bits, field);
    if (i === special) {
      let zeros = bits.bits(2);
      while (zeros-- > 0) {
        if (i >= nn) bad(`${field} zero run passes the end of the alphabet`, bits.offset, field);
        lengths[i++] = 0;
      }
    }
  }
  return buildHuffman(lengths, nn, at, field);
}

/** The Char&Len set, its lengths coded with the extra set. */
function readCSet(bits: BitIn, pt: Huffman): Huffman {
  const at = bits.offset;
  const n = bits.bits(TIANO.CBIT);
  if (n === 0) {
    const sym = bits.bits(TIANO.CBIT);
    if (sym >= TIANO.NC) bad(`single Char&Len symbol ${sym} outside the alphabet`, at, 'charLenSet');
    return singleSymbol(sym);
  }
  if (n > TIANO.NC) bad(`${n} Char&Len lengths, the alphabet has ${TIANO.NC}`, at, 'charLenSet');
  const lengths = new Uint8Array(TIANO.NC);
  let i = 0;
  while (i < n) {
    const c = decodeSymbol(pt, bits);
    if (c <= 2) {
      const zeros = c === 0 ? 1 : c === 1 ? bits.bits(4) + 3 : bits.bits(TIANO.CBIT) + 20;
      // EDK II bounds a zero run by the alphabet, not by the declared count.
      if (i + zeros > TIANO.NC) bad('Char&Len zero run passes the end of the alphabet', bits.offset, 'charLenSet');
      i += zeros; // already zero
    } else {
      lengths[i++] = c - 2;
    }
  }
  return buildHuffman(lengths, TIANO.NC, at, 'charLenSet');
}

/** CompressedSize and OriginalSize of a compressed stream, without decompressing it. */
export function tianoStreamSizes(data: Uint8Array): { compressedSize: number; originalSize: number } {
  if (data.length < 8) throw new DecodeError('SHORT_BUFFER', `header needs 8 bytes, got ${data.length}`, 0, [PATH]);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { compressedSize: dv.getUint32(0, true), originalSize: dv.getUint32(4, true) };
}

/**
 * Decompresses an EFI_STANDARD_COMPRESSION / Tiano stream.
 * @param data the 8-byte header and the bit stream (bytes after 8 + CompressedSize are ignored)
 * @param maxOutput the largest OriginalSize accepted (checked before allocating)
 * @param variant `efi` (default; PBIT 4, EFI_SECTION_COMPRESSION type 1) or `tiano` (PBIT 5)
 * @throws DecodeError `SHORT_BUFFER` (header or stream too short), `LIMIT_EXCEEDED`
 *   (OriginalSize > maxOutput), `BAD_VALUE` (corrupt tables, symbols or distances)
 */
export function tianoDecompress(data: Uint8Array, maxOutput: number, variant: TianoVariant = 'efi'): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('"data" expected Uint8Array');
  if (!Number.isSafeInteger(maxOutput) || maxOutput < 0) throw new RangeError(`"maxOutput" expected a non-negative integer, got ${maxOutput}`);
  const { pbit } = TIANO_VARIANT[variant];
  const { compressedSize, originalSize } = tianoStreamSizes(data);
  if (originalSize > maxOutput) {
    throw new DecodeError('LIMIT_EXCEEDED', `OriginalSize ${originalSize} exceeds the limit ${maxOutput}`, 4, [PATH, 'originalSize']);
  }
  if (compressedSize > data.length - 8) {
    throw new DecodeError('SHORT_BUFFER', `CompressedSize ${compressedSize} but only ${data.length - 8} bytes follow the header`, 0, [PATH, 'compressedSize']);
  }
  const out = new Uint8Array(originalSize);
  if (originalSize === 0) return out;
  const bits = new BitIn(data, 8, 8 + compressedSize);
  let o = 0;
  while (o < originalSize) {
    let blockSize = bits.bits(16);
    if (blockSize === 0) blockSize = 0x10000; // EDK II's UINT16 count wraps
    const pt = readPtSet(bits, TIANO.NT, TIANO.TBIT, 3, 'extraSet');
    const c = readCSet(bits, pt);
    const p = readPtSet(bits, TIANO.MAXNP, pbit, undefined, 'positionSet');
    for (let k = 0; k < blockSize && o < originalSize; k++) {
      const sym = decodeSymbol(c, bits);
      if (sym < 256) {
        out[o++] = sym;
        continue;
      }
      const len = sym - 256 + TIANO.THRESHOLD;
      const ps = decodeSymbol(p, bits);
      const dist = (ps <= 1 ? ps : 2 ** (ps - 1) + bits.bits(ps - 1)) + 1;
      if (dist > o) bad(`match distance ${dist} reaches before the start of the output (at ${o})`, bits.offset, 'position');
      const end = Math.min(o + len, originalSize);
      for (let from = o - dist; o < end; ) out[o++] = out[from++] ?? 0;
    }
  }
  return out;
}
