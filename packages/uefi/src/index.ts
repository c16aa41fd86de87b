/** @tcg2sim/uefi: UEFI/PI images: firmware volumes, FFS files, sections and decompressors, PE/COFF Authenticode, device paths, load options, variable stores. */

// PE/COFF
export {
  IMAGE_DOS_SIGNATURE, IMAGE_NT_SIGNATURE, EFI_TE_IMAGE_HEADER_SIGNATURE, IMAGE_NT_OPTIONAL_HDR_MAGIC,
  IMAGE_FILE_MACHINE, IMAGE_SUBSYSTEM, IMAGE_DIRECTORY_ENTRY, IMAGE_NUMBER_OF_DIRECTORY_ENTRIES,
  IMAGE_SIZEOF_SECTION_HEADER, IMAGE_SIZEOF_FILE_HEADER, OPTIONAL_HEADER_FIXED_SIZE, EFI_TE_IMAGE_HEADER_SIZE,
  ImageDosHeader, ImageFileHeader, ImageDataDirectory, ImageOptionalHeader32, ImageOptionalHeader64,
  ImageSectionHeader, EFITeImageHeader, sectionName,
} from './pe/headers.ts';
export { parsePeImage, parseTeImage, parseEfiImage, imageInfo, teSectionFileOffset } from './pe/parse.ts';
export type { PeImage, Pe32Image, Pe32PlusImage, TeImage, EfiImage, EfiImageInfo } from './pe/parse.ts';
export {
  EDK2_SUPPORTED_MACHINES, checkPeImageLoadable, sectionsInHashOrder, peImageHashRanges, peImageDigests,
} from './pe/image-hash.ts';
export type { ByteRange } from './pe/image-hash.ts';

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
