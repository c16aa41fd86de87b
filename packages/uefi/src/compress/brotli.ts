/**
 * Brotli GUID-defined sections (gBrotliCustomDecompressGuid) as EDK II's BrotliCompress tool
 * writes them: UINT64 LE decompressed size, UINT64 LE scratch-buffer size (a decoder memory
 * hint), then a plain Brotli stream (RFC 7932). Decoding uses node:zlib with the output capped.
 */
import { brotliDecompressSync, constants } from 'node:zlib';
import { ByteReader, DecodeError } from '@tcg2sim/binary-codec';

/** BROTLI_SCRATCH_MAX in BrotliCustomDecompressLib: the size of the two-UINT64 header. */
export const BROTLI_SECTION_HEADER_SIZE = 16;

/** The decoded EDK II Brotli header. */
export interface BrotliSectionHeader {
  readonly decompressedSize: number;
  readonly scratchSize: bigint;
}

/** Reads the 16-byte header; a size above `maxOut` is `LIMIT_EXCEEDED`. */
export function readBrotliSectionHeader(data: Uint8Array, maxOut: number): BrotliSectionHeader {
  if (data.length < BROTLI_SECTION_HEADER_SIZE) {
    throw new DecodeError('SHORT_BUFFER', `Brotli section header needs 16 bytes, ${data.length} left`, 0, ['Brotli']);
  }
  const r = new ByteReader(data, 0, BROTLI_SECTION_HEADER_SIZE);
  const size = r.u64le();
  const scratchSize = r.u64le();
  if (size > BigInt(maxOut)) {
    throw new DecodeError('LIMIT_EXCEEDED', `Brotli decompressed size ${size} exceeds the budget ${maxOut}`, 0, ['Brotli']);
  }
  return { decompressedSize: Number(size), scratchSize };
}

/**
 * Decompresses an EDK II Brotli section body (header included). The output is limited to the
 * announced size (node:zlib stops at `maxOutputLength`) and must have exactly that size.
 * @throws DecodeError LIMIT_EXCEEDED, BAD_VALUE (corrupt stream) or SHORT_BUFFER
 */
export function brotliSectionDecompress(data: Uint8Array, maxOut: number): Uint8Array {
  const header = readBrotliSectionHeader(data, maxOut);
  let out: Buffer;
  try {
    out = brotliDecompressSync(data.subarray(BROTLI_SECTION_HEADER_SIZE), {
      // One byte of slack so that a stream longer than announced is detected, not truncated.
      maxOutputLength: Math.max(1, header.decompressedSize + 1),
      finishFlush: constants.BROTLI_OPERATION_FINISH,
    });
  } catch (err) {
    throw new DecodeError('BAD_VALUE', `corrupt Brotli stream: ${err instanceof Error ? err.message : String(err)}`, BROTLI_SECTION_HEADER_SIZE, ['Brotli'], { cause: err });
  }
  if (out.length !== header.decompressedSize) {
    throw new DecodeError('BAD_VALUE', `Brotli stream gave ${out.length} bytes, header says ${header.decompressedSize}`, 0, ['Brotli']);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
