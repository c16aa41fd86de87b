/**
 * Writing sections (UEFI PI Specification 1.7, Volume 3, 2.2.4-2.2.5), the way EDK II's GenSec
 * lays them out: a common header (EFI_COMMON_SECTION_HEADER, or EFI_COMMON_SECTION_HEADER2 from
 * 16 MiB on), the type-specific header, the body. Headers are encoded with the layouts of
 * `fv/structures.ts`; nothing here declares a layout of its own.
 */
import { concatBytes, encode } from '@tcg2sim/binary-codec';
import { lzmaCompress } from '../compress/lzma.ts';
import { EFI_GUIDED_SECTION, EFI_SECTION, SECTION_GUID } from '../fv/constants.ts';
import {
  EFICommonSectionHeader, EFICommonSectionHeader2, EFIGuidDefinedSectionInfo, SECTION_SIZE_EXTENDED,
} from '../fv/structures.ts';

/** Size of EFI_COMMON_SECTION_HEADER / EFI_COMMON_SECTION_HEADER2. */
const COMMON_HEADER_SIZE = 4;
const COMMON_HEADER2_SIZE = 8;
/** EFI_GUID_DEFINED_SECTION after the common header: SectionDefinitionGuid, DataOffset, Attributes. */
const GUID_DEFINED_INFO_SIZE = 20;
/** Sections start on 4-byte boundaries (PI Vol 3, 2.2.4). */
export const SECTION_ALIGNMENT = 4;


function atype(type: number): void {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`"type" expected a section type 0..255, got ${String(type)}`);
}

/**
 * The common header for a section of `size` bytes that would have a 4-byte header: returns the
 * header (4 or 8 bytes). Sizes from 0xFFFFFF on take EFI_COMMON_SECTION_HEADER2.
 */
function commonHeader(type: number, bodyLength: number): Uint8Array {
  const small = COMMON_HEADER_SIZE + bodyLength;
  if (small < SECTION_SIZE_EXTENDED) return encode(EFICommonSectionHeader, { size: small, type });
  const large = COMMON_HEADER2_SIZE + bodyLength;
  if (large > 0xffffffff) throw new RangeError(`section of ${large} bytes does not fit ExtendedSize`);
  return encode(EFICommonSectionHeader2, { size: SECTION_SIZE_EXTENDED, type, extendedSize: large });
}

/**
 * A section of `type` whose bytes after the common header are `body` (for leaf sections: PE32,
 * TE, RAW, PIC, DEPEX…; `body` is the whole content after the 4-byte header).
 * @throws RangeError for a type outside 0..255 or a size beyond UINT32
 */
export function leafSection(type: number, body: Uint8Array): Uint8Array {
  atype(type);
  return concatBytes(commonHeader(type, body.length), body);
}

/** EFI_SECTION_PE32 holding `image`. */
export function pe32Section(image: Uint8Array): Uint8Array {
  return leafSection(EFI_SECTION.PE32, image);
}

/** EFI_SECTION_RAW holding `data`. */
export function rawSection(data: Uint8Array): Uint8Array {
  return leafSection(EFI_SECTION.RAW, data);
}

/** EFI_SECTION_USER_INTERFACE: the name as NUL-terminated UCS-2 (PI Vol 3, 2.2.5.11). */
export function userInterfaceSection(name: string): Uint8Array {
  const body = new Uint8Array((name.length + 1) * 2);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    body[2 * i] = c & 0xff;
    body[2 * i + 1] = c >>> 8;
  }
  return leafSection(EFI_SECTION.USER_INTERFACE, body);
}

/** EFI_SECTION_FIRMWARE_VOLUME_IMAGE holding the volume `fv`. */
export function fvImageSection(fv: Uint8Array): Uint8Array {
  return leafSection(EFI_SECTION.FIRMWARE_VOLUME_IMAGE, fv);
}

/**
 * Sections concatenated into one section stream: each section starts on a 4-byte boundary
 * relative to the start of the stream (PI Vol 3, 2.2.4), the gaps filled with zeros as GenFfs
 * does. `at` is where the stream starts relative to the alignment origin (0 for file data).
 */
export function sectionStream(sections: readonly Uint8Array[], at = 0): Uint8Array {
  const parts: Uint8Array[] = [];
  let pos = at;
  for (const s of sections) {
    const pad = (SECTION_ALIGNMENT - (pos % SECTION_ALIGNMENT)) % SECTION_ALIGNMENT;
    if (pad > 0) parts.push(new Uint8Array(pad));
    parts.push(s);
    pos += pad + s.length;
  }
  return concatBytes(...parts);
}

/**
 * EFI_SECTION_GUID_DEFINED (PI Vol 3, 2.2.5.7): the fixed header, `headerExtra` (GUID-specific
 * bytes such as a CRC32), then `data` at DataOffset.
 */
export function guidDefinedSection(guid: string, attributes: number, data: Uint8Array, headerExtra: Uint8Array = new Uint8Array()): Uint8Array {
  const fixed = GUID_DEFINED_INFO_SIZE + headerExtra.length;
  const small = COMMON_HEADER_SIZE + fixed + data.length < SECTION_SIZE_EXTENDED;
  const dataOffset = (small ? COMMON_HEADER_SIZE : COMMON_HEADER2_SIZE) + fixed;
  if (dataOffset > 0xffff) throw new RangeError('"headerExtra" too long for DataOffset');
  const info = encode(EFIGuidDefinedSectionInfo, { sectionDefinitionGuid: guid, dataOffset, attributes });
  return concatBytes(commonHeader(EFI_SECTION.GUID_DEFINED, fixed + data.length), info, headerExtra, data);
}

/**
 * The LZMA GUID-defined section EDK II builds for compressed FVs (gLzmaCustomDecompressGuid,
 * Attributes EFI_GUIDED_SECTION_PROCESSING_REQUIRED): `sections` are laid out as a section
 * stream, compressed with {@link lzmaCompress}, and wrapped.
 */
export function lzmaSection(sections: readonly Uint8Array[]): Uint8Array {
  return guidDefinedSection(SECTION_GUID.LZMA, EFI_GUIDED_SECTION.PROCESSING_REQUIRED, lzmaCompress(sectionStream(sections)));
}
