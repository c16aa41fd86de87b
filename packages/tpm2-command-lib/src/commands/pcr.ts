/**
 * PCR commands (TPM 2.0 Library Part 3 rev 1.59, chapter 22). EDK II encodings:
 * docs/edk2-pei.md §7.5 (PCR_Extend, with an empty password session), §7.6 (PCR_Read),
 * §7.7 (PCR_Allocate, platform authorization).
 */
import { struct, u32be, u8 } from '@tcg2sim/binary-codec';
import { TPM_CC } from '../constants.ts';
import { NoParams, defineCommand } from '../command.ts';
import { TPM2BEvent, TPMLDigest, TPMLDigestValues, TPMLPCRSelection } from '../structures/basic.ts';

/** TPM2_PCR_Extend (Part 3, 22.2): @pcrHandle (USER); TPML_DIGEST_VALUES digests. */
export const PCRExtend = defineCommand({
  name: 'TPM2_PCR_Extend',
  cc: TPM_CC.PCR_Extend,
  handles: [{ name: 'pcrHandle', auth: 'USER' }],
  params: struct('TPM2_PCR_Extend', { digests: TPMLDigestValues }),
  responseHandles: [],
  response: NoParams,
});

/**
 * TPM2_PCR_Event (Part 3, 22.3): @pcrHandle (USER); TPM2B_EVENT eventData. Returns the digests
 * of eventData in every implemented bank (TPML_DIGEST_VALUES).
 */
export const PCREvent = defineCommand({
  name: 'TPM2_PCR_Event',
  cc: TPM_CC.PCR_Event,
  handles: [{ name: 'pcrHandle', auth: 'USER' }],
  params: struct('TPM2_PCR_Event', { eventData: TPM2BEvent }),
  responseHandles: [],
  response: struct('TPM2_PCR_Event_Response', { digests: TPMLDigestValues }),
});

/**
 * TPM2_PCR_Read (Part 3, 22.4): TPML_PCR_SELECTION pcrSelectionIn. Returns UINT32
 * pcrUpdateCounter; TPML_PCR_SELECTION pcrSelectionOut; TPML_DIGEST pcrValues (at most 8).
 */
export const PCRRead = defineCommand({
  name: 'TPM2_PCR_Read',
  cc: TPM_CC.PCR_Read,
  handles: [],
  params: struct('TPM2_PCR_Read', { pcrSelectionIn: TPMLPCRSelection }),
  responseHandles: [],
  response: struct('TPM2_PCR_Read_Response', { pcrUpdateCounter: u32be, pcrSelectionOut: TPMLPCRSelection, pcrValues: TPMLDigest }),
});

/**
 * TPM2_PCR_Allocate (Part 3, 22.5): @authHandle TPMI_RH_PLATFORM (USER); TPML_PCR_SELECTION
 * pcrAllocation. Returns TPMI_YES_NO allocationSuccess; UINT32 maxPCR, sizeNeeded,
 * sizeAvailable. The new allocation takes effect at the next TPM2_Startup(CLEAR).
 */
export const PCRAllocate = defineCommand({
  name: 'TPM2_PCR_Allocate',
  cc: TPM_CC.PCR_Allocate,
  handles: [{ name: 'authHandle', auth: 'USER' }],
  params: struct('TPM2_PCR_Allocate', { pcrAllocation: TPMLPCRSelection }),
  responseHandles: [],
  response: struct('TPM2_PCR_Allocate_Response', { allocationSuccess: u8, maxPCR: u32be, sizeNeeded: u32be, sizeAvailable: u32be }),
});

/** TPM2_PCR_Reset (Part 3, 22.8): @pcrHandle (USER). */
export const PCRReset = defineCommand({
  name: 'TPM2_PCR_Reset',
  cc: TPM_CC.PCR_Reset,
  handles: [{ name: 'pcrHandle', auth: 'USER' }],
  params: NoParams,
  responseHandles: [],
  response: NoParams,
});
