/** Compressed-section bodies as EDK II's tools write them, for building test volumes. */
import { brotliCompressSync } from 'node:zlib';
import { lzma } from '@napi-rs/lzma';

/** An EDK II LZMA stream: .lzma header with the uncompressed size filled in. */
export function lzmaAlone(data: Uint8Array): Uint8Array {
  const c = new Uint8Array(lzma.compressSync(data));
  new DataView(c.buffer, c.byteOffset).setBigUint64(5, BigInt(data.length), true);
  return c;
}

/** An EDK II Brotli section body: UINT64 size, UINT64 scratch size, Brotli stream. */
export function brotliSection(data: Uint8Array): Uint8Array {
  const stream = brotliCompressSync(data);
  const out = new Uint8Array(16 + stream.length);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(data.length), true);
  v.setBigUint64(8, 0x2000n, true);
  out.set(stream, 16);
  return out;
}
