/**
 * Small codecs the event-data layouts need beyond binary-codec's combinators: 64-bit lengths
 * read as bounded numbers, UINTN whose width the Spec ID event gives, and UTF-16LE text.
 * Internal to event-log (not exported from the package).
 */
import { DecodeError, inPath, mapped, u32le, u64le } from '@tcg2sim/binary-codec';
import type { ByteReader, ByteWriter, Codec } from '@tcg2sim/binary-codec';

/** A codec from two functions (for layouts whose later fields depend on earlier ones). */
export function codecOf<T>(name: string, encode: (w: ByteWriter, v: T) => void, decode: (r: ByteReader) => T): Codec<T> {
  return { name, encode, decode: (r) => inPath(name, () => decode(r)) };
}

/** A UINT64 count or length as a number; values above `max` are `LIMIT_EXCEEDED`. */
export function u64Length(name: string, max: number): Codec<number> {
  return mapped(
    u64le,
    name,
    (v, at) => {
      if (v > BigInt(max)) throw new DecodeError('LIMIT_EXCEEDED', `${name} ${v} exceeds the limit ${max}`, at, [name]);
      return Number(v);
    },
    (n) => BigInt(n)
  );
}

/** UINTN of a log: 8 bytes when the Spec ID says uintnSize 2 (X64), 4 when 1 (IA32). */
export function uintn(uintnSize: number): Codec<bigint> {
  if (uintnSize === 1) return mapped(u32le, 'UINTN', (v) => BigInt(v), (v) => Number(BigInt.asUintN(32, v)));
  return u64le;
}

/** UINTN used as a count or length, bounded by `max`. */
export function uintnLength(uintnSize: number, name: string, max: number): Codec<number> {
  return uintnSize === 1 ? boundedU32(name, max) : u64Length(name, max);
}

function boundedU32(name: string, max: number): Codec<number> {
  return mapped(
    u32le,
    name,
    (v, at) => {
      if (v > max) throw new DecodeError('LIMIT_EXCEEDED', `${name} ${v} exceeds the limit ${max}`, at, [name]);
      return v;
    },
    (n) => n
  );
}

/** UTF-16LE code units to a string (unpaired surrogates kept, so it round-trips). */
export function utf16leToString(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8));
  return s;
}

/** A string to UTF-16LE code units (no terminator). */
export function stringToUtf16le(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >> 8;
  }
  return out;
}

/** Bytes as Latin-1 text (one character per byte, lossless). */
export function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** Latin-1 text back to bytes. RangeError when a character is above U+00FF. */
export function fromLatin1(s: string): Uint8Array {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) throw new RangeError(`"text" has a character above U+00FF at ${i}`);
  }
  return new Uint8Array(Buffer.from(s, 'latin1'));
}
