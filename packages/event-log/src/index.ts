/** @tcg2sim/event-log: TCG_PCR_EVENT / TCG_PCR_EVENT2 event logs: encode, decode, replay, lint, diff, YAML/JSON/CEL. */
export {
  EV, eventTypeName, eventTypeLabel, eventTypeFromName, MAX_EVENT_DATA, MAX_DIGESTS, TCG_PCR_EVENT_HEADER_SIZE,
  TCGPCREvent, tcgPcrEvent2,
} from './structures.ts';
export type { EventType, TPMTHA, TCGPCREvent2, DigestSizes } from './structures.ts';
export {
  SPEC_ID_EVENT00, SPEC_ID_EVENT02, SPEC_ID_EVENT03, MAX_SPEC_ID_ALGORITHMS, TCGEfiSpecIdEventAlgorithmSize, TCGEfiSpecIDEvent,
  TCGSpecIdEventLegacy, asciiz, hasSignature, decodeSpecIdEvent, encodeSpecIdEvent, makeSpecIdEvent, digestSizesOf,
} from './spec-id.ts';
export type { SpecIdOptions } from './spec-id.ts';
export { EventLogError } from './errors.ts';
export { decodeEventLog, encodeEventLog, encodeLogEvent } from './log.ts';
export type { EventLog, LogEvent, LogStop, LogFormat, EventFormat, DecodeLogOptions } from './log.ts';
export { EventLogBuilder } from './builder.ts';
export type { NewEvent, BuilderOptions } from './builder.ts';
export { replayEventLog, startupLocalityOf, MAX_PCR_INDEX } from './replay.ts';
export type { ReplayOptions, PcrReplay, ReplaySkip } from './replay.ts';
export { decodeEventData } from './event-data/decode.ts';
export { toTpm2ToolsYaml, writeTpm2ToolsYaml } from './format/yaml.ts';
export type { YamlOptions } from './format/yaml.ts';
export type { EventDataView, EventDataContext } from './event-data/decode.ts';
export { UEFIVariableData, decodeVariableData, encodeVariableData } from './event-data/variable.ts';
export { UEFIPlatformFirmwareBlob, UEFIPlatformFirmwareBlob2 } from './event-data/firmware-blob.ts';
export { uefiImageLoadEvent } from './event-data/image-load.ts';
export type { UEFIImageLoadEvent } from './event-data/image-load.ts';
export { uefiGptData, EFIPartitionTableHeader } from './event-data/gpt.ts';
export type { UEFIGptData, EFIPartitionEntry } from './event-data/gpt.ts';
export { uefiHandoffTablePointers, uefiHandoffTablePointers2, MAX_HANDOFF_TABLES } from './event-data/handoff-tables.ts';
export type { UEFIHandoffTablePointers, UEFIHandoffTablePointers2, EFIConfigurationTable } from './event-data/handoff-tables.ts';
export {
  STARTUP_LOCALITY_SIGNATURE, SP800_155_EVENT2_SIGNATURE, SP800_155_EVENT3_SIGNATURE, TCGEfiStartupLocalityEvent,
  TCGSp800155PlatformIdEvent2, TCGSp800155PlatformIdEvent3,
} from './event-data/no-action.ts';
export { toJson, toJsonValue, eventToJson, pcrsToJson, bankKey } from './format/json.ts';
export type { Json } from './format/json.ts';
export { toCelJson } from './format/cel.ts';
export { describeEvent } from './format/text.ts';
export { lintEventLog, hasLintErrors, LINT_RULES } from './lint.ts';
export type { LintFinding, LintRuleId, Severity } from './lint.ts';
export { diffEventLogs } from './diff.ts';
export type { LogDiff, Divergence, DiffField, DiffOptions, PcrChange } from './diff.ts';
export { replayEventLogBytes } from './replay-bytes.ts';
export type { ReplayBytesOptions, BytesReplay } from './replay-bytes.ts';
export { locateEventLogs, decodeFinalEventsTable, decodeEventLogFromMemory } from './locate.ts';
export type { FinalEventsTable } from './locate.ts';
