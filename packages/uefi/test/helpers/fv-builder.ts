/**
 * Builds a minimal firmware volume (PI 1.7 Vol 3 §3.2) holding one FREEFORM file with one
 * section, so UEFIExtract can be used as an independent decoder of our compressed streams.
 * Test-only: the FV parser proper lives elsewhere in this package.
 */
import { ByteWriter, guidFromString } from '@tcg2sim/binary-codec';

const FFS2 = '8C8CE578-8A3D-4F1C-9935-896185C32DD3';

/** EFI_COMMON_SECTION_HEADER + body. */
export function section(type: number, body: Uint8Array): Uint8Array {
  return new ByteWriter().u24le(4 + body.length).u8(type).bytes(body).finish();
}

/** EFI_COMPRESSION_SECTION: UncompressedLength, CompressionType, then the stream. */
export function compressionSection(uncompressedLength: number, compressionType: number, stream: Uint8Array): Uint8Array {
  const body = new ByteWriter().u32le(uncompressedLength).u8(compressionType).bytes(stream).finish();
  return section(0x01, body);
}

/** A 64 KiB-or-larger FV (erase polarity 1) with one FREEFORM file named `fileGuid`. */
export function firmwareVolume(fileGuid: string, fileBody: Uint8Array): Uint8Array {
  const fileSize = 24 + fileBody.length;
  const ffs = new ByteWriter().bytes(guidFromString(fileGuid)).u8(0).u8(0).u8(0x02).u8(0).u24le(fileSize).u8(0).finish();
  let sum = 0;
  for (const b of ffs) sum += b;
  ffs[16] = (0x100 - (sum & 0xff)) & 0xff; // IntegrityCheck.Header over the header with State and File = 0
  ffs[17] = 0xaa; // no FFS_ATTRIB_CHECKSUM
  ffs[23] = 0xf8; // State: HEADER_CONSTRUCTION | HEADER_VALID | DATA_VALID, inverted for erase polarity 1
  const headerLength = 0x48;
  let fvLength = 0x10000;
  while (fvLength < headerLength + fileSize + 8) fvLength *= 2;
  const hdr = new ByteWriter()
    .fill(16)
    .bytes(guidFromString(FFS2))
    .u64le(BigInt(fvLength))
    .u32le(0x4856465f) // '_FVH'
    .u32le(0x0004feff)
    .u16le(headerLength)
    .u16le(0)
    .u16le(0)
    .u8(0)
    .u8(2)
    .u32le(fvLength / 0x1000)
    .u32le(0x1000)
    .u32le(0)
    .u32le(0)
    .finish();
  let s16 = 0;
  for (let i = 0; i < headerLength; i += 2) s16 += (hdr[i] ?? 0) | ((hdr[i + 1] ?? 0) << 8);
  const ck = (0x10000 - (s16 & 0xffff)) & 0xffff;
  hdr[0x32] = ck & 0xff;
  hdr[0x33] = ck >> 8;
  const fv = new Uint8Array(fvLength).fill(0xff);
  fv.set(hdr, 0);
  fv.set(ffs, headerLength);
  fv.set(fileBody, headerLength + 24);
  return fv;
}
