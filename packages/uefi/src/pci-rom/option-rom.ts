/**
 * PCI option ROMs as EDK II's PciBusDxe reads them (MdeModulePkg/Bus/Pci/PciBusDxe/
 * PciOptionRomSupport.c): LoadOpRomImage copies the images from the ROM BAR into memory,
 * ProcessOpRomImage loads every EFI driver image from that copy through LocalLoadFile2, with the
 * device path node Offset(start,end) of the image in the ROM. The ROM is outside input: where
 * PciBus would read outside what it copied, assert, or loop forever, this throws PciRomError.
 */
import { Tcg2Error, decodeFirst } from '@tcg2sim/binary-codec';
import { tianoDecompress } from '../compress/tiano.ts';
import { IMAGE_SUBSYSTEM } from '../pe/headers.ts';
import { PciRomError } from './errors.ts';
import {
  EFI_PCI_EXPANSION_ROM_HEADER_SIZE, EfiPciExpansionRomHeader, LegacyExpansionRomHeader, PCI_DATA_STRUCTURE_SIZE,
  PCI_EXPANSION_ROM_HEADER_SIZE, PCI_ROM, PciDataStructure, PciExpansionRomHeader,
} from './structures.ts';
import type { EfiPciExpansionRomHeader as EfiHeader, PciDataStructure as Pcir } from './structures.ts';

/** Bound on an image's decompressed size (EFI_DECOMPRESS_PROTOCOL's OriginalSize). */
export const MAX_OPTION_ROM_IMAGE = 16 * 1024 * 1024;

/** What LoadOpRomImage copies into memory: the ROM images up to the last one. */
export interface OptionRomInMemory {
  /** The ROM file's name, for errors. */
  readonly file: string;
  /** PciIo.RomSize: the bytes copied (every image's ImageLength, at least a legacy image's Size512). */
  readonly romSize: number;
  /** PciIo.RomImage: the copy. */
  readonly bytes: Uint8Array;
}

/** One EFI image of the ROM that ProcessOpRomImage hands to LoadImage. */
export interface OptionRomDriver {
  /** MEDIA_RELATIVE_OFFSET_RANGE StartingOffset: the image's offset in the ROM. */
  readonly startingOffset: number;
  /** EndingOffset: StartingOffset + ImageLength × 512 − 1. */
  readonly endingOffset: number;
  readonly header: EfiHeader;
  readonly pcir: Pcir;
  /**
   * LocalLoadFile2's result: the PE image (decompressed when CompressionType is 1), or the status
   * that makes LoadImage fail before any security handler sees a buffer.
   */
  readonly load:
    | { readonly status: 'EFI_SUCCESS'; readonly image: Uint8Array }
    | { readonly status: 'EFI_INVALID_PARAMETER' | 'EFI_NOT_FOUND' | 'EFI_DEVICE_ERROR'; readonly reason: string };
}

function readPcir(rom: Uint8Array, file: string, at: number, bound: number): Pcir {
  if (at + PCI_DATA_STRUCTURE_SIZE > bound) {
    throw new PciRomError('SHORT_ROM', file, 'PCI_DATA_STRUCTURE', at, `needs ${PCI_DATA_STRUCTURE_SIZE} bytes, ${Math.max(0, bound - at)} available`);
  }
  return decodeFirst(PciDataStructure, rom.subarray(at, at + PCI_DATA_STRUCTURE_SIZE))[0];
}

/**
 * LoadOpRomImage: walks the images in the ROM BAR (`bar`: the whole BAR as the device decodes
 * it) and returns what PciBus copies. Throws NO_IMAGE when it would copy nothing (no ROM),
 * ENDLESS_ROM for an image PciBus would walk forever, SHORT_ROM when a legacy image claims more
 * than the BAR.
 */
export function loadOptionRom(bar: Uint8Array, file: string): OptionRomInMemory {
  const romSize = bar.length;
  let offset = 0;
  let imageSize = 0;
  let firstCheck = true;
  let legacyLength = 0;
  let pcat = false;
  let indicator = 0;
  do {
    if (offset + PCI_EXPANSION_ROM_HEADER_SIZE > romSize) {
      throw new PciRomError('SHORT_ROM', file, 'PCI_EXPANSION_ROM_HEADER', offset, `needs ${PCI_EXPANSION_ROM_HEADER_SIZE} bytes, the ROM BAR has ${Math.max(0, romSize - offset)}`);
    }
    const header = decodeFirst(PciExpansionRomHeader, bar.subarray(offset, offset + PCI_EXPANSION_ROM_HEADER_SIZE))[0];
    if (header.signature !== PCI_ROM.HEADER_SIGNATURE) {
      offset += 512;
      if (firstCheck) break;
      imageSize += 512;
      continue;
    }
    firstCheck = false;
    const pcirOffset = header.pcirOffset;
    if (pcirOffset === 0 || (pcirOffset & 3) !== 0 || imageSize + pcirOffset + PCI_DATA_STRUCTURE_SIZE > romSize) break;
    const pcir = readPcir(bar, file, offset + pcirOffset, romSize);
    if (pcir.signature !== PCI_ROM.PCIR_SIGNATURE) break;
    if (imageSize + pcir.imageLength * 512 > romSize) break;
    if (pcir.imageLength === 0 && (pcir.indicator & PCI_ROM.LAST_IMAGE) === 0) {
      throw new PciRomError('ENDLESS_ROM', file, 'PCI_DATA_STRUCTURE', offset + pcirOffset, 'ImageLength 0 on an image that is not the last: PciBus would read this image forever');
    }
    if (pcir.codeType === PCI_ROM.CODE_TYPE_PCAT) {
      pcat = true;
      legacyLength = decodeFirst(LegacyExpansionRomHeader, bar.subarray(offset, offset + 3))[0].size512 * 512;
    }
    indicator = pcir.indicator;
    imageSize += pcir.imageLength * 512;
    offset += pcir.imageLength * 512;
  } while ((indicator & PCI_ROM.LAST_IMAGE) === 0 && offset < romSize);
  if (pcat) imageSize = Math.max(imageSize, legacyLength);
  if (imageSize === 0) {
    throw new PciRomError('NO_IMAGE', file, 'PCI_EXPANSION_ROM_HEADER', 0, 'no image with a 0xAA55 signature and a valid PCI data structure: PciBus loads nothing from this ROM');
  }
  if (imageSize > romSize) {
    throw new PciRomError('SHORT_ROM', file, 'EFI_LEGACY_EXPANSION_ROM_HEADER', 0, `a legacy image of ${legacyLength} bytes in a ROM BAR of ${romSize}`);
  }
  return { file, romSize: imageSize, bytes: bar.subarray(0, imageSize) };
}

/**
 * ProcessOpRomImage: every EFI image that is not an application, with its Offset() range and
 * what LocalLoadFile2 returns for it, in ROM order.
 */
export function optionRomDrivers(rom: OptionRomInMemory, maxImage = MAX_OPTION_ROM_IMAGE): OptionRomDriver[] {
  const { bytes, file, romSize } = rom;
  const out: OptionRomDriver[] = [];
  let offset = 0;
  let indicator = 0;
  do {
    if (offset + EFI_PCI_EXPANSION_ROM_HEADER_SIZE > romSize) {
      throw new PciRomError('SHORT_ROM', file, 'EFI_PCI_EXPANSION_ROM_HEADER', offset, `needs ${EFI_PCI_EXPANSION_ROM_HEADER_SIZE} bytes, PciBus copied ${Math.max(0, romSize - offset)} from here`);
    }
    const header = decodeFirst(EfiPciExpansionRomHeader, bytes.subarray(offset, offset + EFI_PCI_EXPANSION_ROM_HEADER_SIZE))[0];
    if (header.signature !== PCI_ROM.HEADER_SIGNATURE) {
      offset += 512;
      continue;
    }
    const pcirAt = offset + header.pcirOffset;
    const pcir = readPcir(bytes, file, pcirAt, romSize);
    if (pcir.signature !== PCI_ROM.PCIR_SIGNATURE) {
      throw new PciRomError('BAD_PCIR', file, 'PCI_DATA_STRUCTURE', pcirAt, 'no "PCIR" signature where the image header points (PciBus asserts one)');
    }
    const imageSize = pcir.imageLength * 512;
    indicator = pcir.indicator;
    if (imageSize === 0 && (indicator & PCI_ROM.LAST_IMAGE) === 0) {
      throw new PciRomError('ENDLESS_ROM', file, 'PCI_DATA_STRUCTURE', pcirAt, 'ImageLength 0 on an image that is not the last: PciBus would read this image forever');
    }
    if (pcir.codeType === PCI_ROM.CODE_TYPE_EFI && header.efiSubsystem !== IMAGE_SUBSYSTEM.EFI_APPLICATION) {
      const endingOffset = offset + imageSize - 1;
      out.push({ startingOffset: offset, endingOffset, header, pcir, load: localLoadFile2(rom, offset, endingOffset, header, pcir, maxImage) });
    }
    offset += imageSize;
  } while ((indicator & PCI_ROM.LAST_IMAGE) === 0 && offset < romSize);
  return out;
}

/** LocalLoadFile2 for Offset(start,end) on the ROM copy. */
function localLoadFile2(rom: OptionRomInMemory, start: number, end: number, h: EfiHeader, pcir: Pcir, maxImage: number): OptionRomDriver['load'] {
  if (start > end || end >= rom.romSize) {
    return { status: 'EFI_INVALID_PARAMETER', reason: `Offset(0x${start.toString(16)},0x${end.toString(16)}) is not inside the ${rom.romSize} bytes PciBus copied` };
  }
  const efi = pcir.codeType === PCI_ROM.CODE_TYPE_EFI && h.efiSignature === PCI_ROM.EFI_SIGNATURE
    && (h.efiSubsystem === IMAGE_SUBSYSTEM.EFI_BOOT_SERVICE_DRIVER || h.efiSubsystem === IMAGE_SUBSYSTEM.EFI_RUNTIME_DRIVER)
    && h.compressionType <= PCI_ROM.COMPRESSED;
  if (!efi) {
    return { status: 'EFI_NOT_FOUND', reason: `not an EFI driver image (EfiSignature 0x${h.efiSignature.toString(16)}, subsystem ${h.efiSubsystem}, CompressionType ${h.compressionType})` };
  }
  const imageSize = pcir.imageLength * 512;
  const initSize = h.initializationSize * 512;
  if (initSize > imageSize || h.efiImageHeaderOffset >= initSize) {
    return { status: 'EFI_NOT_FOUND', reason: `InitializationSize ${initSize} / EfiImageHeaderOffset 0x${h.efiImageHeaderOffset.toString(16)} do not fit the image's ${imageSize} bytes` };
  }
  const from = start + h.efiImageHeaderOffset;
  const to = start + initSize;
  if (to > rom.romSize) {
    throw new PciRomError('SHORT_ROM', rom.file, 'EFI_PCI_EXPANSION_ROM_HEADER', start, `the EFI image reaches 0x${to.toString(16)}, past the ${rom.romSize} bytes PciBus copied`);
  }
  const data = rom.bytes.subarray(from, to);
  if (h.compressionType !== PCI_ROM.COMPRESSED) return { status: 'EFI_SUCCESS', image: data };
  // EFI_DECOMPRESS_PROTOCOL.GetInfo, then Decompress (UEFI 2.9 §19.5: the EFI variant).
  if (data.length < 8) return { status: 'EFI_DEVICE_ERROR', reason: 'compressed image shorter than its 8-byte header' };
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const compressedSize = dv.getUint32(0, true);
  const originalSize = dv.getUint32(4, true);
  if (compressedSize + 8 > data.length) return { status: 'EFI_DEVICE_ERROR', reason: `CompressedSize ${compressedSize} exceeds the ${data.length - 8} bytes after the header` };
  if (originalSize > maxImage) {
    throw new PciRomError('LIMIT_EXCEEDED', rom.file, 'EFI compressed image', from + 4, `OriginalSize ${originalSize} exceeds the limit ${maxImage}`);
  }
  try {
    return { status: 'EFI_SUCCESS', image: tianoDecompress(data, maxImage, 'efi') };
  } catch (e) {
    if (!(e instanceof Tcg2Error)) throw e;
    return { status: 'EFI_DEVICE_ERROR', reason: `decompression failed: ${e.message}` };
  }
}
