/**
 * Coverage-guided fuzz target for the PE32/PE32+/TE parsers, EDK II's loadability checks and the
 * Authenticode image hash (the ranges and the digest measured for an EFI image).
 * Seeds: EFI images from Debian's OVMF. See fuzz/README.md for how to run it.
 */
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { checkPeImageLoadable, imageInfo, parseEfiImage, peImageDigests, peImageHashRanges } from '@tcg2sim/uefi';
import { plainBytes, typed } from './typed.ts';

/** The fuzz target: `data` is one input from the fuzzer. */
export function fuzz(data: Uint8Array): void {
  const bytes = plainBytes(data);
  typed(() => {
    const img = parseEfiImage(bytes);
    imageInfo(img);
    if (img.format !== 'te') checkPeImageLoadable(img, bytes.length);
  });
  typed(() => peImageHashRanges(bytes));
  typed(() => peImageDigests(bytes, [TPM_ALG_HASH.SHA256]));
}
