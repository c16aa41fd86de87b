import { Tcg2Error } from '@tcg2sim/binary-codec';

/** Why reading a PCI option ROM failed. */
export type PciRomErrorCode =
  /** The ROM (or the part PciBus copies) ends inside a structure being read. */
  | 'SHORT_ROM'
  /** No image at offset 0: no 0xAA55 signature, or no valid PCI data structure. */
  | 'NO_IMAGE'
  /** A PCI data structure is missing or invalid where PciBus asserts one. */
  | 'BAD_PCIR'
  /** An image PciBus would walk forever (ImageLength 0 and not the last image). */
  | 'ENDLESS_ROM'
  /** A size exceeds the parser's bound (an EFI image decompressing to more than the limit). */
  | 'LIMIT_EXCEEDED';

/**
 * A PCI option ROM failure, naming the ROM `file`, the `structure` and the byte `offset` in the
 * ROM the failure is about.
 */
export class PciRomError extends Tcg2Error {
  override readonly name = 'PciRomError';
  readonly code: PciRomErrorCode;
  readonly file: string;
  readonly structure: string;
  readonly offset: number;
  /** The message without the file, structure and offset decorations. */
  readonly detail: string;

  constructor(code: PciRomErrorCode, file: string, structure: string, offset: number, detail: string, options?: ErrorOptions) {
    super(`${file}: ${structure} at offset 0x${offset.toString(16)}: ${detail}`, options);
    this.code = code;
    this.file = file;
    this.structure = structure;
    this.offset = offset;
    this.detail = detail;
  }
}
