/**
 * Constants of the PI firmware file system (UEFI PI Specification 1.7, Volume 3, chapters 2 and 3):
 * file-system GUIDs, volume attributes, FFS file types, attributes and states, section types and
 * the GUIDs of the GUID-defined sections EDK II builds.
 */

/** EFI_FIRMWARE_FILE_SYSTEM2_GUID (PI Vol 3, 3.2.2): the FFS2 file system. */
export const FFS2_GUID = '8C8CE578-8A3D-4F1C-9935-896185C32DD3';
/** EFI_FIRMWARE_FILE_SYSTEM3_GUID (PI Vol 3, 3.2.2): FFS3, which allows files of 16 MiB and more. */
export const FFS3_GUID = '5473C07A-3DCB-4DCA-BD6F-1E9689E7349A';

/** The `_FVH` signature of EFI_FIRMWARE_VOLUME_HEADER, read as a little-endian UINT32. */
export const FVH_SIGNATURE = 0x4856465f;
/** Offset of `Signature` inside EFI_FIRMWARE_VOLUME_HEADER. */
export const FVH_SIGNATURE_OFFSET = 0x28;

/** EFI_FVB_ATTRIBUTES_2 bits used by the parser (PI Vol 3, 3.2.1.1). */
export const EFI_FVB2 = {
  /** Erased flash reads as 1s: file state bits and free space are inverted. */
  ERASE_POLARITY: 0x00000800,
  /** Bits 16-20: required alignment of the volume, as a power of two. */
  ALIGNMENT: 0x001f0000,
  WEAK_ALIGNMENT: 0x80000000,
} as const;

/** EFI_FV_FILETYPE_* (PI Vol 3, 2.1.4.1). */
export const EFI_FV_FILETYPE = {
  ALL: 0x00,
  RAW: 0x01,
  FREEFORM: 0x02,
  SECURITY_CORE: 0x03,
  PEI_CORE: 0x04,
  DXE_CORE: 0x05,
  PEIM: 0x06,
  DRIVER: 0x07,
  COMBINED_PEIM_DRIVER: 0x08,
  APPLICATION: 0x09,
  MM: 0x0a,
  FIRMWARE_VOLUME_IMAGE: 0x0b,
  COMBINED_MM_DXE: 0x0c,
  MM_CORE: 0x0d,
  MM_STANDALONE: 0x0e,
  MM_CORE_STANDALONE: 0x0f,
  FFS_PAD: 0xf0,
} as const;

const FILE_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x00: 'EFI_FV_FILETYPE_ALL',
  0x01: 'EFI_FV_FILETYPE_RAW',
  0x02: 'EFI_FV_FILETYPE_FREEFORM',
  0x03: 'EFI_FV_FILETYPE_SECURITY_CORE',
  0x04: 'EFI_FV_FILETYPE_PEI_CORE',
  0x05: 'EFI_FV_FILETYPE_DXE_CORE',
  0x06: 'EFI_FV_FILETYPE_PEIM',
  0x07: 'EFI_FV_FILETYPE_DRIVER',
  0x08: 'EFI_FV_FILETYPE_COMBINED_PEIM_DRIVER',
  0x09: 'EFI_FV_FILETYPE_APPLICATION',
  0x0a: 'EFI_FV_FILETYPE_MM',
  0x0b: 'EFI_FV_FILETYPE_FIRMWARE_VOLUME_IMAGE',
  0x0c: 'EFI_FV_FILETYPE_COMBINED_MM_DXE',
  0x0d: 'EFI_FV_FILETYPE_MM_CORE',
  0x0e: 'EFI_FV_FILETYPE_MM_STANDALONE',
  0x0f: 'EFI_FV_FILETYPE_MM_CORE_STANDALONE',
  0xf0: 'pad',
};

/**
 * The PI name of an FFS file type (`EFI_FV_FILETYPE_PEIM`, …); pad files are `pad`, and the
 * OEM (0xC0-0xDF), debug (0xE0-0xEF) and FFS-specific (0xF1-0xFF) ranges are named by range.
 */
export function fileTypeName(type: number): string {
  const known = FILE_TYPE_NAMES[type];
  if (known !== undefined) return known;
  const hex = `0x${type.toString(16).toUpperCase().padStart(2, '0')}`;
  if (type >= 0xc0 && type <= 0xdf) return `EFI_FV_FILETYPE_OEM(${hex})`;
  if (type >= 0xe0 && type <= 0xef) return `EFI_FV_FILETYPE_DEBUG(${hex})`;
  if (type >= 0xf1) return `EFI_FV_FILETYPE_FFS(${hex})`;
  return `EFI_FV_FILETYPE_UNKNOWN(${hex})`;
}

/**
 * True for the file types whose data is a sequence of sections (PI Vol 3, 2.1.4.1): every defined
 * type except RAW and FFS_PAD. OEM, debug and FFS-range files are left as raw bytes.
 */
export function fileHasSections(type: number): boolean {
  return type >= EFI_FV_FILETYPE.FREEFORM && type <= EFI_FV_FILETYPE.MM_CORE_STANDALONE;
}

/** EFI_FFS_FILE_ATTRIBUTES bits (PI Vol 3, 2.1.4.1). */
export const FFS_ATTRIB = {
  LARGE_FILE: 0x01,
  DATA_ALIGNMENT_2: 0x02,
  FIXED: 0x04,
  DATA_ALIGNMENT: 0x38,
  CHECKSUM: 0x40,
} as const;

/** IntegrityCheck.File when FFS_ATTRIB_CHECKSUM is clear (PI Vol 3, 2.1.4.1). */
export const FFS_FIXED_CHECKSUM = 0xaa;

/** EFI_FFS_FILE_STATE bits (PI Vol 3, 2.1.4.1), as written with erase polarity 0. */
export const EFI_FILE_STATE = {
  HEADER_CONSTRUCTION: 0x01,
  HEADER_VALID: 0x02,
  DATA_VALID: 0x04,
  MARKED_FOR_UPDATE: 0x08,
  DELETED: 0x10,
  HEADER_INVALID: 0x20,
} as const;

/** The state a file is in: the highest state bit that is set (after erase polarity). */
export type FfsFileState =
  | 'EFI_FILE_HEADER_CONSTRUCTION'
  | 'EFI_FILE_HEADER_VALID'
  | 'EFI_FILE_DATA_VALID'
  | 'EFI_FILE_MARKED_FOR_UPDATE'
  | 'EFI_FILE_DELETED'
  | 'EFI_FILE_HEADER_INVALID'
  | 'EFI_FILE_STATE_NONE';

/**
 * Decodes the State byte: with erase polarity 1 the bits are stored inverted. The state is the
 * most significant set bit among the six defined ones (PI Vol 3, 2.1.4.1 and EDK II's
 * GetFileState: a later state overrides the earlier ones).
 */
export function fileState(state: number, erasePolarity: 0 | 1): FfsFileState {
  const s = (erasePolarity === 1 ? ~state : state) & 0x3f;
  if (s & EFI_FILE_STATE.HEADER_INVALID) return 'EFI_FILE_HEADER_INVALID';
  if (s & EFI_FILE_STATE.DELETED) return 'EFI_FILE_DELETED';
  if (s & EFI_FILE_STATE.MARKED_FOR_UPDATE) return 'EFI_FILE_MARKED_FOR_UPDATE';
  if (s & EFI_FILE_STATE.DATA_VALID) return 'EFI_FILE_DATA_VALID';
  if (s & EFI_FILE_STATE.HEADER_VALID) return 'EFI_FILE_HEADER_VALID';
  if (s & EFI_FILE_STATE.HEADER_CONSTRUCTION) return 'EFI_FILE_HEADER_CONSTRUCTION';
  return 'EFI_FILE_STATE_NONE';
}

/** EFI_SECTION_TYPE values (PI Vol 3, 2.1.5.1). */
export const EFI_SECTION = {
  COMPRESSION: 0x01,
  GUID_DEFINED: 0x02,
  DISPOSABLE: 0x03,
  PE32: 0x10,
  PIC: 0x11,
  TE: 0x12,
  DXE_DEPEX: 0x13,
  VERSION: 0x14,
  USER_INTERFACE: 0x15,
  COMPATIBILITY16: 0x16,
  FIRMWARE_VOLUME_IMAGE: 0x17,
  FREEFORM_SUBTYPE_GUID: 0x18,
  RAW: 0x19,
  PEI_DEPEX: 0x1b,
  MM_DEPEX: 0x1c,
} as const;

const SECTION_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x01: 'EFI_SECTION_COMPRESSION',
  0x02: 'EFI_SECTION_GUID_DEFINED',
  0x03: 'EFI_SECTION_DISPOSABLE',
  0x10: 'EFI_SECTION_PE32',
  0x11: 'EFI_SECTION_PIC',
  0x12: 'EFI_SECTION_TE',
  0x13: 'EFI_SECTION_DXE_DEPEX',
  0x14: 'EFI_SECTION_VERSION',
  0x15: 'EFI_SECTION_USER_INTERFACE',
  0x16: 'EFI_SECTION_COMPATIBILITY16',
  0x17: 'EFI_SECTION_FIRMWARE_VOLUME_IMAGE',
  0x18: 'EFI_SECTION_FREEFORM_SUBTYPE_GUID',
  0x19: 'EFI_SECTION_RAW',
  0x1b: 'EFI_SECTION_PEI_DEPEX',
  0x1c: 'EFI_SECTION_MM_DEPEX',
};

/** True for the section types the PI specification defines. */
export function isKnownSectionType(type: number): boolean {
  return SECTION_TYPE_NAMES[type] !== undefined;
}

/** The PI name of a section type (`EFI_SECTION_PE32`, …). */
export function sectionTypeName(type: number): string {
  return SECTION_TYPE_NAMES[type] ?? `EFI_SECTION_UNKNOWN(0x${type.toString(16).toUpperCase().padStart(2, '0')})`;
}

/** EFI_COMPRESSION_SECTION.CompressionType (PI Vol 3, 2.1.5.2). */
export const EFI_COMPRESSION = {
  NOT_COMPRESSED: 0x00,
  STANDARD_COMPRESSION: 0x01,
} as const;

/** EFI_GUID_DEFINED_SECTION.Attributes bits (PI Vol 3, 2.1.5.7). */
export const EFI_GUIDED_SECTION = {
  PROCESSING_REQUIRED: 0x01,
  AUTH_STATUS_VALID: 0x02,
} as const;

/** SectionDefinitionGuid values of the GUID-defined sections EDK II produces. */
export const SECTION_GUID = {
  /** gLzmaCustomDecompressGuid: .lzma ("alone") stream, 13-byte header. */
  LZMA: 'EE4E5898-3914-4259-9D6E-DC7BD79403CF',
  /** gLzmaF86CustomDecompressGuid: LZMA, then the x86 BCJ filter decoded with ip 0. */
  LZMA_F86: 'D42AE6BD-1352-4BFB-909A-CA72A6EAE889',
  /** gBrotliCustomDecompressGuid: 16-byte size header, then a Brotli stream. */
  BROTLI: '3D532050-5CDA-4FD0-879E-0F7F630D5AFB',
  /** gTianoCustomDecompressGuid: a stream in the Tiano variant of the UEFI compression format. */
  TIANO: 'A31280AD-481E-41B6-95E8-127F4C984779',
  /** gEfiCrc32GuidedSectionExtractionGuid: UINT32 CRC32 of the data after the header. */
  CRC32: 'FC1BCDB0-7D31-49AA-936A-A4600D9DD083',
} as const;
