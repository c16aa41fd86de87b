/**
 * @tcg2sim/reference-formats: reference values for verifiers, from predicted or real PCRs and
 * event logs: tpm2-tools PCR files, TPM2_PolicyPCR digests, Keylime measured-boot reference
 * states and systemd-pcrlock component records.
 */
export { ReferenceError } from './errors.ts';
export type { ReferenceErrorCode } from './errors.ts';
export {
  parsePcrSelection, formatPcrSelection, toTpmlPcrSelection, selectedValues, MAX_SELECTABLE_PCR, SIZEOF_SELECT,
  DEFAULT_PCR_SELECTION, withResetValues,
} from './selection.ts';
export type { BankSelection, PcrSelection, PcrBanks } from './selection.ts';
export {
  Tpm2ToolsPcrFile, TSS_LIMITS, serializedSize, encodeTpm2PcrsSerialized, decodeTpm2PcrsSerialized, encodeTpm2PcrsValues,
  tpm2PcrsYaml,
} from './tpm2-pcrs.ts';
export type { DecodedTpm2Pcrs } from './tpm2-pcrs.ts';
export { policyPcrDigest, pcrValuesDigest } from './policy-pcr.ts';
export type { PolicyPcrOptions } from './policy-pcr.ts';
export { pcrlockComponents, pcrlockJson, pcrlockPath } from './pcrlock.ts';
export type { PcrlockRecord, PcrlockComponent, PcrlockOptions } from './pcrlock.ts';
export { keylimeRefstate, pythonReEscape } from './keylime.ts';
export type { KeylimeRefstate, KeylimeResult, KeylimeDigest, KeylimeSignature } from './keylime.ts';
