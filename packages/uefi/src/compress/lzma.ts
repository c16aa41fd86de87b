/**
 * LZMA "alone" streams as EDK II's LzmaCompress writes them into GUID-defined sections
 * (gLzmaCustomDecompressGuid): 5 property bytes (lc/lp/pb, dictionary size), a UINT64 LE
 * uncompressed size, then the range-coded data. Decoding is delegated to @napi-rs/lzma; this
 * module validates the header and caps the announced size before anything is allocated.
 */
import { lzma } from '@napi-rs/lzma';
import { DecodeError, decodeFirst, encode, struct, u8, u32le, u64le } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';

/** Size of the .lzma header: 5 property bytes + UINT64 uncompressed size. */
export const LZMA_HEADER_SIZE = 13;

/**
 * The .lzma ("LZMA alone") header (LZMA SDK lzma.txt, "LZMA compressed file format"): UINT8
 * properties ((pb * 5 + lp) * 9 + lc); UINT32 dictionary size; UINT64 uncompressed size, all ones
 * when unknown. All little-endian.
 */
export const LzmaAloneHeader = struct('LZMA_ALONE_HEADER', {
  properties: u8,
  dictionarySize: u32le,
  uncompressedSize: u64le,
});
export type LzmaAloneHeader = Infer<typeof LzmaAloneHeader>;

/** The decoded .lzma header. */
export interface LzmaHeader {
  /** Literal context bits, literal position bits, position bits (from the properties byte). */
  readonly lc: number;
  readonly lp: number;
  readonly pb: number;
  readonly dictionarySize: number;
  /** The uncompressed size the header announces. */
  readonly uncompressedSize: number;
}

/**
 * Reads and checks the 13-byte header. An unknown size (all ones) or one above `maxOut` is
 * `LIMIT_EXCEEDED`; a properties byte >= 9*5*5 is `BAD_VALUE`.
 */
export function readLzmaHeader(data: Uint8Array, maxOut: number): LzmaHeader {
  if (data.length < LZMA_HEADER_SIZE) {
    throw new DecodeError('SHORT_BUFFER', `LZMA header needs ${LZMA_HEADER_SIZE} bytes, ${data.length} left`, 0, ['LZMA']);
  }
  const [{ properties: props, dictionarySize, uncompressedSize: size }] = decodeFirst(LzmaAloneHeader, data.subarray(0, LZMA_HEADER_SIZE));
  if (props >= 9 * 5 * 5) throw new DecodeError('BAD_VALUE', `LZMA properties byte 0x${props.toString(16)} out of range`, 0, ['LZMA']);
  if (size > BigInt(maxOut)) {
    throw new DecodeError('LIMIT_EXCEEDED', `LZMA uncompressed size ${size} exceeds the budget ${maxOut}`, 5, ['LZMA']);
  }
  return {
    lc: props % 9,
    lp: Math.floor(props / 9) % 5,
    pb: Math.floor(props / 45),
    dictionarySize,
    uncompressedSize: Number(size),
  };
}

/**
 * Decompresses an EDK II LZMA stream. The announced size is checked against `maxOut` first;
 * the output must have exactly that size.
 * @throws DecodeError LIMIT_EXCEEDED, BAD_VALUE (corrupt stream) or SHORT_BUFFER
 */
export function lzmaDecompress(data: Uint8Array, maxOut: number): Uint8Array {
  const header = readLzmaHeader(data, maxOut);
  let out: Uint8Array;
  try {
    out = lzma.decompressSync(data);
  } catch (err) {
    throw corrupt(err);
  }
  return checkedOutput(out, header);
}

/** Decodes started before this module was loaded, by buffer: see {@link adoptLzmaDecode}. */
const started = new WeakMap<ArrayBufferLike, { readonly offset: number; readonly length: number; readonly out: Promise<Uint8Array> }[]>();

/**
 * Hands over a decode of `data` already started with @napi-rs/lzma's `lzma.decompress(data)` (the
 * CLI's bin starts the one of the image named on the command line before loading the CLI): the
 * next {@link lzmaDecompressAsync} of the same bytes (same buffer, offset and length; their
 * content must not have changed) awaits that promise instead of decoding again, after the same
 * header checks, and settles as it would have. Used once.
 */
export function adoptLzmaDecode(data: Uint8Array, out: Promise<Uint8Array>): void {
  out.catch(() => undefined); // settled through lzmaDecompressAsync, or never asked for
  const list = started.get(data.buffer) ?? [];
  list.push({ offset: data.byteOffset, length: data.length, out });
  started.set(data.buffer, list);
}

function takeStarted(data: Uint8Array): Promise<Uint8Array> | undefined {
  const list = started.get(data.buffer);
  const i = list?.findIndex((s) => s.offset === data.byteOffset && s.length === data.length) ?? -1;
  if (list === undefined || i < 0) return undefined;
  const [s] = list.splice(i, 1);
  return s?.out;
}

/**
 * {@link lzmaDecompress} on libuv's thread pool: the header is checked at once (same errors),
 * the range decoding runs off the main thread, and the promise settles with the same output or
 * the same DecodeError.
 */
export async function lzmaDecompressAsync(data: Uint8Array, maxOut: number): Promise<Uint8Array> {
  const header = readLzmaHeader(data, maxOut);
  let out: Uint8Array;
  try {
    out = await (takeStarted(data) ?? lzma.decompress(data));
  } catch (err) {
    throw corrupt(err);
  }
  return checkedOutput(out, header);
}

function corrupt(err: unknown): DecodeError {
  return new DecodeError('BAD_VALUE', `corrupt LZMA stream: ${err instanceof Error ? err.message : String(err)}`, 0, ['LZMA'], { cause: err });
}

function checkedOutput(out: Uint8Array, header: LzmaHeader): Uint8Array {
  if (out.length !== header.uncompressedSize) {
    throw new DecodeError('BAD_VALUE', `LZMA stream gave ${out.length} bytes, header says ${header.uncompressedSize}`, 5, ['LZMA']);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Compresses `data` into the stream EDK II's LzmaCompress writes for gLzmaCustomDecompressGuid
 * sections: the 13-byte .lzma header with the real uncompressed size (EDK II's LzmaDecompress
 * sizes its output buffer from it, so "unknown" would not do), then the range-coded data.
 * @napi-rs/lzma (liblzma's "alone" encoder) writes the size as unknown and ends the data with an
 * end-of-payload marker; the size is rewritten here. The marker stays: LZMA SDK decoders, EDK
 * II's and UEFITool's included, accept it after exactly `size` bytes. Deterministic.
 */
export function lzmaCompress(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(lzma.compressSync(data));
  const [header] = decodeFirst(LzmaAloneHeader, out.subarray(0, LZMA_HEADER_SIZE));
  out.set(encode(LzmaAloneHeader, { ...header, uncompressedSize: BigInt(data.length) }), 0);
  return out;
}
