import { Tcg2Error } from '@tcg2sim/binary-codec';

/** Why a firmware volume, file or section was rejected. */
export type FvErrorCode =
  /** The structure runs past the end of its container. */
  | 'TRUNCATED'
  /** A size field is impossible (smaller than the header, larger than the container, zero). */
  | 'BAD_SIZE'
  /** A signature or a reserved/defined value is wrong. */
  | 'BAD_VALUE'
  /** A header, data or CRC32 checksum does not match. */
  | 'BAD_CHECKSUM'
  /** Nesting depth, file/section count or decompressed-byte budget exceeded. */
  | 'LIMIT_EXCEEDED'
  /** Compressed data did not decompress to what its header announced. */
  | 'DECOMPRESSION_FAILED'
  /** Valid input that this parser does not handle (e.g. no decompressor was supplied). */
  | 'UNSUPPORTED';

/**
 * Bad firmware-volume data. `structure` names the PI structure (`EFI_FFS_FILE_HEADER`, …);
 * `offset` is the absolute offset in the image, or, when the structure lies inside decompressed
 * data, the offset inside that decompressed buffer (`inDecompressed` is then true).
 */
export class FvError extends Tcg2Error {
  override readonly name = 'FvError';
  readonly code: FvErrorCode;
  readonly structure: string;
  readonly offset: number;
  readonly inDecompressed: boolean;
  /** The message without the structure and offset decorations. */
  readonly detail: string;

  constructor(
    code: FvErrorCode,
    structure: string,
    detail: string,
    offset: number,
    inDecompressed = false,
    options?: ErrorOptions
  ) {
    const where = inDecompressed ? `offset 0x${offset.toString(16)} in decompressed data` : `offset 0x${offset.toString(16)}`;
    super(`${structure}: ${detail} (${where})`, options);
    this.code = code;
    this.structure = structure;
    this.offset = offset;
    this.inDecompressed = inDecompressed;
    this.detail = detail;
  }
}
