import { Tcg2Error } from '@tcg2sim/binary-codec';

/** Why a capture failed. */
export type CaptureErrorCode =
  /** The options do not describe a bootable VM (missing file, bad combination). */
  | 'BAD_OPTIONS'
  /**
   * The firmware never boots this VM, known from the image before anything starts (an X64-PEI
   * SMM build before edk2-stable202308 on a VM that offers S3: platform-pei/s3-verification.ts).
   */
  | 'NOT_BOOTABLE'
  /** A program (qemu-system-x86_64, swtpm, swtpm_setup) could not be started. */
  | 'SPAWN_FAILED'
  /** QEMU exited before the boot reached the UEFI shell. */
  | 'QEMU_EXITED'
  /** The boot did not reach the UEFI shell in time. */
  | 'TIMEOUT'
  /** The QMP monitor refused a command or went away. */
  | 'QMP_ERROR'
  /** swtpm failed, or its channels did not answer. */
  | 'SWTPM_ERROR'
  /** No TCG_2 event log was found in guest RAM. */
  | 'LOG_NOT_FOUND'
  /** The capture was interrupted by a signal. */
  | 'INTERRUPTED';

/** A real-firmware capture failed; `code` says at which step. */
export class CaptureError extends Tcg2Error {
  override readonly name = 'CaptureError';
  readonly code: CaptureErrorCode;
  /** The serial console output so far, when the failure happened while booting. */
  readonly serialLog: string | undefined;

  constructor(code: CaptureErrorCode, message: string, options?: ErrorOptions & { serialLog?: string }) {
    super(message, options);
    this.code = code;
    this.serialLog = options?.serialLog;
  }
}
