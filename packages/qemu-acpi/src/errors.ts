import { CodedError } from '@tcg2sim/binary-codec';

/** Why the QEMU 7.2 ACPI model refused. */
export type QemuAcpiErrorCode =
  /** The VM is outside what the model covers (the reason says what). */
  | 'UNSUPPORTED_VM'
  /** A loader command cannot be encoded (a file name too long). */
  | 'BAD_LOADER_COMMAND'
  /** An AML name or value the encoder cannot express. */
  | 'BAD_AML';

/** The ACPI model cannot give QEMU's bytes for this input; `code` says why. */
export class QemuAcpiError extends CodedError<QemuAcpiErrorCode> {
  override readonly name = 'QemuAcpiError';
}
