/**
 * PE/COFF and TE header layouts (Microsoft PE/COFF Specification rev 11, §2-§4; UEFI PI Vol 1
 * §15 "TE Image"). Each layout is declared once; every integer is little-endian.
 */
import { fixedBytes, struct, u16le, u32le, u64le, u8 } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';

/** 'MZ' (IMAGE_DOS_SIGNATURE). */
export const IMAGE_DOS_SIGNATURE = 0x5a4d;
/** 'PE\0\0' (IMAGE_NT_SIGNATURE). */
export const IMAGE_NT_SIGNATURE = 0x00004550;
/** 'VZ' (EFI_TE_IMAGE_HEADER_SIGNATURE). */
export const EFI_TE_IMAGE_HEADER_SIGNATURE = 0x5a56;
/** Optional header magic of PE32 and PE32+. */
export const IMAGE_NT_OPTIONAL_HDR_MAGIC = { PE32: 0x10b, PE32_PLUS: 0x20b } as const;

/** IMAGE_FILE_MACHINE_* values firmware cares about (PE/COFF §3.3.1). */
export const IMAGE_FILE_MACHINE = {
  I386: 0x014c,
  EBC: 0x0ebc,
  X64: 0x8664,
  ARMTHUMB_MIXED: 0x01c2,
  ARM64: 0xaa64,
  RISCV64: 0x5064,
  LOONGARCH64: 0x6264,
} as const;

/** EFI image subsystems (PE/COFF §3.4.2; UEFI 2.9 §2.1.1). */
export const IMAGE_SUBSYSTEM = {
  EFI_APPLICATION: 10,
  EFI_BOOT_SERVICE_DRIVER: 11,
  EFI_RUNTIME_DRIVER: 12,
  EFI_ROM: 13,
} as const;

/** Data directory indexes (PE/COFF §3.4.3). */
export const IMAGE_DIRECTORY_ENTRY = {
  EXPORT: 0,
  IMPORT: 1,
  RESOURCE: 2,
  EXCEPTION: 3,
  SECURITY: 4,
  BASERELOC: 5,
  DEBUG: 6,
} as const;

/** The most data directories a PE image may declare (EFI_IMAGE_NUMBER_OF_DIRECTORY_ENTRIES). */
export const IMAGE_NUMBER_OF_DIRECTORY_ENTRIES = 16;
/** Size of one section header (IMAGE_SIZEOF_SECTION_HEADER). */
export const IMAGE_SIZEOF_SECTION_HEADER = 40;
/** Size of one IMAGE_DATA_DIRECTORY. */
export const IMAGE_SIZEOF_DATA_DIRECTORY = 8;
/** Size of IMAGE_DOS_HEADER (e_lfanew is its last field, at 0x3C). */
export const IMAGE_DOS_HEADER_SIZE = 64;
/** Size of IMAGE_FILE_HEADER. */
export const IMAGE_SIZEOF_FILE_HEADER = 20;
/** Optional header size without data directories: PE32 96, PE32+ 112. */
export const OPTIONAL_HEADER_FIXED_SIZE = { PE32: 96, PE32_PLUS: 112 } as const;

/**
 * IMAGE_DOS_HEADER (64 bytes). Only `eMagic` and `eLfanew` mean anything to UEFI; the rest is
 * kept so the header round-trips.
 */
export const ImageDosHeader = struct('IMAGE_DOS_HEADER', {
  eMagic: u16le,
  /** e_cblp .. e_res2: 29 words the loader ignores. */
  eLegacy: fixedBytes('e_legacy', 58),
  eLfanew: u32le,
});
export type ImageDosHeader = Infer<typeof ImageDosHeader>;

/** IMAGE_FILE_HEADER (COFF file header, PE/COFF §3.3, 20 bytes). */
export const ImageFileHeader = struct('IMAGE_FILE_HEADER', {
  machine: u16le,
  numberOfSections: u16le,
  timeDateStamp: u32le,
  pointerToSymbolTable: u32le,
  numberOfSymbols: u32le,
  sizeOfOptionalHeader: u16le,
  characteristics: u16le,
});
export type ImageFileHeader = Infer<typeof ImageFileHeader>;

/** IMAGE_DATA_DIRECTORY (8 bytes). */
export const ImageDataDirectory = struct('IMAGE_DATA_DIRECTORY', {
  virtualAddress: u32le,
  size: u32le,
});
export type ImageDataDirectory = Infer<typeof ImageDataDirectory>;

/**
 * IMAGE_OPTIONAL_HEADER32 without its data directories (PE/COFF §3.4, 96 bytes).
 * CheckSum sits at +64, NumberOfRvaAndSizes at +92.
 */
export const ImageOptionalHeader32 = struct('IMAGE_OPTIONAL_HEADER32', {
  magic: u16le,
  majorLinkerVersion: u8,
  minorLinkerVersion: u8,
  sizeOfCode: u32le,
  sizeOfInitializedData: u32le,
  sizeOfUninitializedData: u32le,
  addressOfEntryPoint: u32le,
  baseOfCode: u32le,
  baseOfData: u32le,
  imageBase: u32le,
  sectionAlignment: u32le,
  fileAlignment: u32le,
  majorOperatingSystemVersion: u16le,
  minorOperatingSystemVersion: u16le,
  majorImageVersion: u16le,
  minorImageVersion: u16le,
  majorSubsystemVersion: u16le,
  minorSubsystemVersion: u16le,
  win32VersionValue: u32le,
  sizeOfImage: u32le,
  sizeOfHeaders: u32le,
  checkSum: u32le,
  subsystem: u16le,
  dllCharacteristics: u16le,
  sizeOfStackReserve: u32le,
  sizeOfStackCommit: u32le,
  sizeOfHeapReserve: u32le,
  sizeOfHeapCommit: u32le,
  loaderFlags: u32le,
  numberOfRvaAndSizes: u32le,
});
export type ImageOptionalHeader32 = Infer<typeof ImageOptionalHeader32>;

/**
 * IMAGE_OPTIONAL_HEADER64 without its data directories (PE/COFF §3.4, 112 bytes). No BaseOfData;
 * ImageBase and the stack/heap sizes are 64-bit. CheckSum at +64, NumberOfRvaAndSizes at +108.
 */
export const ImageOptionalHeader64 = struct('IMAGE_OPTIONAL_HEADER64', {
  magic: u16le,
  majorLinkerVersion: u8,
  minorLinkerVersion: u8,
  sizeOfCode: u32le,
  sizeOfInitializedData: u32le,
  sizeOfUninitializedData: u32le,
  addressOfEntryPoint: u32le,
  baseOfCode: u32le,
  imageBase: u64le,
  sectionAlignment: u32le,
  fileAlignment: u32le,
  majorOperatingSystemVersion: u16le,
  minorOperatingSystemVersion: u16le,
  majorImageVersion: u16le,
  minorImageVersion: u16le,
  majorSubsystemVersion: u16le,
  minorSubsystemVersion: u16le,
  win32VersionValue: u32le,
  sizeOfImage: u32le,
  sizeOfHeaders: u32le,
  checkSum: u32le,
  subsystem: u16le,
  dllCharacteristics: u16le,
  sizeOfStackReserve: u64le,
  sizeOfStackCommit: u64le,
  sizeOfHeapReserve: u64le,
  sizeOfHeapCommit: u64le,
  loaderFlags: u32le,
  numberOfRvaAndSizes: u32le,
});
export type ImageOptionalHeader64 = Infer<typeof ImageOptionalHeader64>;

/** IMAGE_SECTION_HEADER (PE/COFF §4, 40 bytes). `name` is the raw 8-byte field. */
export const ImageSectionHeader = struct('IMAGE_SECTION_HEADER', {
  name: fixedBytes('Name', 8),
  virtualSize: u32le,
  virtualAddress: u32le,
  sizeOfRawData: u32le,
  pointerToRawData: u32le,
  pointerToRelocations: u32le,
  pointerToLinenumbers: u32le,
  numberOfRelocations: u16le,
  numberOfLinenumbers: u16le,
  characteristics: u32le,
});
export type ImageSectionHeader = Infer<typeof ImageSectionHeader>;

/**
 * EFI_TE_IMAGE_HEADER (UEFI PI 1.7 Vol 1 §15.2, 40 bytes): a PE header stripped down to what a
 * PEI loader needs. `strippedSize` is the number of bytes removed from the start of the original
 * PE file; section PointerToRawData values still refer to the original file.
 */
export const EFITeImageHeader = struct('EFI_TE_IMAGE_HEADER', {
  signature: u16le,
  machine: u16le,
  numberOfSections: u8,
  subsystem: u8,
  strippedSize: u16le,
  addressOfEntryPoint: u32le,
  baseOfCode: u32le,
  imageBase: u64le,
  /** DataDirectory[0] = base relocations. */
  baseRelocationDirectory: ImageDataDirectory,
  /** DataDirectory[1] = debug. */
  debugDirectory: ImageDataDirectory,
});
export type EFITeImageHeader = Infer<typeof EFITeImageHeader>;

/** Size of EFI_TE_IMAGE_HEADER. */
export const EFI_TE_IMAGE_HEADER_SIZE = 40;

/** The section name as text (up to the first NUL, Latin-1). */
export function sectionName(h: ImageSectionHeader): string {
  let s = '';
  for (const b of h.name) {
    if (b === 0) break;
    s += String.fromCharCode(b);
  }
  return s;
}
