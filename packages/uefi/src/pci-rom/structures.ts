/**
 * PCI expansion ROM layouts (PCI Firmware Specification 3.0 §5.1; UEFI 2.9 §14.4.2 for the EFI
 * image header), as EDK II declares them in MdePkg/Include/IndustryStandard/Pci22.h and
 * MdePkg/Include/IndustryStandard/PeImage.h users (EFI_PCI_EXPANSION_ROM_HEADER).
 */
import { fixedBytes, struct, u16le, u32le, u8 } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';

/** PCI_EXPANSION_ROM_HEADER: the first 0x1A bytes of every image in a ROM. */
export const PciExpansionRomHeader = struct('PCI_EXPANSION_ROM_HEADER', {
  signature: u16le,
  reserved: fixedBytes('Reserved', 0x16),
  pcirOffset: u16le,
});
export type PciExpansionRomHeader = Infer<typeof PciExpansionRomHeader>;
export const PCI_EXPANSION_ROM_HEADER_SIZE = 0x1a;

/** EFI_LEGACY_EXPANSION_ROM_HEADER: Size512 of a PC-AT image (byte 2). */
export const LegacyExpansionRomHeader = struct('EFI_LEGACY_EXPANSION_ROM_HEADER', {
  signature: u16le,
  size512: u8,
});

/** EFI_PCI_EXPANSION_ROM_HEADER: the header of an image whose CodeType is 3 (EFI). */
export const EfiPciExpansionRomHeader = struct('EFI_PCI_EXPANSION_ROM_HEADER', {
  signature: u16le,
  /** In 512-byte units: the image bytes the firmware loads, header included. */
  initializationSize: u16le,
  efiSignature: u32le,
  efiSubsystem: u16le,
  efiMachineType: u16le,
  compressionType: u16le,
  reserved: fixedBytes('Reserved', 8),
  efiImageHeaderOffset: u16le,
  pcirOffset: u16le,
});
export type EfiPciExpansionRomHeader = Infer<typeof EfiPciExpansionRomHeader>;
export const EFI_PCI_EXPANSION_ROM_HEADER_SIZE = 0x1c;

/** PCI_DATA_STRUCTURE ("PCIR"), the 24 bytes EDK II reads. */
export const PciDataStructure = struct('PCI_DATA_STRUCTURE', {
  signature: u32le,
  vendorId: u16le,
  deviceId: u16le,
  reserved0: u16le,
  length: u16le,
  revision: u8,
  classCode: fixedBytes('ClassCode', 3),
  /** In 512-byte units. */
  imageLength: u16le,
  codeRevision: u16le,
  codeType: u8,
  /** Bit 7: last image in the ROM. */
  indicator: u8,
  reserved1: u16le,
});
export type PciDataStructure = Infer<typeof PciDataStructure>;
export const PCI_DATA_STRUCTURE_SIZE = 0x18;

/** Constants of the formats (MdePkg/Include/IndustryStandard/Pci22.h, PeImage.h). */
export const PCI_ROM = {
  /** PCI_EXPANSION_ROM_HEADER_SIGNATURE (0xAA55). */
  HEADER_SIGNATURE: 0xaa55,
  /** PCI_DATA_STRUCTURE_SIGNATURE ("PCIR"). */
  PCIR_SIGNATURE: 0x52494350,
  /** EFI_PCI_EXPANSION_ROM_HEADER_EFISIGNATURE. */
  EFI_SIGNATURE: 0x0ef1,
  /** PCI_CODE_TYPE_PCAT_IMAGE. */
  CODE_TYPE_PCAT: 0x00,
  /** PCI_CODE_TYPE_EFI_IMAGE. */
  CODE_TYPE_EFI: 0x03,
  /** EFI_PCI_EXPANSION_ROM_HEADER_COMPRESSED: UEFI (EFI) compression. */
  COMPRESSED: 0x0001,
  /** Indicator bit: last image. */
  LAST_IMAGE: 0x80,
} as const;
