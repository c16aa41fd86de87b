/**
 * @tcg2sim/tpm2-command-lib: Tpm2CommandLib: TPM 2.0 Part 2 structures, the Part 3 commands the
 * firmware sends, TPM_RC decoding and the password session area.
 */
export {
  TPM_ST, TPM12_TAG, TPM_CC, TPM_CC_FIRST, TPM_CC_LAST, CC_VEND, ccName, TPM_SU, YES, NO, TPM_CAP,
  PT_GROUP, PT_FIXED, PT_VAR, TPM_PT, TPM_PT_PCR, TPM_HT, HR_SHIFT, HR_PCR, HR_NV_INDEX, HR_PERMANENT,
  handleType, TPM_RH, TPM_RS_PW, TPMA_SESSION, TPMA_ALGORITHM, TPMA_CC, TPM_NT, TPMA_NV, TPM_ALG,
  algName, TPM_ECC_CURVE, IMPLEMENTATION_PCR, PCR_SELECT_MAX, PCR_SELECT_MIN, PCR_DEBUG,
  PCR_APPLICATION, MAX_DIGEST_BUFFER, MAX_NV_BUFFER_SIZE, MAX_CAP_BUFFER, MAX_CONTEXT_SIZE,
  MAX_COMMAND_SIZE, MAX_RESPONSE_SIZE, MAX_DIGEST_SIZE, MAX_TPML_DIGEST, MAX_NV_INDEX_SIZE,
  MAX_EVENT_SIZE, MAX_LIST_LENGTH, TPM_GENERATED_VALUE, TPM_HEADER_SIZE,
} from './constants.ts';
export {
  RC_VER1, RC_FMT1, RC_WARN, TPM_RC_H, TPM_RC_P, TPM_RC_S, TPM_RC_N_SHIFT, RC_VENDOR_BIT, TPM_RC,
  TPM12_RC, decodeRc, rcName, formatRc, TpmResponseError,
} from './rc.ts';
export type { TpmRcKey, RcFormat, RcSubject, DecodedRc } from './rc.ts';
export {
  tpmiAlgHash, TPMIAlgHash, TPMIAlgHashOrNull, tpmtHa, TPMTHA, MAX_HASH_COUNT, tpmlDigestValues,
  TPMLDigestValues, TPM2BDigest, TPM2BAuth, TPM2BNonce, TPM2BData, TPM2BEvent, TPM2BMaxBuffer,
  TPM2BMaxNvBuffer, TPM2BName, TPMLDigest, tpmsPcrSelection, TPMSPCRSelection, TPMLPCRSelection,
  pcrSelectBits, pcrsFromSelect,
} from './structures/basic.ts';
export {
  MAX_CAP_DATA, MAX_CAP_ALGS, MAX_CAP_HANDLES, MAX_CAP_CC, MAX_TPM_PROPERTIES, MAX_PCR_PROPERTIES,
  MAX_ECC_CURVES, MAX_TAGGED_POLICIES, MAX_ACT_DATA, TPMSAlgProperty, TPMSTaggedProperty,
  TPMSTaggedPCRSelect, TPMSTaggedPolicy, TPMSACTData, TPMLCC, TPMLCCA, TPMLHandle, TPMLAlgProperty,
  TPMLTaggedTPMProperty, TPMLTaggedPCRProperty, TPMLECCCurve, TPMLTaggedPolicy, TPMLACTData,
  TPMSCapabilityData,
} from './structures/capability.ts';
export type { TPMUCapabilities } from './structures/capability.ts';
export {
  TPMSNVPublic, TPM2BNVPublic, NV_DATA_SIZE_MAX, TPMTTKHashcheck, TPMSClockInfo, TPMSTimeInfo,
  TPMSSchemeHash, TPMSSchemeECDAA, TPMSSchemeXOR, TPMTKeyedHashScheme, TPMTRSAScheme,
  TPMTECCScheme, TPMTKDFScheme, TPMUSymDetails, TPMTSymDefObject, TPMSKeyedHashParms,
  TPMSSymCipherParms, TPMSRSAParms, TPMSECCParms, TPMTPublicParms,
} from './structures/misc.ts';
export type { SchemeDetails, TPMUPublicParms } from './structures/misc.ts';
export { TPMSAuthCommand, TPMSAuthResponse, passwordSession } from './session.ts';
export { defineCommand, NoParams, TPMHeader, encodeCommand, decodeResponse, execute, responseCode, CommandInputError } from './command.ts';
export type { TpmTransport, AuthRole, HandleDecl, CommandDecl, AnyCommandDecl, CommandInput, CommandOutput, CommandInputErrorCode } from './command.ts';
export { Startup, Shutdown, SelfTest, GetTestResult } from './commands/startup.ts';
export { GetCapability, GetRandom, TestParms, ReadClock } from './commands/capability.ts';
export { PCRExtend, PCREvent, PCRRead, PCRAllocate, PCRReset } from './commands/pcr.ts';
export { Hash, HashSequenceStart, SequenceUpdate, SequenceComplete, EventSequenceComplete } from './commands/hash.ts';
export { NVDefineSpace, NVUndefineSpace, NVReadPublic, NVWrite, NVRead } from './commands/nv.ts';
export { HierarchyChangeAuth } from './commands/hierarchy.ts';
export { COMMANDS, commandByCode, COMMAND_HANDLE_COUNT, handleCount } from './commands/registry.ts';
export { parseCommand, parseResponse } from './trace.ts';
export type { ParsedCommand, ParsedResponse } from './trace.ts';
export { TPMANV, TPMASession, TPMAAlgorithm, TPMACC } from './structures/attributes.ts';
export type { Bitfield, BitfieldValue } from './structures/attributes.ts';
