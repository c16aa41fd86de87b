/**
 * The PE/COFF image digest EDK II measures (SecurityPkg/Tcg/Tcg2Dxe/MeasureBootPeCoff.c,
 * MeasurePeImageAndExtend; DxeImageVerificationLib HashPeImage uses the same rules): the
 * Authenticode hash (Microsoft "Windows Authenticode Portable Executable Signature Format" §
 * "Calculating the PE Image Hash") with EDK II's quirks:
 *
 * - the optional header magic 0x10B selects PE32 offsets, anything else PE32+ offsets;
 * - headers are hashed up to SizeOfHeaders minus the CheckSum and the Security directory entry;
 * - sections are sorted by PointerToRawData with a stable sort and hashed by file offset;
 * - trailing data always starts at SUM (SizeOfHeaders + every hashed SizeOfRawData) and ends
 *   CertSize (Security directory Size) before the end of the file; the directory's offset is not
 *   used, and a file shorter than SUM + CertSize is refused.
 */
import { DecodeError } from '@tcg2sim/binary-codec';
import { MultiHasher } from '@tcg2sim/hash-lib';
import type { BankDigest, HashProvider, TpmAlgHash } from '@tcg2sim/hash-lib';
import { IMAGE_DIRECTORY_ENTRY, IMAGE_FILE_MACHINE, IMAGE_NT_OPTIONAL_HDR_MAGIC, IMAGE_SIZEOF_SECTION_HEADER, OPTIONAL_HEADER_FIXED_SIZE } from './headers.ts';
import type { ImageSectionHeader } from './headers.ts';
import { parsePeImage } from './parse.ts';
import type { PeImage } from './parse.ts';

/** A half-open byte range [start, end) of the file. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Machines EDK II's PeCoffLoaderGetImageInfo accepts in OVMF's X64 DXE (docs/edk2-dxe.md §7). */
export const EDK2_SUPPORTED_MACHINES: readonly number[] = [
  IMAGE_FILE_MACHINE.I386, IMAGE_FILE_MACHINE.X64, IMAGE_FILE_MACHINE.EBC, IMAGE_FILE_MACHINE.ARM64,
];

const PATH = 'PE/COFF';
const U32 = 0x1_0000_0000;

function refuse(detail: string, offset: number, field: string): never {
  throw new DecodeError('UNSUPPORTED', detail, offset, [PATH, field]);
}

/**
 * Applies the checks of EDK II's PeCoffLoaderGetPeHeader/GetImageInfo to a parsed PE image of
 * `fileSize` bytes. An image that fails them is not measured and not loaded by EDK II.
 * @throws DecodeError `UNSUPPORTED` naming the field at fault
 */
export function checkPeImageLoadable(img: PeImage, fileSize: number, machines: readonly number[] = EDK2_SUPPORTED_MACHINES): void {
  const fh = img.fileHeader;
  const o = img.optionalHeader;
  const fixed = img.format === 'pe32' ? OPTIONAL_HEADER_FIXED_SIZE.PE32 : OPTIONAL_HEADER_FIXED_SIZE.PE32_PLUS;
  const fhAt = img.peHeaderOffset + 4;
  // PeCoffLoaderGetPeHeader reads the 64-byte DOS header and then sizeof
  // (EFI_IMAGE_OPTIONAL_HEADER_UNION) = 264 bytes at the PE header; a short read is unsupported.
  if (fileSize < 64 || img.peHeaderOffset + 264 > fileSize) refuse('file too short for the headers EDK II reads', img.peHeaderOffset, 'signature');
  if (!machines.includes(fh.machine)) refuse(`machine 0x${fh.machine.toString(16)} not supported`, fhAt, 'machine');
  if (fh.sizeOfOptionalHeader !== fixed + 8 * o.numberOfRvaAndSizes) {
    refuse(`SizeOfOptionalHeader ${fh.sizeOfOptionalHeader} != ${fixed} + 8 * ${o.numberOfRvaAndSizes}`, fhAt + 16, 'sizeOfOptionalHeader');
  }
  const secOff = img.sectionTableOffset;
  const n = fh.numberOfSections;
  const optAt = img.optionalHeaderOffset;
  if (o.sizeOfImage <= secOff || Math.floor((o.sizeOfImage - secOff) / IMAGE_SIZEOF_SECTION_HEADER) <= n) {
    refuse(`SizeOfImage 0x${o.sizeOfImage.toString(16)} leaves no room for ${n} sections`, optAt + 56, 'sizeOfImage');
  }
  if (o.sizeOfHeaders <= secOff || o.sizeOfHeaders >= o.sizeOfImage || Math.floor((o.sizeOfHeaders - secOff) / IMAGE_SIZEOF_SECTION_HEADER) < n) {
    refuse(`SizeOfHeaders 0x${o.sizeOfHeaders.toString(16)} is inconsistent with the section table`, optAt + 60, 'sizeOfHeaders');
  }
  if (o.sizeOfHeaders > fileSize) refuse(`SizeOfHeaders 0x${o.sizeOfHeaders.toString(16)} beyond the file`, optAt + 60, 'sizeOfHeaders');
  const sec = img.dataDirectories[IMAGE_DIRECTORY_ENTRY.SECURITY];
  if (sec !== undefined && sec.size !== 0) {
    if (sec.virtualAddress + sec.size >= U32 || sec.virtualAddress + sec.size > fileSize) {
      refuse('security directory ends outside the file', optAt + fixed + 8 * IMAGE_DIRECTORY_ENTRY.SECURITY, 'securityDirectory');
    }
  }
  img.sections.forEach((s, i) => {
    if (s.sizeOfRawData === 0) return;
    const at = secOff + i * IMAGE_SIZEOF_SECTION_HEADER;
    if (s.pointerToRawData + s.sizeOfRawData >= U32) refuse('section raw data overflows 32 bits', at + 20, `sections.${i}`);
    if (s.virtualAddress < o.sizeOfHeaders || s.pointerToRawData < o.sizeOfHeaders) {
      refuse('section overlaps the headers', at + 12, `sections.${i}`);
    }
    if (s.pointerToRawData + s.sizeOfRawData > fileSize) refuse('section raw data ends outside the file', at + 20, `sections.${i}`);
  });
}

/** The sections in the order EDK II hashes them: stable insertion sort by PointerToRawData. */
export function sectionsInHashOrder(sections: readonly ImageSectionHeader[]): ImageSectionHeader[] {
  const out: ImageSectionHeader[] = [];
  for (const s of sections) {
    // Insert after every element whose PointerToRawData is <= this one (strict < moves it): stable.
    let j = out.length;
    while (j > 0 && s.pointerToRawData < (out[j - 1]?.pointerToRawData ?? 0)) j--;
    out.splice(j, 0, s);
  }
  return out;
}

/**
 * The file ranges EDK II hashes for a PE image, in hashing order (zero-length ranges omitted).
 * Parses and checks the image first.
 * @throws DecodeError `BAD_VALUE`/`SHORT_BUFFER` (not a PE file; a TE image has no 'PE\0\0' and is
 *   refused here, as EDK II does), `UNSUPPORTED` (EDK II would refuse it)
 */
export function peImageHashRanges(data: Uint8Array): ByteRange[] {
  const img = parsePeImage(data);
  checkPeImageLoadable(img, data.length);
  const o = img.optionalHeader;
  const O = img.optionalHeaderOffset;
  // The magic test of MeasurePeImageAndExtend: 0x10B is PE32, anything else PE32+.
  const pe32 = o.magic === IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32;
  const dirAt = O + (pe32 ? 96 : 112);
  const n = o.numberOfRvaAndSizes;
  const ranges: ByteRange[] = [];
  const add = (start: number, end: number): void => {
    if (end > start) ranges.push({ start, end });
  };
  const checkSumAt = O + 64;
  add(0, checkSumAt);
  if (n <= IMAGE_DIRECTORY_ENTRY.SECURITY) {
    add(checkSumAt + 4, o.sizeOfHeaders);
  } else {
    const secAt = dirAt + 8 * IMAGE_DIRECTORY_ENTRY.SECURITY;
    add(checkSumAt + 4, secAt);
    add(secAt + 8, o.sizeOfHeaders);
  }
  let sum = o.sizeOfHeaders;
  for (const s of sectionsInHashOrder(img.sections)) {
    if (s.sizeOfRawData === 0) continue;
    add(s.pointerToRawData, s.pointerToRawData + s.sizeOfRawData);
    sum += s.sizeOfRawData;
  }
  if (data.length > sum) {
    const certSize = n > IMAGE_DIRECTORY_ENTRY.SECURITY ? (img.dataDirectories[IMAGE_DIRECTORY_ENTRY.SECURITY]?.size ?? 0) : 0;
    if (data.length < sum + certSize) {
      refuse(`file of ${data.length} bytes is shorter than hashed data ${sum} + certificates ${certSize}`, dirAt + 32, 'securityDirectory');
    }
    add(sum, data.length - certSize);
  }
  return ranges;
}

/**
 * The EDK II PE/COFF image digest of `data` in every bank of `algs` (order kept), as
 * Tcg2Dxe extends it for EV_EFI_BOOT_SERVICES_APPLICATION/DRIVER and EV_EFI_RUNTIME_SERVICES_DRIVER.
 * @throws DecodeError as {@link peImageHashRanges}
 */
export function peImageDigests(data: Uint8Array, algs: Iterable<TpmAlgHash>, provider?: HashProvider): BankDigest[] {
  const ranges = peImageHashRanges(data);
  const h = new MultiHasher(algs, provider);
  for (const r of ranges) h.update(data.subarray(r.start, r.end));
  return h.digest();
}
