/**
 * Section extractors: how encapsulation sections are opened. The parser takes them as a
 * parameter (no module state), so decompressors can be replaced or added; the defaults cover
 * EFI_STANDARD_COMPRESSION (EFI 1.1, with a Tiano fallback), LZMA, LZMA-F86, Brotli, Tiano and
 * CRC32.
 */
import { crc32 } from 'node:zlib';
import { ByteReader, DecodeError } from '@tcg2sim/binary-codec';
import { lzmaDecompress } from '../compress/lzma.ts';
import { bcjX86Decode } from '../compress/bcj-x86.ts';
import { brotliSectionDecompress } from '../compress/brotli.ts';
import { tianoDecompress } from '../compress/tiano.ts';
import { SECTION_GUID } from './constants.ts';
import { looksLikeSectionStream } from './section-stream.ts';

/**
 * Decompresses EFI_STANDARD_COMPRESSION data (EFI 1.1 / Tiano). Must not produce more than
 * `maxOut` bytes; throws a DecodeError (or another Tcg2Error) on bad data.
 */
export type StandardDecompressor = (data: Uint8Array, maxOut: number) => Uint8Array;

/** What a GUID-defined section extractor is given. */
export interface GuidedSectionInput {
  /** Bytes between the fixed EFI_GUID_DEFINED_SECTION header and DataOffset (e.g. the CRC32). */
  readonly headerExtra: Uint8Array;
  /** Bytes from DataOffset to the end of the section. */
  readonly data: Uint8Array;
  /** EFI_GUID_DEFINED_SECTION.Attributes. */
  readonly attributes: number;
}

/** What a GUID-defined section extractor returns. */
export interface GuidedSectionOutput {
  /** The section stream inside. */
  readonly content: Uint8Array;
  /** True when `content` is newly produced (it then counts against the decompression budget). */
  readonly decompressed: boolean;
  /** For authentication GUIDs: whether the check passed. */
  readonly checkValid?: boolean;
}

/** Opens one kind of GUID-defined section; `maxOut` is the decompression budget left. */
export type GuidedSectionExtractor = (input: GuidedSectionInput, maxOut: number) => GuidedSectionOutput;

/** The extractors a parse uses. */
export interface SectionExtractors {
  /** EFI_STANDARD_COMPRESSION (EFI 1.1); without it such sections are left unparsed. */
  readonly standard?: StandardDecompressor;
  /** By SectionDefinitionGuid (registry form, upper case). */
  readonly guided: ReadonlyMap<string, GuidedSectionExtractor>;
}

const lzmaExtractor: GuidedSectionExtractor = (input, maxOut) => ({
  content: lzmaDecompress(input.data, maxOut),
  decompressed: true,
});

const lzmaF86Extractor: GuidedSectionExtractor = (input, maxOut) => ({
  content: bcjX86Decode(lzmaDecompress(input.data, maxOut)),
  decompressed: true,
});

const brotliExtractor: GuidedSectionExtractor = (input, maxOut) => ({
  content: brotliSectionDecompress(input.data, maxOut),
  decompressed: true,
});

/**
 * CRC32 sections (EDK II Crc32GuidedSectionExtractLib): the UINT32 after the fixed header is the
 * CRC32 of everything from DataOffset to the end of the section; the content is not transformed.
 */
const crc32Extractor: GuidedSectionExtractor = (input) => {
  if (input.headerExtra.length < 4) {
    throw new DecodeError('SHORT_BUFFER', 'CRC32 section header has no CRC32 field', 0, ['CRC32_SECTION_HEADER']);
  }
  const expected = new ByteReader(input.headerExtra).u32le();
  return { content: input.data, decompressed: false, checkValid: crc32(input.data) === expected };
};

/** gTianoCustomDecompressGuid: the Tiano variant of the UEFI compression format (PBIT 5). */
const tianoExtractor: GuidedSectionExtractor = (input, maxOut) => ({
  content: tianoDecompress(input.data, maxOut, 'tiano'),
  decompressed: true,
});

/** The GUID-defined extractors built in: LZMA, LZMA-F86 (x86 BCJ), Brotli, Tiano, CRC32. */
export const BUILTIN_GUIDED_EXTRACTORS: ReadonlyMap<string, GuidedSectionExtractor> = new Map([
  [SECTION_GUID.LZMA, lzmaExtractor],
  [SECTION_GUID.LZMA_F86, lzmaF86Extractor],
  [SECTION_GUID.BROTLI, brotliExtractor],
  [SECTION_GUID.TIANO, tianoExtractor],
  [SECTION_GUID.CRC32, crc32Extractor],
]);

/**
 * EFI_STANDARD_COMPRESSION: the EFI 1.1 format (PBIT 4), which EDK II's GenSec writes and its
 * UefiDecompressLib reads. Some builds put a Tiano (PBIT 5) stream there, and a Tiano stream can
 * decode without error as EFI 1.1 into garbage; so, like UEFITool, when the EFI 1.1 result is
 * not a section stream the Tiano reading is tried, and kept if it is one. Otherwise the EFI 1.1
 * result (or its error) stands.
 */
export const standardDecompress: StandardDecompressor = (data, maxOut) => {
  let efi: Uint8Array | undefined;
  let efiError: unknown;
  try {
    efi = tianoDecompress(data, maxOut, 'efi');
    if (looksLikeSectionStream(efi)) return efi;
  } catch (err) {
    if (!(err instanceof DecodeError) || err.code === 'LIMIT_EXCEEDED' || err.code === 'SHORT_BUFFER') throw err;
    efiError = err;
  }
  try {
    const tiano = tianoDecompress(data, maxOut, 'tiano');
    if (looksLikeSectionStream(tiano)) return tiano;
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
  }
  if (efi !== undefined) return efi;
  throw efiError;
};

/**
 * The default extractors, optionally with another standard decompressor (`null`: none, so
 * standard-compressed sections stay unparsed) and extra or replacement GUID-defined extractors.
 */
export function sectionExtractors(
  options: { standard?: StandardDecompressor | null; guided?: ReadonlyMap<string, GuidedSectionExtractor> } = {}
): SectionExtractors {
  const guided = new Map(BUILTIN_GUIDED_EXTRACTORS);
  for (const [g, x] of options.guided ?? []) guided.set(g.toUpperCase(), x);
  if (options.standard === null) return { guided };
  return { standard: options.standard ?? standardDecompress, guided };
}
