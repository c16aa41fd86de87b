/**
 * TPMS_CAPABILITY_DATA and the lists it carries (TPM 2.0 Library Part 2 rev 1.59, 10.8-10.10).
 * List maxima follow Part 2 Table 5 from MAX_CAP_BUFFER = 1024 (libtpms):
 * MAX_CAP_DATA = 1024 - 4 - 4 = 1016 bytes, so e.g. MAX_TPM_PROPERTIES = 1016 / 8 = 127.
 */
import { BE, list, sized, struct, u16be, u32be, u8, union } from '@tcg2sim/binary-codec';
import type { Codec, Infer } from '@tcg2sim/binary-codec';
import { MAX_CAP_BUFFER, TPM_CAP } from '../constants.ts';
import { TPMLPCRSelection, TPMTHA } from './basic.ts';

/** MAX_CAP_DATA (Part 2, Table 5). */
export const MAX_CAP_DATA = MAX_CAP_BUFFER - 4 - 4;
export const MAX_CAP_ALGS = Math.floor(MAX_CAP_DATA / 6);
export const MAX_CAP_HANDLES = Math.floor(MAX_CAP_DATA / 4);
export const MAX_CAP_CC = Math.floor(MAX_CAP_DATA / 4);
export const MAX_TPM_PROPERTIES = Math.floor(MAX_CAP_DATA / 8);
export const MAX_PCR_PROPERTIES = Math.floor(MAX_CAP_DATA / 8);
export const MAX_ECC_CURVES = Math.floor(MAX_CAP_DATA / 2);
export const MAX_TAGGED_POLICIES = Math.floor(MAX_CAP_DATA / 70);
export const MAX_ACT_DATA = Math.floor(MAX_CAP_DATA / 12);

/** TPMS_ALG_PROPERTY (Part 2, 10.8.1, Table 98): TPM_ALG_ID alg; TPMA_ALGORITHM algProperties. */
export const TPMSAlgProperty = struct('TPMS_ALG_PROPERTY', { alg: u16be, algProperties: u32be });
export type TPMSAlgProperty = Infer<typeof TPMSAlgProperty>;

/** TPMS_TAGGED_PROPERTY (Part 2, 10.8.2, Table 99): TPM_PT property; UINT32 value. */
export const TPMSTaggedProperty = struct('TPMS_TAGGED_PROPERTY', { property: u32be, value: u32be });
export type TPMSTaggedProperty = Infer<typeof TPMSTaggedProperty>;

/**
 * TPMS_TAGGED_PCR_SELECT (Part 2, 10.8.3, Table 100): TPM_PT_PCR tag; UINT8 sizeofSelect;
 * BYTE pcrSelect[sizeofSelect].
 */
export const TPMSTaggedPCRSelect = struct('TPMS_TAGGED_PCR_SELECT', { tag: u32be, pcrSelect: sized('pcrSelect', u8, 0xff) });
export type TPMSTaggedPCRSelect = Infer<typeof TPMSTaggedPCRSelect>;

/** TPMS_TAGGED_POLICY (Part 2, 10.8.4, Table 101): TPM_HANDLE handle; TPMT_HA policyHash. */
export const TPMSTaggedPolicy = struct('TPMS_TAGGED_POLICY', { handle: u32be, policyHash: TPMTHA });
export type TPMSTaggedPolicy = Infer<typeof TPMSTaggedPolicy>;

/** TPMS_ACT_DATA (Part 2, 10.8.5, Table 102): TPM_HANDLE handle; UINT32 timeout; TPMA_ACT attributes. */
export const TPMSACTData = struct('TPMS_ACT_DATA', { handle: u32be, timeout: u32be, attributes: u32be });
export type TPMSACTData = Infer<typeof TPMSACTData>;

/** TPML_CC (Part 2, 10.9.1, Table 103). */
export const TPMLCC = struct('TPML_CC', { commandCodes: list('commandCodes', BE.u32, u32be, MAX_CAP_CC) });
/** TPML_CCA (Part 2, 10.9.2, Table 104): TPMA_CC commandAttributes[count]. */
export const TPMLCCA = struct('TPML_CCA', { commandAttributes: list('commandAttributes', BE.u32, u32be, MAX_CAP_CC) });
/** TPML_HANDLE (Part 2, 10.9.5, Table 107). */
export const TPMLHandle = struct('TPML_HANDLE', { handle: list('handle', BE.u32, u32be, MAX_CAP_HANDLES) });
/** TPML_ALG_PROPERTY (Part 2, 10.9.8, Table 110). */
export const TPMLAlgProperty = struct('TPML_ALG_PROPERTY', { algProperties: list('algProperties', BE.u32, TPMSAlgProperty, MAX_CAP_ALGS) });
/** TPML_TAGGED_TPM_PROPERTY (Part 2, 10.9.9, Table 111). */
export const TPMLTaggedTPMProperty = struct('TPML_TAGGED_TPM_PROPERTY', { tpmProperty: list('tpmProperty', BE.u32, TPMSTaggedProperty, MAX_TPM_PROPERTIES) });
/** TPML_TAGGED_PCR_PROPERTY (Part 2, 10.9.10, Table 112). */
export const TPMLTaggedPCRProperty = struct('TPML_TAGGED_PCR_PROPERTY', { pcrProperty: list('pcrProperty', BE.u32, TPMSTaggedPCRSelect, MAX_PCR_PROPERTIES) });
/** TPML_ECC_CURVE (Part 2, 10.9.11, Table 113). */
export const TPMLECCCurve = struct('TPML_ECC_CURVE', { eccCurves: list('eccCurves', BE.u32, u16be, MAX_ECC_CURVES) });
/** TPML_TAGGED_POLICY (Part 2, 10.9.12, Table 114). */
export const TPMLTaggedPolicy = struct('TPML_TAGGED_POLICY', { policies: list('policies', BE.u32, TPMSTaggedPolicy, MAX_TAGGED_POLICIES) });
/** TPML_ACT_DATA (Part 2, 10.9.13, Table 115). */
export const TPMLACTData = struct('TPML_ACT_DATA', { actData: list('actData', BE.u32, TPMSACTData, MAX_ACT_DATA) });

/**
 * TPMU_CAPABILITIES (Part 2, 10.10.1, Table 116): one member per capability, named as in the
 * spec. Narrow with `'assignedPCR' in data`.
 */
export type TPMUCapabilities =
  | { readonly algorithms: Infer<typeof TPMLAlgProperty> }
  | { readonly handles: Infer<typeof TPMLHandle> }
  | { readonly command: Infer<typeof TPMLCCA> }
  | { readonly ppCommands: Infer<typeof TPMLCC> }
  | { readonly auditCommands: Infer<typeof TPMLCC> }
  | { readonly assignedPCR: Infer<typeof TPMLPCRSelection> }
  | { readonly tpmProperties: Infer<typeof TPMLTaggedTPMProperty> }
  | { readonly pcrProperties: Infer<typeof TPMLTaggedPCRProperty> }
  | { readonly eccCurves: Infer<typeof TPMLECCCurve> }
  | { readonly authPolicies: Infer<typeof TPMLTaggedPolicy> }
  | { readonly actData: Infer<typeof TPMLACTData> };

const MEMBER = 'TPMU_CAPABILITIES';
const CAP_MEMBERS = new Map<number, Codec<TPMUCapabilities>>([
  [TPM_CAP.ALGS, struct(MEMBER, { algorithms: TPMLAlgProperty })],
  [TPM_CAP.HANDLES, struct(MEMBER, { handles: TPMLHandle })],
  [TPM_CAP.COMMANDS, struct(MEMBER, { command: TPMLCCA })],
  [TPM_CAP.PP_COMMANDS, struct(MEMBER, { ppCommands: TPMLCC })],
  [TPM_CAP.AUDIT_COMMANDS, struct(MEMBER, { auditCommands: TPMLCC })],
  [TPM_CAP.PCRS, struct(MEMBER, { assignedPCR: TPMLPCRSelection })],
  [TPM_CAP.TPM_PROPERTIES, struct(MEMBER, { tpmProperties: TPMLTaggedTPMProperty })],
  [TPM_CAP.PCR_PROPERTIES, struct(MEMBER, { pcrProperties: TPMLTaggedPCRProperty })],
  [TPM_CAP.ECC_CURVES, struct(MEMBER, { eccCurves: TPMLECCCurve })],
  [TPM_CAP.AUTH_POLICIES, struct(MEMBER, { authPolicies: TPMLTaggedPolicy })],
  [TPM_CAP.ACT, struct(MEMBER, { actData: TPMLACTData })],
]);

/**
 * TPMS_CAPABILITY_DATA (Part 2, 10.10.2, Table 117): TPM_CAP capability; TPMU_CAPABILITIES
 * data. An unknown capability is `UNKNOWN_SELECTOR`.
 */
export const TPMSCapabilityData = union('TPMS_CAPABILITY_DATA', 'capability', u32be, 'data', (cap: number) => CAP_MEMBERS.get(cap));
export type TPMSCapabilityData = Infer<typeof TPMSCapabilityData>;
