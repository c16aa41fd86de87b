/**
 * Coverage-guided fuzz target for the section decompressors: LZMA (with the x86 BCJ filter),
 * EFI/Tiano (both variants) and Brotli. The first byte picks the decompressor, the rest is the
 * compressed stream. Every output is bounded by maxOut. Seeds: streams from our compressors of
 * real OVMF bytes. See fuzz/README.md for how to run it.
 */
import { bcjX86Decode, brotliSectionDecompress, lzmaDecompress, tianoDecompress, tianoStreamSizes } from '@tcg2sim/uefi';
import { plainBytes, typed } from './typed.ts';

const maxOut = 1 << 20;

/** The fuzz target: `data` is one input from the fuzzer. */
export function fuzz(data: Uint8Array): void {
  const bytes = plainBytes(data);
  const stream = bytes.subarray(1);
  switch ((bytes[0] ?? 0) % 4) {
    case 0:
      typed(() => bcjX86Decode(lzmaDecompress(stream, maxOut)));
      break;
    case 1:
      typed(() => tianoStreamSizes(stream));
      typed(() => tianoDecompress(stream, maxOut, 'efi'));
      break;
    case 2:
      typed(() => tianoDecompress(stream, maxOut, 'tiano'));
      break;
    default:
      typed(() => brotliSectionDecompress(stream, maxOut));
  }
}
