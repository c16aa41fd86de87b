/**
 * Parsing PE32 / PE32+ and TE images into their headers, bounded by the file (every read is
 * checked; counts come from 16-bit fields so the section table is at most 65535 entries, and
 * never more than the bytes present).
 */
import { ByteReader, DecodeError, inPath } from '@tcg2sim/binary-codec';
import {
  EFI_TE_IMAGE_HEADER_SIGNATURE, EFI_TE_IMAGE_HEADER_SIZE, EFITeImageHeader, IMAGE_DOS_SIGNATURE,
  IMAGE_NT_OPTIONAL_HDR_MAGIC, IMAGE_NT_SIGNATURE, IMAGE_NUMBER_OF_DIRECTORY_ENTRIES,
  IMAGE_DOS_HEADER_SIZE, IMAGE_SIZEOF_DATA_DIRECTORY, IMAGE_SIZEOF_FILE_HEADER, IMAGE_SIZEOF_SECTION_HEADER, ImageDataDirectory, ImageDosHeader, ImageFileHeader,
  ImageOptionalHeader32, ImageOptionalHeader64, ImageSectionHeader, OPTIONAL_HEADER_FIXED_SIZE,
} from './headers.ts';
import type {
  EFITeImageHeader as TeHeader, ImageDataDirectory as DataDir, ImageDosHeader as DosHeader,
  ImageFileHeader as FileHeader, ImageOptionalHeader32 as Opt32, ImageOptionalHeader64 as Opt64,
  ImageSectionHeader as SectionHeader,
} from './headers.ts';

interface PeImageCommon {
  /** The DOS header, when the file starts with 'MZ'. */
  readonly dosHeader: DosHeader | undefined;
  /** Offset of the 'PE\0\0' signature: e_lfanew with a DOS header, else 0. */
  readonly peHeaderOffset: number;
  readonly fileHeader: FileHeader;
  /** Offset of the optional header (peHeaderOffset + 24). */
  readonly optionalHeaderOffset: number;
  /** NumberOfRvaAndSizes entries (at most 16). */
  readonly dataDirectories: readonly DataDir[];
  /** Offset of the section table (optional header + SizeOfOptionalHeader). */
  readonly sectionTableOffset: number;
  readonly sections: readonly SectionHeader[];
}

/** A PE32 image (optional header magic 0x10B). */
export interface Pe32Image extends PeImageCommon {
  readonly format: 'pe32';
  readonly optionalHeader: Opt32;
}
/** A PE32+ image (optional header magic 0x20B). */
export interface Pe32PlusImage extends PeImageCommon {
  readonly format: 'pe32+';
  readonly optionalHeader: Opt64;
}
/** A PE/COFF image. */
export type PeImage = Pe32Image | Pe32PlusImage;

/** A TE image (UEFI PI Vol 1 §15). */
export interface TeImage {
  readonly format: 'te';
  readonly teHeader: TeHeader;
  readonly sections: readonly SectionHeader[];
}

/** Any image a UEFI loader recognises. */
export type EfiImage = PeImage | TeImage;

const PATH = 'PE/COFF';

function fail(code: 'BAD_VALUE' | 'SHORT_BUFFER', detail: string, offset: number, field: string): never {
  throw new DecodeError(code, detail, offset, [PATH, field]);
}

/**
 * Parses a PE32/PE32+ file: DOS header (optional), NT signature, file header, optional header,
 * data directories and section table. Structural checks only; {@link checkPeImageLoadable}
 * applies EDK II's loader rules.
 * @throws DecodeError `BAD_VALUE` (signature, magic, NumberOfRvaAndSizes > 16,
 *   SizeOfOptionalHeader too small), `SHORT_BUFFER` (truncated headers)
 */
export function parsePeImage(data: Uint8Array): PeImage {
  if (data.length < 2) fail('SHORT_BUFFER', 'image shorter than 2 bytes', 0, 'signature');
  const r = new ByteReader(data);
  let dosHeader: DosHeader | undefined;
  let peHeaderOffset = 0;
  if (r.fork().u16le() === IMAGE_DOS_SIGNATURE) {
    dosHeader = inPath(PATH, () => ImageDosHeader.decode(r));
    peHeaderOffset = dosHeader.eLfanew;
  }
  if (peHeaderOffset > data.length - 4) {
    if (dosHeader === undefined) fail('SHORT_BUFFER', `no DOS header ('MZ') and ${data.length} bytes: too short for a PE signature`, 0, 'signature');
    fail('SHORT_BUFFER', `e_lfanew 0x${peHeaderOffset.toString(16)} outside the file`, 0x3c, 'eLfanew');
  }
  r.seek(peHeaderOffset);
  const sig = inPath(PATH, () => r.u32le());
  if (sig !== IMAGE_NT_SIGNATURE) fail('BAD_VALUE', `no PE signature (0x${sig.toString(16)})`, peHeaderOffset, 'signature');
  const fileHeader = inPath(PATH, () => ImageFileHeader.decode(r));
  const optionalHeaderOffset = peHeaderOffset + 4 + IMAGE_SIZEOF_FILE_HEADER;
  const magic = inPath(PATH, () => r.fork().u16le());
  const common = (n: number, fixed: number): Omit<PeImageCommon, 'dosHeader' | 'peHeaderOffset' | 'fileHeader' | 'optionalHeaderOffset'> => {
    if (n > IMAGE_NUMBER_OF_DIRECTORY_ENTRIES) {
      fail('BAD_VALUE', `NumberOfRvaAndSizes ${n} exceeds ${IMAGE_NUMBER_OF_DIRECTORY_ENTRIES}`, r.offset - 4, 'numberOfRvaAndSizes');
    }
    if (fileHeader.sizeOfOptionalHeader < fixed + 8 * n) {
      fail('BAD_VALUE', `SizeOfOptionalHeader ${fileHeader.sizeOfOptionalHeader} < ${fixed + 8 * n}`, peHeaderOffset + 20, 'sizeOfOptionalHeader');
    }
    const dirs: DataDir[] = [];
    for (let i = 0; i < n; i++) dirs.push(inPath(PATH, () => inPath('dataDirectories', () => inPath(i, () => ImageDataDirectory.decode(r)))));
    const sectionTableOffset = optionalHeaderOffset + fileHeader.sizeOfOptionalHeader;
    r.seek(Math.min(sectionTableOffset, data.length));
    const sections = inPath(PATH, () => readSections(r, fileHeader.numberOfSections));
    return { dataDirectories: dirs, sectionTableOffset, sections };
  };
  const head = { dosHeader, peHeaderOffset, fileHeader, optionalHeaderOffset };
  if (magic === IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32) {
    const optionalHeader = inPath(PATH, () => ImageOptionalHeader32.decode(r));
    return { format: 'pe32', ...head, optionalHeader, ...common(optionalHeader.numberOfRvaAndSizes, 96) };
  }
  if (magic === IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32_PLUS) {
    const optionalHeader = inPath(PATH, () => ImageOptionalHeader64.decode(r));
    return { format: 'pe32+', ...head, optionalHeader, ...common(optionalHeader.numberOfRvaAndSizes, 112) };
  }
  return fail('BAD_VALUE', `unknown optional header magic 0x${magic.toString(16)}`, optionalHeaderOffset, 'magic');
}

function readSections(r: ByteReader, n: number): SectionHeader[] {
  // A plain count-less array; the count is a u16 so the loop is bounded by 65535 and by the bytes.
  if (n * 40 > r.remaining) {
    throw new DecodeError('SHORT_BUFFER', `${n} section headers need ${n * 40} bytes, ${r.remaining} left`, r.offset, ['sections']);
  }
  const out: SectionHeader[] = [];
  for (let i = 0; i < n; i++) out.push(inPath('sections', () => inPath(i, () => ImageSectionHeader.decode(r))));
  return out;
}

/**
 * Parses a TE image: EFI_TE_IMAGE_HEADER then NumberOfSections section headers.
 * @throws DecodeError `BAD_VALUE` (signature), `SHORT_BUFFER`
 */
export function parseTeImage(data: Uint8Array): TeImage {
  const r = new ByteReader(data);
  const teHeader = inPath(PATH, () => EFITeImageHeader.decode(r));
  if (teHeader.signature !== EFI_TE_IMAGE_HEADER_SIGNATURE) {
    fail('BAD_VALUE', `no TE signature (0x${teHeader.signature.toString(16)})`, 0, 'signature');
  }
  const sections = inPath(PATH, () => readSections(r, teHeader.numberOfSections));
  return { format: 'te', teHeader, sections };
}

/** Parses a PE32, PE32+ or TE image, chosen by its first bytes ('VZ' means TE). */
export function parseEfiImage(data: Uint8Array): EfiImage {
  if (data.length >= 2 && (data[0] ?? 0) + ((data[1] ?? 0) << 8) === EFI_TE_IMAGE_HEADER_SIGNATURE) return parseTeImage(data);
  return parsePeImage(data);
}

/** Normalised facts about an image, the way PeCoffLoaderGetImageInfo reports them. */
export interface EfiImageInfo {
  readonly format: EfiImage['format'];
  readonly machine: number;
  readonly subsystem: number;
  /**
   * The link-time address EDK II records (ImageContext.ImageAddress): OptionalHeader.ImageBase,
   * or for TE ImageBase + StrippedSize − 40.
   */
  readonly imageAddress: bigint;
  readonly addressOfEntryPoint: number;
  /** SizeOfImage (0 for TE, which does not carry it). */
  readonly sizeOfImage: number;
  /** SizeOfHeaders (TE: 40 + BaseOfCode − StrippedSize, as EDK II computes it). */
  readonly sizeOfHeaders: number;
}

/** The summary fields of a parsed image. */
export function imageInfo(img: EfiImage): EfiImageInfo {
  if (img.format === 'te') {
    const t = img.teHeader;
    return {
      format: 'te', machine: t.machine, subsystem: t.subsystem,
      imageAddress: t.imageBase + BigInt(t.strippedSize) - BigInt(EFI_TE_IMAGE_HEADER_SIZE),
      addressOfEntryPoint: t.addressOfEntryPoint, sizeOfImage: 0,
      sizeOfHeaders: EFI_TE_IMAGE_HEADER_SIZE + t.baseOfCode - t.strippedSize,
    };
  }
  const o = img.optionalHeader;
  return {
    format: img.format, machine: img.fileHeader.machine, subsystem: o.subsystem,
    imageAddress: BigInt(o.imageBase), addressOfEntryPoint: o.addressOfEntryPoint,
    sizeOfImage: o.sizeOfImage, sizeOfHeaders: o.sizeOfHeaders,
  };
}

/**
 * `imageInfo(parseEfiImage(data))` without decoding the data directories and the section table:
 * the DOS, file and optional headers through the same declarations, then the arithmetic of
 * whether the directories and the section table fit (all parsePeImage checks of them). When they
 * would not, it defers to {@link parsePeImage}, so every input gets the same result or the same
 * DecodeError as the full parse. For callers that need only these facts of many images (the DXE
 * allocation model reads SizeOfImage and Subsystem of every driver in DXEFV).
 */
export function efiImageInfo(data: Uint8Array): EfiImageInfo {
  if (data.length >= 2 && (data[0] ?? 0) + ((data[1] ?? 0) << 8) === EFI_TE_IMAGE_HEADER_SIGNATURE) return imageInfo(parseTeImage(data));
  // The headers parsePeImage reads before its directories, each a whole structure inside the data.
  if (data.length < IMAGE_DOS_HEADER_SIZE + 4 || (data[0] ?? 0) + ((data[1] ?? 0) << 8) !== IMAGE_DOS_SIGNATURE) return imageInfo(parsePeImage(data));
  const r = new ByteReader(data);
  const peHeaderOffset = ImageDosHeader.decode(r).eLfanew;
  const optionalHeaderOffset = peHeaderOffset + 4 + IMAGE_SIZEOF_FILE_HEADER;
  if (optionalHeaderOffset + OPTIONAL_HEADER_FIXED_SIZE.PE32_PLUS > data.length) return imageInfo(parsePeImage(data));
  r.seek(peHeaderOffset);
  if (r.u32le() !== IMAGE_NT_SIGNATURE) return imageInfo(parsePeImage(data));
  const fileHeader = ImageFileHeader.decode(r);
  const magic = r.fork().u16le();
  const optionalHeader = magic === IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32 ? ImageOptionalHeader32.decode(r) : magic === IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32_PLUS ? ImageOptionalHeader64.decode(r) : undefined;
  if (optionalHeader === undefined) return imageInfo(parsePeImage(data));
  const fixed = magic === IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32 ? OPTIONAL_HEADER_FIXED_SIZE.PE32 : OPTIONAL_HEADER_FIXED_SIZE.PE32_PLUS;
  const n = optionalHeader.numberOfRvaAndSizes;
  const sectionTableOffset = optionalHeaderOffset + fileHeader.sizeOfOptionalHeader;
  const fits = n <= IMAGE_NUMBER_OF_DIRECTORY_ENTRIES
    && fileHeader.sizeOfOptionalHeader >= fixed + IMAGE_SIZEOF_DATA_DIRECTORY * n
    && optionalHeaderOffset + fixed + IMAGE_SIZEOF_DATA_DIRECTORY * n <= data.length
    && fileHeader.numberOfSections * IMAGE_SIZEOF_SECTION_HEADER <= data.length - Math.min(sectionTableOffset, data.length);
  if (!fits) return imageInfo(parsePeImage(data));
  return {
    format: magic === IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32 ? 'pe32' : 'pe32+', machine: fileHeader.machine, subsystem: optionalHeader.subsystem,
    imageAddress: BigInt(optionalHeader.imageBase), addressOfEntryPoint: optionalHeader.addressOfEntryPoint,
    sizeOfImage: optionalHeader.sizeOfImage, sizeOfHeaders: optionalHeader.sizeOfHeaders,
  };
}

/** File offset of a TE section's raw data (PointerToRawData − StrippedSize + 40). */
export function teSectionFileOffset(img: TeImage, s: SectionHeader): number {
  return s.pointerToRawData - img.teHeader.strippedSize + EFI_TE_IMAGE_HEADER_SIZE;
}
