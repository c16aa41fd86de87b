/** @tcg2sim/uefi: UEFI/PI images: firmware volumes, FFS files, sections and decompressors, PE/COFF Authenticode, device paths, load options, variable stores. */

// firmware volumes
export {
  FFS2_GUID, FFS3_GUID, FVH_SIGNATURE, EFI_FVB2, EFI_FV_FILETYPE, FFS_ATTRIB, FFS_FIXED_CHECKSUM,
  EFI_FILE_STATE, EFI_SECTION, EFI_COMPRESSION, EFI_GUIDED_SECTION, SECTION_GUID,
  fileTypeName, fileHasSections, fileState, sectionTypeName, isKnownSectionType,
} from './fv/constants.ts';
export type { FfsFileState } from './fv/constants.ts';
export {
  EFIFirmwareVolumeHeader, EFIFvBlockMapEntry, EFIFirmwareVolumeExtHeader, EFIFfsFileHeader,
  EFICommonSectionHeader, EFICompressionSectionInfo, EFIGuidDefinedSectionInfo,
  FVH_FIXED_SIZE, FFS_HEADER_SIZE, FFS_HEADER2_SIZE,
} from './fv/structures.ts';
export { FvError } from './fv/errors.ts';
export type { FvErrorCode } from './fv/errors.ts';
export { DEFAULT_FV_LIMITS } from './fv/context.ts';
export type { FvLimits, FvParseOptions } from './fv/context.ts';
export { sectionExtractors, BUILTIN_GUIDED_EXTRACTORS } from './fv/extractors.ts';
export type {
  StandardDecompressor, GuidedSectionExtractor, GuidedSectionInput, GuidedSectionOutput, SectionExtractors,
} from './fv/extractors.ts';
export { parseFirmwareVolume } from './fv/volume.ts';
export { findVolumeOffsets, parseFlashImage, findFileByGuid, findFilesByGuid } from './fv/flash.ts';
export type { VolumeCandidate, FlashImage } from './fv/flash.ts';
export { fvChildren, walkFv } from './fv/types.ts';
export type {
  FvNode, FvNodeLocation, FirmwareVolume, FfsFile, FvSection, FvSectionProcessing, FvFileSystem,
} from './fv/types.ts';
export { guidName } from './fv/guid-names.ts';
export { EFI_DEP, decodeDepex, depexOpText } from './fv/depex.ts';
export type { DepexOp } from './fv/depex.ts';
export { lzmaDecompress, readLzmaHeader, LZMA_HEADER_SIZE } from './compress/lzma.ts';
export type { LzmaHeader } from './compress/lzma.ts';
export { bcjX86Convert, bcjX86Decode, bcjX86Encode } from './compress/bcj-x86.ts';
export type { BcjX86State } from './compress/bcj-x86.ts';
export { brotliSectionDecompress, readBrotliSectionHeader, BROTLI_SECTION_HEADER_SIZE } from './compress/brotli.ts';
export type { BrotliSectionHeader } from './compress/brotli.ts';
