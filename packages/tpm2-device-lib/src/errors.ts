/**
 * ProtocolError: the TIS/CRB transaction failed (docs/style.md §5). Each code names what EDK II's
 * Tpm2DeviceLibDTpm would have run into; the EFI_STATUS it returns there is noted per code.
 */
import { Tcg2Error } from '@tcg2sim/binary-codec';

/** Why a command could not be carried to or from the TPM. */
export type ProtocolErrorCode =
  /** ACCESS / LOC_STATE read 0xFF, or the interface type is "none" (EFI_NOT_FOUND). */
  | 'NO_DEVICE'
  /** The locality was not granted within TIMEOUT_A (EFI_TIMEOUT). */
  | 'TIMEOUT_A'
  /** STS.commandReady did not come within TIMEOUT_B: the TPM is busy (EFI_DEVICE_ERROR). */
  | 'TIMEOUT_B'
  /** Expect did not clear (with stsValid) within TIMEOUT_C after the last byte (EFI_BUFFER_TOO_SMALL). */
  | 'TIMEOUT_C'
  /** burstCount stayed 0 for TIMEOUT_D (EFI_DEVICE_ERROR). */
  | 'TIMEOUT_D'
  /** No response within TIMEOUT_MAX, and none after the cancel either (EFI_DEVICE_ERROR). */
  | 'TIMEOUT_MAX'
  /** The response header's size is below 10 or above the caller's buffer (EFI_BUFFER_TOO_SMALL). */
  | 'BAD_RESPONSE_SIZE'
  /** The response tag is TPM_ST_RSP_COMMAND (0x00C4), a TPM 1.2 answer (EFI_UNSUPPORTED). */
  | 'BAD_RESPONSE_TAG'
  /** Another locality took the TPM away mid-command (ACCESS.activeLocality cleared). */
  | 'LOCALITY_LOST'
  /** The command does not fit the interface's buffer; nothing was sent. */
  | 'COMMAND_TOO_LARGE'
  /** The CRB did not reach idle / ready after three attempts (EFI_DEVICE_ERROR). */
  | 'DEVICE_ERROR';

/** The step of the transaction that failed. */
export type ProtocolPhase =
  | 'detect'
  | 'locality'
  | 'ready'
  | 'idle'
  | 'send'
  | 'expect'
  | 'execute'
  | 'cancel'
  | 'receive';

/** Which register interface the driver used. */
export type PtpInterfaceKind = 'tis' | 'fifo' | 'crb' | 'none';

/** A TIS/FIFO/CRB transaction failure. */
export class ProtocolError extends Tcg2Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  readonly phase: ProtocolPhase;
  readonly iface: PtpInterfaceKind;

  constructor(code: ProtocolErrorCode, phase: ProtocolPhase, iface: PtpInterfaceKind, detail: string, options?: ErrorOptions) {
    super(`${iface} ${phase}: ${code}: ${detail}`, options);
    this.code = code;
    this.phase = phase;
    this.iface = iface;
  }
}
