/**
 * Capability, randomness, clock and parameter-test commands (TPM 2.0 Library Part 3 rev 1.59,
 * 16.1, 29.2, 30.2, 30.3). EDK II GetCapability encoding: docs/edk2-pei.md §7.4.
 */
import { struct, u16be, u32be, u8 } from '@tcg2sim/binary-codec';
import { TPM_CC } from '../constants.ts';
import { NoParams, defineCommand } from '../command.ts';
import { TPM2BDigest } from '../structures/basic.ts';
import { TPMSCapabilityData } from '../structures/capability.ts';
import { TPMSTimeInfo, TPMTPublicParms } from '../structures/misc.ts';

/**
 * TPM2_GetCapability (Part 3, 30.2): TPM_CAP capability; UINT32 property; UINT32 propertyCount.
 * Response: TPMI_YES_NO moreData; TPMS_CAPABILITY_DATA capabilityData.
 */
export const GetCapability = defineCommand({
  name: 'TPM2_GetCapability',
  cc: TPM_CC.GetCapability,
  handles: [],
  params: struct('TPM2_GetCapability', { capability: u32be, property: u32be, propertyCount: u32be }),
  responseHandles: [],
  response: struct('TPM2_GetCapability_Response', { moreData: u8, capabilityData: TPMSCapabilityData }),
});

/** TPM2_GetRandom (Part 3, 16.1): UINT16 bytesRequested; returns TPM2B_DIGEST randomBytes. */
export const GetRandom = defineCommand({
  name: 'TPM2_GetRandom',
  cc: TPM_CC.GetRandom,
  handles: [],
  params: struct('TPM2_GetRandom', { bytesRequested: u16be }),
  responseHandles: [],
  response: struct('TPM2_GetRandom_Response', { randomBytes: TPM2BDigest }),
});

/** TPM2_TestParms (Part 3, 30.3): TPMT_PUBLIC_PARMS parameters; TPM_RC_SUCCESS when supported. */
export const TestParms = defineCommand({
  name: 'TPM2_TestParms',
  cc: TPM_CC.TestParms,
  handles: [],
  params: struct('TPM2_TestParms', { parameters: TPMTPublicParms }),
  responseHandles: [],
  response: NoParams,
});

/** TPM2_ReadClock (Part 3, 29.2): returns TPMS_TIME_INFO currentTime. */
export const ReadClock = defineCommand({
  name: 'TPM2_ReadClock',
  cc: TPM_CC.ReadClock,
  handles: [],
  params: NoParams,
  responseHandles: [],
  response: struct('TPM2_ReadClock_Response', { currentTime: TPMSTimeInfo }),
});
