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
