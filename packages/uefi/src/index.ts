/** @tcg2sim/uefi: UEFI/PI images: firmware volumes, FFS files, sections and decompressors, PE/COFF Authenticode, device paths, load options, variable stores. */

// variable stores
export {
  SYSTEM_NV_DATA_FV_GUID, AUTHENTICATED_VARIABLE_GUID, VARIABLE_GUID, WORKING_BLOCK_SIGNATURE_GUID,
  VARIABLE_RUNTIME_DXE_FILE_GUID, FAULT_TOLERANT_WRITE_DXE_FILE_GUID, VENDOR_GUID, VARIABLE_DATA, VAR_STATE, VAR_ADDED_IN_TRANSITION, VARIABLE_ATTRIBUTE,
  attributeNames, parseAttributes,
} from './varstore/constants.ts';
export type { VariableAttributeName } from './varstore/constants.ts';
export { VarStoreError } from './varstore/errors.ts';
export type { VarStoreErrorCode } from './varstore/errors.ts';
export {
  NvFvHeader, VariableStoreHeader, EFITime, AuthenticatedVariableHeader, VariableHeader, FtwWorkingBlockHeader,
  FtwWriteHeader, FtwWriteRecord, ZERO_EFI_TIME,
} from './varstore/structures.ts';
export { parseNvLayout, locateNvLayout, ovmfFtwAreas } from './varstore/layout.ts';
export type { NvLayout, FtwAreas, LocatedLayout } from './varstore/layout.ts';
export { walkStore, encodeVariableName, decodeVariableName } from './varstore/records.ts';
export type { VariableRecord, StoreWalk } from './varstore/records.ts';
export { findRecord, liveRecords } from './varstore/lookup.ts';
export type { FoundVariable } from './varstore/lookup.ts';
export { NorFlash, PowerLossError } from './varstore/flash.ts';
export type { FlashStats, NorFlashOptions } from './varstore/flash.ts';
export { FtwDevice, expectedWorkingBlockHeader } from './varstore/ftw.ts';
export { readFtwInfo } from './varstore/ftw-info.ts';
export type { FtwInfo, FtwWriteInfo, FtwRecordInfo } from './varstore/ftw-info.ts';
export { NvVariableService } from './varstore/variable-service.ts';
export type { SetVariableRequest, SetVariableOutcome } from './varstore/variable-service.ts';
export { formatVarStore } from './varstore/format.ts';
export type { VarStoreFormat } from './varstore/format.ts';
export {
  openVarStore, readVarStore, listVariables, getVariable, snapshotVariables, setVariable, deleteVariable, recoverVarStore,
} from './varstore/api.ts';
export type {
  VarStoreLocation, UefiVariable, VarStoreReport, VariableSnapshot, WriteOptions, WriteResult,
} from './varstore/api.ts';
