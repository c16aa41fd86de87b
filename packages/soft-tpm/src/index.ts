/**
 * @tcg2sim/soft-tpm: an in-process TPM 2.0 answering the firmware's commands as libtpms 0.9 does
 * (PC Client PCR profile), with power, localities, the H-CRTM sequence and savable state.
 */
export { SoftTpm, SoftTpmOptionError, manufacture } from './soft-tpm.ts';
export type { SoftTpmOptions } from './soft-tpm.ts';
export { SoftTpmStateError, serializeState, deserializeState } from './state.ts';
export type { TpmState, PersistentState, VolatileState, NvIndex, SequenceObject, SavedState, OrderlyState } from './state.ts';
export { COMMANDS } from './commands/index.ts';
export { PCR_ATTRIBUTES, PCR_COUNT, pcrExtendAllowed, pcrResetAllowed } from './pcr.ts';
export { MAX_COMMAND_SIZE } from './dispatch.ts';
