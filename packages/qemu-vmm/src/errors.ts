import { CodedError } from '@tcg2sim/binary-codec';

/** Why describing the VM's devices failed. */
export type VmmErrorCode =
  /** A NIC model this package does not know (see NIC_MODELS). */
  | 'UNKNOWN_NIC'
  /** The option ROM file is in none of the directories searched. */
  | 'ROM_NOT_FOUND'
  /** The option ROM file cannot be read, is empty or larger than QEMU accepts. */
  | 'BAD_ROM_FILE'
  /** More devices than free PCI slots on the machine's root bus. */
  | 'NO_PCI_SLOT'
  /** A MAC address that is not six hex bytes, or a multicast one. */
  | 'BAD_MAC'
  /** Two devices with the same bootindex, or one out of QEMU's range. */
  | 'BAD_BOOTINDEX';

/** A VMM-side failure; `file` names the file it is about, when there is one. */
export class VmmError extends CodedError<VmmErrorCode> {
  override readonly name = 'VmmError';
  readonly file: string | undefined;

  constructor(code: VmmErrorCode, message: string, file?: string, options?: ErrorOptions) {
    super(code, file === undefined ? message : `${file}: ${message}`, options);
    this.file = file;
  }
}
