/**
 * @tcg2sim/tpm2-device-lib: Tpm2DeviceLibDTpm, the firmware's TIS / PTP FIFO / CRB driver with
 * EDK II's detection, locality handling, access order and timeouts, polling through a Clock.
 */
export { ProtocolError } from './errors.ts';
export type { ProtocolErrorCode, ProtocolPhase, PtpInterfaceKind } from './errors.ts';
export { CRB_RETRY_MAX, EDK2_TIMEOUTS, IDLE_POLLS, POLL_STEP_US, waitRegisterBits } from './timeouts.ts';
export type { Tpm2Timeouts } from './timeouts.ts';
export { RESPONSE_HEADER_SIZE, TPM_ST_RSP_COMMAND } from './transport.ts';
export type { SubmitOptions, TpmTransport } from './transport.ts';
export { detectInterface, dumpPtpInfo } from './detect.ts';
export type { Detection, PtpInfo } from './detect.ts';
export { TisDriver } from './tis-driver.ts';
export type { DriverOptions, TagCheck } from './tis-driver.ts';
export { CrbDriver } from './crb-driver.ts';
export type { CrbDriverOptions } from './crb-driver.ts';
export { TPM12_GET_TICKS, Tpm2DeviceLib } from './device-lib.ts';
export type { DeviceLibOptions } from './device-lib.ts';
