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
  EFICommonSectionHeader, EFICommonSectionHeader2, EFICompressionSectionInfo, EFIGuidDefinedSectionInfo,
  FVH_FIXED_SIZE, FFS_HEADER_SIZE, FFS_HEADER2_SIZE,
} from './fv/structures.ts';
export { FvError } from './fv/errors.ts';
export type { FvErrorCode } from './fv/errors.ts';
export { DEFAULT_FV_LIMITS } from './fv/context.ts';
export type { FvLimits, FvParseOptions } from './fv/context.ts';
export { sectionExtractors, standardDecompress, BUILTIN_GUIDED_EXTRACTORS } from './fv/extractors.ts';
export type {
  StandardDecompressor, GuidedSectionExtractor, GuidedSectionInput, GuidedSectionOutput, SectionExtractors,
} from './fv/extractors.ts';
export { parseFirmwareVolume } from './fv/volume.ts';
export { findVolumeOffsets, findDamagedVolumeHeaders, parseFlashImage, findFileByGuid, findFilesByGuid } from './fv/flash.ts';
export { parseFlashImageAsync, MAX_ASYNC_SECTIONS } from './fv/flash-async.ts';
export type { VolumeCandidate, VolumeHeaderDamage, FlashImage } from './fv/flash.ts';
export { fvChildren, walkFv } from './fv/types.ts';
export type {
  FvNode, FvNodeLocation, FirmwareVolume, FfsFile, FvSection, FvSectionProcessing, FvFileSystem,
} from './fv/types.ts';
export { guidName } from './fv/guid-names.ts';
export { EFI_DEP, decodeDepex, depexOpText } from './fv/depex.ts';
export type { DepexOp } from './fv/depex.ts';
export { lzmaDecompress, lzmaDecompressAsync, adoptLzmaDecode, readLzmaHeader, LZMA_HEADER_SIZE, LzmaAloneHeader, lzmaCompress } from './compress/lzma.ts';
export type { LzmaHeader } from './compress/lzma.ts';
export { bcjX86Convert, bcjX86Decode, bcjX86Encode } from './compress/bcj-x86.ts';
export type { BcjX86State } from './compress/bcj-x86.ts';
export { brotliSectionDecompress, readBrotliSectionHeader, BROTLI_SECTION_HEADER_SIZE } from './compress/brotli.ts';
export type { BrotliSectionHeader } from './compress/brotli.ts';

// PE/COFF
export {
  IMAGE_DOS_SIGNATURE, IMAGE_NT_SIGNATURE, EFI_TE_IMAGE_HEADER_SIGNATURE, IMAGE_NT_OPTIONAL_HDR_MAGIC,
  IMAGE_FILE_MACHINE, IMAGE_SUBSYSTEM, IMAGE_DIRECTORY_ENTRY, IMAGE_NUMBER_OF_DIRECTORY_ENTRIES,
  IMAGE_SIZEOF_SECTION_HEADER, IMAGE_SIZEOF_FILE_HEADER, OPTIONAL_HEADER_FIXED_SIZE, EFI_TE_IMAGE_HEADER_SIZE,
  ImageDosHeader, ImageFileHeader, ImageDataDirectory, ImageOptionalHeader32, ImageOptionalHeader64,
  ImageSectionHeader, EFITeImageHeader, sectionName,
} from './pe/headers.ts';
export { parsePeImage, parseTeImage, parseEfiImage, efiImageInfo, imageInfo, teSectionFileOffset } from './pe/parse.ts';
export type { PeImage, Pe32Image, Pe32PlusImage, TeImage, EfiImage, EfiImageInfo } from './pe/parse.ts';
export {
  EDK2_SUPPORTED_MACHINES, checkPeImageLoadable, sectionsInHashOrder, peImageHashRanges, peImageDigests,
} from './pe/image-hash.ts';
export type { ByteRange } from './pe/image-hash.ts';

// variable stores
export {
  SYSTEM_NV_DATA_FV_GUID, AUTHENTICATED_VARIABLE_GUID, VARIABLE_GUID, WORKING_BLOCK_SIGNATURE_GUID,
  VARIABLE_RUNTIME_DXE_FILE_GUID, FAULT_TOLERANT_WRITE_DXE_FILE_GUID, VENDOR_GUID, VARIABLE_DATA, VAR_STATE, VAR_ADDED_IN_TRANSITION, VARIABLE_ATTRIBUTE,
  AUTH_VARIABLE_HEADER_SIZE, attributeNames, parseAttributes,
} from './varstore/constants.ts';
export type { VariableAttributeName } from './varstore/constants.ts';
export { VarStoreError } from './varstore/errors.ts';
export type { VarStoreErrorCode } from './varstore/errors.ts';
export {
  VariableStoreHeader, EFITime, AuthenticatedVariableHeader, VariableHeader, FtwWorkingBlockHeader,
  FtwWriteHeader, FtwWriteRecord, ZERO_EFI_TIME,
} from './varstore/structures.ts';
export { parseNvLayout, locateNvLayout, ovmfFtwAreas } from './varstore/layout.ts';
export type { NvLayout, FtwAreas, LocatedLayout } from './varstore/layout.ts';
export { walkStore, encodeVariableName, decodeVariableName } from './varstore/records.ts';
export type { VariableRecord, StoreWalk } from './varstore/records.ts';
export { findRecord, liveRecords } from './varstore/lookup.ts';
export type { FoundVariable } from './varstore/lookup.ts';
export { NorFlash, PowerLossError } from './varstore/flash.ts';
export type { FlashStats, NorFlashOptions } from './varstore/flash.ts';
export { FtwDevice, expectedWorkingBlockHeader } from './varstore/ftw.ts';
export { readFtwInfo } from './varstore/ftw-info.ts';
export type { FtwInfo, FtwWriteInfo, FtwRecordInfo } from './varstore/ftw-info.ts';
export { NvVariableService } from './varstore/variable-service.ts';
export type { SetVariableRequest, SetVariableOutcome } from './varstore/variable-service.ts';
export { formatVarStore } from './varstore/format.ts';
export type { VarStoreFormat } from './varstore/format.ts';
export {
  openVarStore, readVarStore, listVariables, getVariable, snapshotVariables, setVariable, deleteVariable, recoverVarStore,
} from './varstore/api.ts';
export type {
  VarStoreLocation, UefiVariable, VarStoreReport, VariableSnapshot, WriteOptions, WriteResult,
} from './varstore/api.ts';
// compression: tiano
export { tianoDecompress, tianoStreamSizes, TIANO, TIANO_VARIANT } from './compress/tiano.ts';
export type { TianoVariant } from './compress/tiano.ts';
export { tianoCompress, huffmanLengths } from './compress/tiano-encode.ts';
export type { TianoCompressOptions } from './compress/tiano-encode.ts';

// device paths
export {
  DEVICE_PATH_TYPE, END_SUBTYPE, isEndEntire, isEndInstance, readDevicePath, decodeDevicePath, decodeDevicePathList,
  encodeDevicePath, encodeDevicePathNode,
} from './device-path/node.ts';
export type { DevicePathNode, DevicePath, DevicePathLimits } from './device-path/node.ts';
export { devicePathToText, devicePathFromText, devicePathNodeToText, devicePathNodeFromText } from './device-path/text.ts';
export type { DevicePathTextOptions } from './device-path/text.ts';
export {
  PciDevicePath, PcCardDevicePath, MemMapDevicePath, VendorDevicePath, ControllerDevicePath, BmcDevicePath,
  AcpiHidDevicePath, AcpiExtendedHidDevicePath, AcpiAdrDevicePath, eisaPnpId, eisaIdText,
} from './device-path/forms-hw-acpi.ts';
export {
  AtapiDevicePath, ScsiDevicePath, FibreChannelDevicePath, UsbDevicePath, MacAddrDevicePath, Ipv4DevicePath,
  Ipv6DevicePath, UartDevicePath, UsbClassDevicePath, DeviceLogicalUnitDevicePath, SataDevicePath, VlanDevicePath,
  NvmeNamespaceDevicePath, UriDevicePath, UartFlowControlDevicePath, MSG_VENDOR_GUID,
} from './device-path/forms-msg.ts';
export {
  HardDriveDevicePath, CdromDevicePath, FilePathDevicePath, MediaProtocolDevicePath, MediaFwVolFilePathDevicePath,
  MediaFwVolDevicePath, MediaRelativeOffsetRangeDevicePath, BbsBbsDevicePath, char16ZToString, stringToChar16Z,
} from './device-path/forms-media.ts';

// load options
export {
  LOAD_OPTION, MAX_LOAD_OPTION_DESCRIPTION, EFILoadOption, efiLoadOptionCodec, decodeLoadOption, encodeLoadOption, makeLoadOption,
} from './load-option.ts';
export type { EfiLoadOption, LoadOptionInit } from './load-option.ts';

// raw disks: GPT, FAT, the removable-media boot loader
export { DiskError } from './disk/errors.ts';
export type { DiskErrorCode } from './disk/errors.ts';
export { SECTOR_SIZE, bytesDiskSource } from './disk/source.ts';
export type { DiskSource } from './disk/source.ts';
export { GptHeader, GptEntry, GPT_HEADER_SIZE, ESP_PARTITION_TYPE, DEFAULT_GPT_LIMITS, readGpt } from './disk/gpt.ts';
export type { GptLimits, GptPartition, GptTable } from './disk/gpt.ts';
export { FatBpb, Fat32Bpb, FatDirEntry, FatVolume, DEFAULT_FAT_LIMITS } from './disk/fat.ts';
export type { FatKind, FatLimits, FatDirectoryEntry } from './disk/fat.ts';
export { REMOVABLE_MEDIA_FILE_NAME_X64, REMOVABLE_MEDIA_FILE_NAME_AA64, findDiskBootLoader } from './disk/boot-loader.ts';
export type { DiskBootLoader } from './disk/boot-loader.ts';
// firmware volume writer
export {
  leafSection, pe32Section, rawSection, userInterfaceSection, fvImageSection, sectionStream, guidDefinedSection, lzmaSection,
  SECTION_ALIGNMENT,
} from './fv-build/section.ts';
export { ffsFile, padFile, fileData, dataValidState, alignmentAttributes, PAD_FILE_NAME, FFS2_MAX_FILE_SIZE } from './fv-build/ffs.ts';
export type { FfsFileSpec } from './fv-build/ffs.ts';
export { buildFirmwareVolume, OVMF_FV_ATTRIBUTES } from './fv-build/volume.ts';
export type { FirmwareVolumeSpec } from './fv-build/volume.ts';
export { assembleFlashImage } from './fv-build/flash.ts';
export type { FlashRegion } from './fv-build/flash.ts';
export { buildPeImage, minimalEfiImage, IMAGE_SCN, RETURN_EFI_SUCCESS_CODE } from './pe/pe-build.ts';
export type { PeBuildSpec, PeBuildSection } from './pe/pe-build.ts';

// Secure Boot (DxeImageVerificationLib, edk2-stable202211)
export {
  WinCertificate, WinCertificateUefiGuid, securityDirectory, readCertificateTable, authenticodeHashOf, authenticodeImageDigest,
} from './pe/authenticode-signature.ts';
export type { CertificateTable, CertificateTableEntry } from './pe/authenticode-signature.ts';
export {
  EFI_IMAGE_SECURITY_DATABASE_GUID, EFI_CERT_TYPE, EFI_CERT_TYPE_RSA2048_SHA256_GUID, WIN_CERT_TYPE, WIN_CERTIFICATE_SIZE,
  WIN_CERTIFICATE_UEFI_GUID_DATA_OFFSET, EFI_SIGNATURE_LIST_SIZE, EFI_SIGNATURE_DATA_HEADER_SIZE, IMAGE_VERIFICATION_POLICY,
  AUTHENTICODE_HASHES, OID, PKCS7_DIGESTS,
} from './secure-boot/constants.ts';
export type { EfiCertType, AuthenticodeHash } from './secure-boot/constants.ts';
export { secureBootState } from './secure-boot/secure-boot-state.ts';
export type { SecureBootState } from './secure-boot/secure-boot-state.ts';
export { DER_TAG, DER_MAX_CHILDREN, readDer, expectDer, derChildren, derSequence, oidToString, oidFromString, derHeader } from './secure-boot/der.ts';
export type { DerNode } from './secure-boot/der.ts';
export {
  EFISignatureListHeader, EFISignatureDataHeader, SIGNATURE_LIST_LIMITS, parseSignatureLists, encodeSignatureList,
} from './secure-boot/signature-list.ts';
export type { SignatureEntry, SignatureList, SignatureListInput } from './secure-boot/signature-list.ts';
export { parseX509, x509CheckCa, KU_KEY_CERT_SIGN, OPENSSL_SUPPORTED_EXTENSIONS } from './secure-boot/x509.ts';
export type { X509Info } from './secure-boot/x509.ts';
export { parsePkcs7SignedData, parseSpcIndirectData, PKCS7_MAX_CERTIFICATES } from './secure-boot/pkcs7.ts';
export type { Pkcs7SignedData, Pkcs7SignerInfo, SpcIndirectData } from './secure-boot/pkcs7.ts';
export {
  MAX_CHAIN_LENGTH, isWrappedPkcs7, pkcs7GetSigners, chainsTo, pkcs7Verify, spcIndirectDataDigest, authenticodeVerify, certificateLabel,
} from './secure-boot/authenticode-verify.ts';
export {
  SecureBootError, OVMF_IMAGE_VERIFICATION_POLICIES, verifyImage,
} from './secure-boot/image-verification.ts';
export type {
  SecureBootErrorCode, ImageOrigin as SecureBootImageOrigin, ImageVerificationPolicies, SecureBootVariables, AuthorityMatch,
  ImageExecutionAction, ImageVerificationResult, ImageVerificationInput,
} from './secure-boot/image-verification.ts';

// PCI option ROMs (PciBusDxe's view)
export { PciRomError } from './pci-rom/errors.ts';
export type { PciRomErrorCode } from './pci-rom/errors.ts';
export {
  PciExpansionRomHeader, EfiPciExpansionRomHeader, PciDataStructure, PCI_ROM, PCI_DATA_STRUCTURE_SIZE,
  EFI_PCI_EXPANSION_ROM_HEADER_SIZE, PCI_EXPANSION_ROM_HEADER_SIZE,
} from './pci-rom/structures.ts';
export { loadOptionRom, optionRomDrivers, MAX_OPTION_ROM_IMAGE } from './pci-rom/option-rom.ts';
export type { OptionRomInMemory, OptionRomDriver } from './pci-rom/option-rom.ts';
