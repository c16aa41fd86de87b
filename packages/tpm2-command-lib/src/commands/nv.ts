/**
 * NV commands with platform (or owner) authorization (TPM 2.0 Library Part 3 rev 1.59,
 * chapter 31). EDK II's Tpm2NVStorage.c sends them with the same password session as every other
 * authorized command.
 */
import { struct, u16be } from '@tcg2sim/binary-codec';
import { TPM_CC } from '../constants.ts';
import { NoParams, defineCommand } from '../command.ts';
import { TPM2BAuth, TPM2BMaxNvBuffer, TPM2BName } from '../structures/basic.ts';
import { TPM2BNVPublic } from '../structures/misc.ts';

/**
 * TPM2_NV_DefineSpace (Part 3, 31.3): @authHandle TPMI_RH_PROVISION (USER); TPM2B_AUTH auth;
 * TPM2B_NV_PUBLIC publicInfo.
 */
export const NVDefineSpace = defineCommand({
  name: 'TPM2_NV_DefineSpace',
  cc: TPM_CC.NV_DefineSpace,
  handles: [{ name: 'authHandle', auth: 'USER' }],
  params: struct('TPM2_NV_DefineSpace', { auth: TPM2BAuth, publicInfo: TPM2BNVPublic }),
  responseHandles: [],
  response: NoParams,
});

/** TPM2_NV_UndefineSpace (Part 3, 31.4): @authHandle TPMI_RH_PROVISION (USER); nvIndex (no auth). */
export const NVUndefineSpace = defineCommand({
  name: 'TPM2_NV_UndefineSpace',
  cc: TPM_CC.NV_UndefineSpace,
  handles: [{ name: 'authHandle', auth: 'USER' }, { name: 'nvIndex' }],
  params: NoParams,
  responseHandles: [],
  response: NoParams,
});

/** TPM2_NV_ReadPublic (Part 3, 31.6): nvIndex. Returns TPM2B_NV_PUBLIC nvPublic; TPM2B_NAME nvName. */
export const NVReadPublic = defineCommand({
  name: 'TPM2_NV_ReadPublic',
  cc: TPM_CC.NV_ReadPublic,
  handles: [{ name: 'nvIndex' }],
  params: NoParams,
  responseHandles: [],
  response: struct('TPM2_NV_ReadPublic_Response', { nvPublic: TPM2BNVPublic, nvName: TPM2BName }),
});

/**
 * TPM2_NV_Write (Part 3, 31.7): @authHandle TPMI_RH_NV_AUTH (USER); nvIndex;
 * TPM2B_MAX_NV_BUFFER data; UINT16 offset.
 */
export const NVWrite = defineCommand({
  name: 'TPM2_NV_Write',
  cc: TPM_CC.NV_Write,
  handles: [{ name: 'authHandle', auth: 'USER' }, { name: 'nvIndex' }],
  params: struct('TPM2_NV_Write', { data: TPM2BMaxNvBuffer, offset: u16be }),
  responseHandles: [],
  response: NoParams,
});

/**
 * TPM2_NV_Read (Part 3, 31.13): @authHandle TPMI_RH_NV_AUTH (USER); nvIndex; UINT16 size;
 * UINT16 offset. Returns TPM2B_MAX_NV_BUFFER data.
 */
export const NVRead = defineCommand({
  name: 'TPM2_NV_Read',
  cc: TPM_CC.NV_Read,
  handles: [{ name: 'authHandle', auth: 'USER' }, { name: 'nvIndex' }],
  params: struct('TPM2_NV_Read', { size: u16be, offset: u16be }),
  responseHandles: [],
  response: struct('TPM2_NV_Read_Response', { data: TPM2BMaxNvBuffer }),
});
