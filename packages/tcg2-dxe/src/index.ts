/**
 * @tcg2sim/tcg2-dxe: Tcg2Dxe: EFI_TCG2_PROTOCOL, the TCG 1.2 and crypto-agile event logs, the
 * final events table and the boot-time measurements (edk2-stable202211).
 */
export { EFI_STATUS, isEfiError } from './efi-status.ts';
export type { EfiStatus } from './efi-status.ts';
export {
  EFITcg2BootServiceCapability, TCG2_CAPABILITY_SIZE, TREE_CAPABILITY_1_0_SIZE, EFI_TCG2_EVENT_LOG_FORMAT,
  EFI_TCG2_FLAG, MAX_PCR_INDEX,
} from './capability.ts';
export type { EfiTcg2EventLogFormat } from './capability.ts';
export { LogArea, FinalEventsTable, TCG_LOG_AREA_MIN_LEN, TCG2_FINAL_LOG_AREA_LEN, FINAL_EVENTS_HEADER_SIZE } from './log-area.ts';
export type { AppendResult } from './log-area.ts';
export { Tcg2Dxe, noActionDigestList } from './tcg2-dxe.ts';
export { dxeDriverEntryQueries, startTcg2DxeAfterPei } from './driver-entry.ts';
export type { DxeTpmFacts } from './driver-entry.ts';
export { openTcg2Protocol, Tcg2ProtocolError } from './open-tcg2-protocol.ts';
export type { Tcg2ProtocolOptions, Tcg2ProtocolErrorCode } from './open-tcg2-protocol.ts';
export { TpmDeviceError } from './tcg2-dxe-types.ts';
export type { Tcg2DxeTpm, Tcg2DxeConfig, PeiEvent, Tcg2Event, GetEventLogResult, EfiTcg2Protocol } from './tcg2-dxe-types.ts';
export {
  EFI_GLOBAL_VARIABLE, EFI_IMAGE_SECURITY_DATABASE, EFI_ACTION, measureAction, measureSeparator, measureVariable,
  measureSecureBootPolicy, measureAllBootVariables, ReadyToBootMeasurement, measureExitBootServices,
  measureExitBootServicesFailed,
} from './measurements.ts';
export type { VariableReader, SecureBootPolicyOptions } from './measurements.ts';
export { MeasureBootHandler } from './measure-boot.ts';
export type { ImageOrigin, GptDisk, ImageLoad } from './measure-boot.ts';
export {
  QemuPhysicalPresence, QEMUTpmPpi, TCG2_PHYSICAL_PRESENCE, TCG_PP_SUBMIT_REQUEST_TO_PREOS, TCG_PP_RETURN_TPM_OPERATION_RESPONSE,
} from './physical-presence.ts';
export type { Tcg2PhysicalPresenceLib, QemuTpmConfig } from './physical-presence.ts';
export { SecureBootAuthorityMeasurement } from './image-authority.ts';
export type { AuthorityMeasurement } from './image-authority.ts';
