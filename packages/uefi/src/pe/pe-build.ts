/**
 * Writing small PE32 / PE32+ EFI images (Microsoft PE/COFF Specification rev 11, §2-§4; UEFI 2.9
 * §2.1.1): DOS header, PE signature, COFF file header, optional header with 16 data directories,
 * section table, then the sections' raw data. Every header is encoded with the layouts of
 * `pe/headers.ts`. Images written here pass EDK II's loader checks ({@link checkPeImageLoadable})
 * and hash the same under pesign as under {@link peImageDigests}.
 *
 * This is not a linker: section contents are given as bytes, there are no imports and no
 * relocations (the code must be position independent, which `xor eax, eax; ret` is).
 */
import { encode, u32le } from '@tcg2sim/binary-codec';
import {
  IMAGE_DOS_SIGNATURE, IMAGE_FILE_MACHINE, IMAGE_NT_OPTIONAL_HDR_MAGIC, IMAGE_NT_SIGNATURE, IMAGE_NUMBER_OF_DIRECTORY_ENTRIES,
  IMAGE_SIZEOF_FILE_HEADER, IMAGE_SIZEOF_SECTION_HEADER, IMAGE_SUBSYSTEM, ImageDataDirectory, ImageDosHeader, ImageFileHeader,
  ImageOptionalHeader32, ImageOptionalHeader64, ImageSectionHeader, OPTIONAL_HEADER_FIXED_SIZE,
} from './headers.ts';

/** IMAGE_SCN_* section characteristics (PE/COFF §4.1). */
export const IMAGE_SCN = {
  CNT_CODE: 0x00000020,
  CNT_INITIALIZED_DATA: 0x00000040,
  MEM_EXECUTE: 0x20000000,
  MEM_READ: 0x40000000,
  MEM_WRITE: 0x80000000,
} as const;

/** IMAGE_FILE_* characteristics (PE/COFF §3.3.2) set on the images written here. */
const IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002;
const IMAGE_FILE_LARGE_ADDRESS_AWARE = 0x0020;
const IMAGE_FILE_32BIT_MACHINE = 0x0100;

/** `xor eax, eax; ret`: returns EFI_SUCCESS on IA32 and X64. */
export const RETURN_EFI_SUCCESS_CODE: Uint8Array = Uint8Array.of(0x31, 0xc0, 0xc3);

/** One section of the image. */
export interface PeBuildSection {
  /** Up to 8 ASCII characters. */
  readonly name: string;
  readonly data: Uint8Array;
  /** IMAGE_SCN_* bits. */
  readonly characteristics: number;
}

/** What to write. */
export interface PeBuildSpec {
  /** PE32 (IA32) or PE32+ (X64, default). */
  readonly format?: 'pe32' | 'pe32+';
  /** Default I386 for PE32, X64 for PE32+. */
  readonly machine?: number;
  /** IMAGE_SUBSYSTEM_EFI_* (default EFI_APPLICATION). */
  readonly subsystem?: number;
  /** Default: one `.text` with {@link RETURN_EFI_SUCCESS_CODE}. The entry point is the first section. */
  readonly sections?: readonly PeBuildSection[];
  /** COFF TimeDateStamp (default 0, for reproducible images). */
  readonly timeDateStamp?: number;
  /** Default 0 (EDK II images are linked at 0 and relocated). */
  readonly imageBase?: bigint;
}

const FILE_ALIGNMENT = 0x200;
const SECTION_ALIGNMENT = 0x1000;
/** e_lfanew: the PE header right after the 64-byte DOS header (no DOS stub). */
const LFANEW = 0x40;

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

function sectionNameBytes(name: string): Uint8Array {
  if (name.length > 8 || !/^[\x20-\x7e]*$/.test(name)) throw new RangeError(`"name" expected up to 8 printable ASCII characters, got ${JSON.stringify(name)}`);
  const out = new Uint8Array(8);
  for (let i = 0; i < name.length; i++) out[i] = name.charCodeAt(i);
  return out;
}

/**
 * A PE32/PE32+ image holding `spec.sections`.
 * @throws RangeError for a bad section name or an empty section list
 */
export function buildPeImage(spec: PeBuildSpec = {}): Uint8Array {
  const pe32 = spec.format === 'pe32';
  const sections = spec.sections ?? [
    { name: '.text', data: RETURN_EFI_SUCCESS_CODE, characteristics: IMAGE_SCN.CNT_CODE | IMAGE_SCN.MEM_EXECUTE | IMAGE_SCN.MEM_READ },
  ];
  const first = sections[0];
  if (first === undefined) throw new RangeError('"sections" must not be empty');
  const optSize = (pe32 ? OPTIONAL_HEADER_FIXED_SIZE.PE32 : OPTIONAL_HEADER_FIXED_SIZE.PE32_PLUS) + 8 * IMAGE_NUMBER_OF_DIRECTORY_ENTRIES;
  const sectionTable = LFANEW + 4 + IMAGE_SIZEOF_FILE_HEADER + optSize;
  const sizeOfHeaders = align(sectionTable + IMAGE_SIZEOF_SECTION_HEADER * sections.length, FILE_ALIGNMENT);

  let raw = sizeOfHeaders;
  let va = align(sizeOfHeaders, SECTION_ALIGNMENT);
  const layout = sections.map((s) => {
    const at = { raw, rawSize: align(s.data.length, FILE_ALIGNMENT), va, section: s };
    raw += at.rawSize;
    va += align(Math.max(s.data.length, 1), SECTION_ALIGNMENT);
    return at;
  });
  const sizeOfImage = va;
  const sum = (mask: number): number => layout.filter((l) => (l.section.characteristics & mask) !== 0).reduce((n, l) => n + l.rawSize, 0);
  const entry = layout[0]?.va ?? 0;
  const common = {
    majorLinkerVersion: 0,
    minorLinkerVersion: 0,
    sizeOfCode: sum(IMAGE_SCN.CNT_CODE),
    sizeOfInitializedData: sum(IMAGE_SCN.CNT_INITIALIZED_DATA),
    sizeOfUninitializedData: 0,
    addressOfEntryPoint: entry,
    baseOfCode: entry,
    sectionAlignment: SECTION_ALIGNMENT,
    fileAlignment: FILE_ALIGNMENT,
    majorOperatingSystemVersion: 0,
    minorOperatingSystemVersion: 0,
    majorImageVersion: 0,
    minorImageVersion: 0,
    majorSubsystemVersion: 0,
    minorSubsystemVersion: 0,
    win32VersionValue: 0,
    sizeOfImage,
    sizeOfHeaders,
    checkSum: 0,
    subsystem: spec.subsystem ?? IMAGE_SUBSYSTEM.EFI_APPLICATION,
    dllCharacteristics: 0,
    loaderFlags: 0,
    numberOfRvaAndSizes: IMAGE_NUMBER_OF_DIRECTORY_ENTRIES,
  };
  const optional = pe32
    ? encode(ImageOptionalHeader32, {
        ...common, magic: IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32, baseOfData: 0, imageBase: Number(spec.imageBase ?? 0n),
        sizeOfStackReserve: 0, sizeOfStackCommit: 0, sizeOfHeapReserve: 0, sizeOfHeapCommit: 0,
      })
    : encode(ImageOptionalHeader64, {
        ...common, magic: IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32_PLUS, imageBase: spec.imageBase ?? 0n,
        sizeOfStackReserve: 0n, sizeOfStackCommit: 0n, sizeOfHeapReserve: 0n, sizeOfHeapCommit: 0n,
      });

  const image = new Uint8Array(raw);
  let at = 0;
  const put = (b: Uint8Array): void => {
    image.set(b, at);
    at += b.length;
  };
  put(encode(ImageDosHeader, { eMagic: IMAGE_DOS_SIGNATURE, eLegacy: new Uint8Array(58), eLfanew: LFANEW }));
  put(encode(u32le, IMAGE_NT_SIGNATURE));
  put(encode(ImageFileHeader, {
    machine: spec.machine ?? (pe32 ? IMAGE_FILE_MACHINE.I386 : IMAGE_FILE_MACHINE.X64),
    numberOfSections: sections.length,
    timeDateStamp: spec.timeDateStamp ?? 0,
    pointerToSymbolTable: 0,
    numberOfSymbols: 0,
    sizeOfOptionalHeader: optSize,
    characteristics: IMAGE_FILE_EXECUTABLE_IMAGE | (pe32 ? IMAGE_FILE_32BIT_MACHINE : IMAGE_FILE_LARGE_ADDRESS_AWARE),
  }));
  put(optional);
  for (let d = 0; d < IMAGE_NUMBER_OF_DIRECTORY_ENTRIES; d++) put(encode(ImageDataDirectory, { virtualAddress: 0, size: 0 }));
  for (const l of layout) {
    put(encode(ImageSectionHeader, {
      name: sectionNameBytes(l.section.name),
      virtualSize: l.section.data.length,
      virtualAddress: l.va,
      sizeOfRawData: l.rawSize,
      pointerToRawData: l.rawSize === 0 ? 0 : l.raw,
      pointerToRelocations: 0,
      pointerToLinenumbers: 0,
      numberOfRelocations: 0,
      numberOfLinenumbers: 0,
      // IMAGE_SCN_MEM_WRITE is bit 31: a JS bitwise OR of it is negative.
      characteristics: l.section.characteristics >>> 0,
    }));
  }
  for (const l of layout) image.set(l.section.data, l.raw);
  return image;
}

/**
 * A minimal EFI image: `.text` returning EFI_SUCCESS and, when `data` is given, a `.data`
 * section holding it (so images can be told apart by their digest).
 */
export function minimalEfiImage(o: { format?: 'pe32' | 'pe32+'; subsystem?: number; data?: Uint8Array } = {}): Uint8Array {
  const sections: PeBuildSection[] = [
    { name: '.text', data: RETURN_EFI_SUCCESS_CODE, characteristics: IMAGE_SCN.CNT_CODE | IMAGE_SCN.MEM_EXECUTE | IMAGE_SCN.MEM_READ },
  ];
  if (o.data !== undefined) {
    sections.push({ name: '.data', data: o.data, characteristics: IMAGE_SCN.CNT_INITIALIZED_DATA | IMAGE_SCN.MEM_READ | IMAGE_SCN.MEM_WRITE });
  }
  return buildPeImage({ format: o.format ?? 'pe32+', subsystem: o.subsystem ?? IMAGE_SUBSYSTEM.EFI_APPLICATION, sections });
}
