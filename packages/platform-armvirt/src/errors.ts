import { Tcg2Error } from '@tcg2sim/binary-codec';

/** Why an image is not an ArmVirtQemu image this package can boot. */
export type ArmVirtErrorCode =
  /** No firmware volume at 0x1000 holding an AArch64 SEC (the ArmVirtQemu flash layout). */
  | 'NOT_ARMVIRT'
  /** The boot FV holds no FV image file whose section decompresses to the DXE volume. */
  | 'NO_DXE_FV'
  /** A device on the VM whose effect on the boot is not modelled (e.g. an AArch64 option ROM driver). */
  | 'NOT_MODELLED';

/** An ArmVirtQemu image the model cannot use; the message names the structure and its offset. */
export class ArmVirtError extends Tcg2Error {
  override readonly name = 'ArmVirtError';
  readonly code: ArmVirtErrorCode;
  constructor(code: ArmVirtErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
