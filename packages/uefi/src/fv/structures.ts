/**
 * The wire layouts of the PI firmware file system (UEFI PI Specification 1.7, Volume 3), each
 * declared once with the binary-codec combinators. All fields are little-endian.
 */
import { EFIGuid, fixedBytes, struct, u8, u16le, u24le, u32le, u64le } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';

/**
 * EFI_FIRMWARE_VOLUME_HEADER without its block map (PI Vol 3, 3.2.1.1).
 * UINT8 ZeroVector[16]; EFI_GUID FileSystemGuid; UINT64 FvLength; UINT32 Signature;
 * EFI_FVB_ATTRIBUTES_2 Attributes; UINT16 HeaderLength; UINT16 Checksum;
 * UINT16 ExtHeaderOffset; UINT8 Reserved[1]; UINT8 Revision; EFI_FV_BLOCK_MAP BlockMap[];
 */
export const EFIFirmwareVolumeHeader = struct('EFI_FIRMWARE_VOLUME_HEADER', {
  zeroVector: fixedBytes('ZeroVector', 16),
  fileSystemGuid: EFIGuid,
  fvLength: u64le,
  signature: u32le,
  attributes: u32le,
  headerLength: u16le,
  checksum: u16le,
  extHeaderOffset: u16le,
  reserved: u8,
  revision: u8,
});
export type EFIFirmwareVolumeHeader = Infer<typeof EFIFirmwareVolumeHeader>;
/** Size of the fixed part of EFI_FIRMWARE_VOLUME_HEADER (before BlockMap). */
export const FVH_FIXED_SIZE = 0x38;

/** EFI_FV_BLOCK_MAP_ENTRY (PI Vol 3, 3.2.1.1): UINT32 NumBlocks; UINT32 Length. */
export const EFIFvBlockMapEntry = struct('EFI_FV_BLOCK_MAP_ENTRY', {
  numBlocks: u32le,
  length: u32le,
});
export type EFIFvBlockMapEntry = Infer<typeof EFIFvBlockMapEntry>;

/** EFI_FIRMWARE_VOLUME_EXT_HEADER (PI Vol 3, 3.2.1.2): EFI_GUID FvName; UINT32 ExtHeaderSize. */
export const EFIFirmwareVolumeExtHeader = struct('EFI_FIRMWARE_VOLUME_EXT_HEADER', {
  fvName: EFIGuid,
  extHeaderSize: u32le,
});
export type EFIFirmwareVolumeExtHeader = Infer<typeof EFIFirmwareVolumeExtHeader>;

/**
 * EFI_FFS_FILE_HEADER (PI Vol 3, 2.2.3): EFI_GUID Name; EFI_FFS_INTEGRITY_CHECK IntegrityCheck
 * (UINT8 Header; UINT8 File); EFI_FV_FILETYPE Type; EFI_FFS_FILE_ATTRIBUTES Attributes;
 * UINT8 Size[3]; EFI_FFS_FILE_STATE State.
 */
export const EFIFfsFileHeader = struct('EFI_FFS_FILE_HEADER', {
  name: EFIGuid,
  integrityCheckHeader: u8,
  integrityCheckFile: u8,
  type: u8,
  attributes: u8,
  size: u24le,
  state: u8,
});
export type EFIFfsFileHeader = Infer<typeof EFIFfsFileHeader>;
/** sizeof(EFI_FFS_FILE_HEADER). */
export const FFS_HEADER_SIZE = 24;
/** sizeof(EFI_FFS_FILE_HEADER2): the header above plus UINT64 ExtendedSize (FFS3 large files). */
export const FFS_HEADER2_SIZE = 32;

/** EFI_COMMON_SECTION_HEADER (PI Vol 3, 2.2.4): UINT8 Size[3]; EFI_SECTION_TYPE Type. */
export const EFICommonSectionHeader = struct('EFI_COMMON_SECTION_HEADER', {
  size: u24le,
  type: u8,
});
export type EFICommonSectionHeader = Infer<typeof EFICommonSectionHeader>;
/**
 * EFI_COMMON_SECTION_HEADER2 (PI Vol 3, 2.2.4): UINT8 Size[3] (0xFFFFFF); EFI_SECTION_TYPE Type;
 * UINT32 ExtendedSize. Used for sections of 16 MiB and more.
 */
export const EFICommonSectionHeader2 = struct('EFI_COMMON_SECTION_HEADER2', {
  size: u24le,
  type: u8,
  extendedSize: u32le,
});
export type EFICommonSectionHeader2 = Infer<typeof EFICommonSectionHeader2>;
/** Size[3] value that means "see ExtendedSize" (EFI_COMMON_SECTION_HEADER2). */
export const SECTION_SIZE_EXTENDED = 0xffffff;

/**
 * The type-specific part of EFI_COMPRESSION_SECTION (PI Vol 3, 2.2.5.2), after the common
 * header: UINT32 UncompressedLength; UINT8 CompressionType.
 */
export const EFICompressionSectionInfo = struct('EFI_COMPRESSION_SECTION', {
  uncompressedLength: u32le,
  compressionType: u8,
});
export type EFICompressionSectionInfo = Infer<typeof EFICompressionSectionInfo>;

/**
 * The type-specific part of EFI_GUID_DEFINED_SECTION (PI Vol 3, 2.2.5.7): EFI_GUID
 * SectionDefinitionGuid; UINT16 DataOffset (from the start of the section); UINT16 Attributes.
 */
export const EFIGuidDefinedSectionInfo = struct('EFI_GUID_DEFINED_SECTION', {
  sectionDefinitionGuid: EFIGuid,
  dataOffset: u16le,
  attributes: u16le,
});
export type EFIGuidDefinedSectionInfo = Infer<typeof EFIGuidDefinedSectionInfo>;
