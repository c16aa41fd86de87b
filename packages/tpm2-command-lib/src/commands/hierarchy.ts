/**
 * Hierarchy commands the firmware sends (TPM 2.0 Library Part 3 rev 1.59, chapter 24). EDK II:
 * Tcg2PlatformDxe's RandomizePlatformAuth sends TPM2_HierarchyChangeAuth(TPM_RH_PLATFORM) with
 * an empty password session and a random newAuth as long as the largest PCR bank digest.
 */
import { struct } from '@tcg2sim/binary-codec';
import { TPM_CC } from '../constants.ts';
import { NoParams, defineCommand } from '../command.ts';
import { TPM2BAuth } from '../structures/basic.ts';

/** TPM2_HierarchyChangeAuth (Part 3, 24.8): @authHandle TPMI_RH_HIERARCHY_AUTH (USER); TPM2B_AUTH newAuth. */
export const HierarchyChangeAuth = defineCommand({
  name: 'TPM2_HierarchyChangeAuth',
  cc: TPM_CC.HierarchyChangeAuth,
  handles: [{ name: 'authHandle', auth: 'USER' }],
  params: struct('TPM2_HierarchyChangeAuth', { newAuth: TPM2BAuth }),
  responseHandles: [],
  response: NoParams,
});
