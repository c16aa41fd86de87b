/** @tcg2sim/platform-ovmf: The OVMF platform: SEC decompression, PlatformPei state in PEIFV, QEMU q35/pc devices, BDS boot options, whole-boot orchestration and the scenario schema. */
export { captureBoot } from './capture/capture-boot.ts';
export type { CaptureResult, CaptureTimings, BootEndReached } from './capture/capture-boot.ts';
export { CaptureError } from './capture/errors.ts';
export type { CaptureErrorCode } from './capture/errors.ts';
export { resolveCaptureOptions, qemuArguments, swtpmArguments, swtpmSetupArguments, ramRanges } from './capture/options.ts';
export type { CaptureOptions, ResolvedCaptureOptions, CaptureProgress, BootEndMarker, CapturePaths } from './capture/options.ts';
export {
  SPEC_ID_SIGNATURE, TCG2_FINAL_EVENTS_TABLE_GUID, TCG_LOG_AREA_LENGTH, FINAL_EVENTS_AREA_LENGTH,
  readSpecIdEvent, measureCryptoAgileLog, findSpecIdCandidates, findFinalEventsPointers,
  measureFinalEventsTable, algorithmName,
} from './capture/log-scan.ts';
export type {
  SpecIdAlgorithm, LogEndReason, CryptoAgileLogExtent, SpecIdCandidate, FinalEventsPointer, FinalEventsExtent,
} from './capture/log-scan.ts';
export type { SpecIdCopy, MemoryScanResult } from './capture/memory-scan.ts';
export { parseSwtpmLog, tpmCommandStream } from './capture/swtpm-log.ts';
export type { SwtpmLogMessage, TpmCommandRecord } from './capture/swtpm-log.ts';
export { QmpClient } from './capture/qmp.ts';
export { SWTPM_CTRL, swtpmControl, readActiveBanks, readPcrBank, readAllPcrs } from './capture/swtpm-client.ts';
export { replayWithTpm2Eventlog, parseTpm2EventlogPcrs, comparePcrs } from './capture/tpm2-eventlog.ts';
export type { Tpm2EventlogReplay, PcrMismatch } from './capture/tpm2-eventlog.ts';
