/**
 * Start-up and self-test commands (TPM 2.0 Library Part 3 rev 1.59, 9.3, 10.2, 10.4).
 * EDK II encodings: docs/edk2-pei.md §7.2 (Startup), §7.3 (SelfTest), §7.8 (Shutdown).
 */
import { struct, u16be, u32be, u8 } from '@tcg2sim/binary-codec';
import { TPM_CC } from '../constants.ts';
import { NoParams, defineCommand } from '../command.ts';
import { TPM2BMaxBuffer } from '../structures/basic.ts';

/** TPM2_Startup (Part 3, 9.3): TPM_SU startupType. EDK II: `80 01 00 00 00 0C 00 00 01 44 00 00`. */
export const Startup = defineCommand({
  name: 'TPM2_Startup',
  cc: TPM_CC.Startup,
  handles: [],
  params: struct('TPM2_Startup', { startupType: u16be }),
  responseHandles: [],
  response: NoParams,
});

/** TPM2_Shutdown (Part 3, 9.4): TPM_SU shutdownType. */
export const Shutdown = defineCommand({
  name: 'TPM2_Shutdown',
  cc: TPM_CC.Shutdown,
  handles: [],
  params: struct('TPM2_Shutdown', { shutdownType: u16be }),
  responseHandles: [],
  response: NoParams,
});

/** TPM2_SelfTest (Part 3, 10.2): TPMI_YES_NO fullTest. EDK II: `80 01 00 00 00 0B 00 00 01 43 00`. */
export const SelfTest = defineCommand({
  name: 'TPM2_SelfTest',
  cc: TPM_CC.SelfTest,
  handles: [],
  params: struct('TPM2_SelfTest', { fullTest: u8 }),
  responseHandles: [],
  response: NoParams,
});

/** TPM2_GetTestResult (Part 3, 10.4): returns TPM2B_MAX_BUFFER outData; TPM_RC testResult. */
export const GetTestResult = defineCommand({
  name: 'TPM2_GetTestResult',
  cc: TPM_CC.GetTestResult,
  handles: [],
  params: NoParams,
  responseHandles: [],
  response: struct('TPM2_GetTestResult_Response', { outData: TPM2BMaxBuffer, testResult: u32be }),
});
