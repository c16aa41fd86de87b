/**
 * Writing FFS2 files (UEFI PI Specification 1.7, Volume 3, 2.2.3) as EDK II's GenFfs/GenFv do:
 * EFI_FFS_FILE_HEADER encoded with the layout of `fv/structures.ts`, the header checksum, the
 * fixed data checksum 0xAA (no FFS_ATTRIB_CHECKSUM), and the state EFI_FILE_DATA_VALID written
 * under the volume's erase polarity.
 */
import { encode } from '@tcg2sim/binary-codec';
import { EFI_FILE_STATE, EFI_FV_FILETYPE, FFS_ATTRIB, FFS_FIXED_CHECKSUM } from '../fv/constants.ts';
import { EFIFfsFileHeader, FFS_HEADER_SIZE } from '../fv/structures.ts';
import { sectionStream } from './section.ts';

/** The name GenFv gives pad files: all 0xFF. */
export const PAD_FILE_NAME = 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF';
/** The largest file an FFS2 header can describe (Size[3]). */
export const FFS2_MAX_FILE_SIZE = 0xffffff;

/**
 * Data alignments FFS_ATTRIB_DATA_ALIGNMENT (bits 3-5) can express without
 * FFS_ATTRIB_DATA_ALIGNMENT_2 (PI Vol 3, 2.1.4.1): index = the 3-bit field.
 */
const DATA_ALIGNMENTS: readonly number[] = [1, 16, 128, 512, 1024, 4096, 32768, 65536];

/** One file to write. */
export interface FfsFileSpec {
  /** The file name GUID. */
  readonly name: string;
  /** EFI_FV_FILETYPE value. */
  readonly type: number;
  /** Sections (laid out 4-byte aligned) or, for RAW/pad files, the raw data. */
  readonly content: { readonly sections: readonly Uint8Array[] } | { readonly data: Uint8Array };
  /** Required alignment of the file data in the volume (1, 16, 128, … 65536; default 1, i.e. 8). */
  readonly alignment?: number;
  /** Place the file so it ends exactly at the end of the volume (a volume top file). */
  readonly atEnd?: boolean;
}

/** The state byte for EFI_FILE_DATA_VALID (HEADER_CONSTRUCTION | HEADER_VALID | DATA_VALID). */
export function dataValidState(erasePolarity: 0 | 1): number {
  const s = EFI_FILE_STATE.HEADER_CONSTRUCTION | EFI_FILE_STATE.HEADER_VALID | EFI_FILE_STATE.DATA_VALID;
  return erasePolarity === 1 ? ~s & 0xff : s;
}

/** The FFS_ATTRIB_DATA_ALIGNMENT bits for `alignment`. */
export function alignmentAttributes(alignment: number): number {
  const i = DATA_ALIGNMENTS.indexOf(alignment);
  if (i < 0) throw new RangeError(`"alignment" expected one of ${DATA_ALIGNMENTS.join(', ')}, got ${String(alignment)}`);
  return (i << 3) & FFS_ATTRIB.DATA_ALIGNMENT;
}

/** The bytes of a file's data (after the header). */
export function fileData(spec: FfsFileSpec): Uint8Array {
  return 'sections' in spec.content ? sectionStream(spec.content.sections) : spec.content.data;
}

/**
 * A complete FFS2 file: header (24 bytes) then `data`. IntegrityCheck.Header makes the header
 * sum to zero with State and IntegrityCheck.File taken as zero; IntegrityCheck.File is 0xAA.
 * @throws RangeError when the file is larger than an FFS2 header can describe
 */
export function ffsFile(name: string, type: number, data: Uint8Array, attributes: number, erasePolarity: 0 | 1): Uint8Array {
  const size = FFS_HEADER_SIZE + data.length;
  if (size > FFS2_MAX_FILE_SIZE) throw new RangeError(`file ${name} of ${size} bytes is too large for an FFS2 header`);
  const unsummed = encode(EFIFfsFileHeader, {
    name, integrityCheckHeader: 0, integrityCheckFile: 0, type, attributes, size, state: 0,
  });
  let sum = 0;
  for (const b of unsummed) sum += b;
  const header = encode(EFIFfsFileHeader, {
    name,
    integrityCheckHeader: (0x100 - (sum & 0xff)) & 0xff,
    integrityCheckFile: FFS_FIXED_CHECKSUM,
    type,
    attributes,
    size,
    state: dataValidState(erasePolarity),
  });
  const out = new Uint8Array(size);
  out.set(header, 0);
  out.set(data, FFS_HEADER_SIZE);
  return out;
}

/** A pad file (EFI_FV_FILETYPE_FFS_PAD) of exactly `size` bytes, its data erased. */
export function padFile(size: number, erasePolarity: 0 | 1, data?: Uint8Array): Uint8Array {
  if (!Number.isInteger(size) || size < FFS_HEADER_SIZE) throw new RangeError(`"size" expected an integer >= ${FFS_HEADER_SIZE}, got ${String(size)}`);
  const body = new Uint8Array(size - FFS_HEADER_SIZE).fill(erasePolarity === 1 ? 0xff : 0);
  if (data !== undefined) {
    if (data.length > body.length) throw new RangeError('"data" does not fit the pad file');
    body.set(data, 0);
  }
  return ffsFile(PAD_FILE_NAME, EFI_FV_FILETYPE.FFS_PAD, body, 0, erasePolarity);
}
