/** Compressed-section bodies as EDK II's tools write them, for building test volumes. */
import { brotliCompressSync, crc32 } from 'node:zlib';
import { lzma } from '@napi-rs/lzma';
import { bcjX86Encode, EFI_FV_FILETYPE, EFI_SECTION, SECTION_GUID, tianoCompress } from '@tcg2sim/uefi';
import { guidedSection, section, sections, ucs2z, volume } from './fv-builder.ts';

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

/**
 * A small volume with one section of every compressed or GUIDed kind (LZMA, LZMA + x86 BCJ,
 * Brotli, CRC32, Tiano, EFI compression) around the same PE32 + UI stream, and a nested volume:
 * a seed that reaches every extractor.
 */
export function everyCompressionVolume(): Uint8Array {
  const content = sections([section(EFI_SECTION.PE32, new Uint8Array(300).map((_, i) => (i % 5 === 0 ? 0xe8 : i & 0xff))), section(EFI_SECTION.USER_INTERFACE, ucs2z('Fuzz'))]);
  const inner = volume({ files: [{ guid: '22222222-2222-2222-2222-222222222222', type: EFI_FV_FILETYPE.PEIM, data: content }] });
  const crc = new Uint8Array(4);
  new DataView(crc.buffer).setUint32(0, crc32(content), true);
  return volume({
    fvName: '33333333-3333-3333-3333-333333333333',
    files: [
      { guid: '11111111-1111-1111-1111-111111111111', type: EFI_FV_FILETYPE.DRIVER, data: sections([
        guidedSection(SECTION_GUID.LZMA, 1, lzmaAlone(content)),
        guidedSection(SECTION_GUID.LZMA_F86, 1, lzmaAlone(bcjX86Encode(content.slice()))),
        guidedSection(SECTION_GUID.BROTLI, 1, brotliSection(content)),
        guidedSection(SECTION_GUID.CRC32, 2, content, crc),
        guidedSection(SECTION_GUID.TIANO, 1, tianoCompress(content, { variant: 'tiano' })),
        section(EFI_SECTION.COMPRESSION, tianoCompress(content), new Uint8Array([content.length & 0xff, content.length >> 8, 0, 0, 1])),
      ]) },
      { guid: '44444444-4444-4444-4444-444444444444', type: EFI_FV_FILETYPE.FIRMWARE_VOLUME_IMAGE, data: section(EFI_SECTION.FIRMWARE_VOLUME_IMAGE, inner) },
    ],
    free: 64,
  });
}
