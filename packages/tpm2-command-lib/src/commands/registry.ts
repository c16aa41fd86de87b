/**
 * Every command declared in this library, by command code, and the size of the handle area of
 * every Part 3 command (TPMA_CC.cHandles, TPM 2.0 Library Part 2 8.9; checked against what
 * libtpms reports in GetCapability(TPM_CAP_COMMANDS)), used to take any command buffer apart.
 */
import { TPM_CC } from '../constants.ts';
import type { AnyCommandDecl } from '../command.ts';
import { GetCapability, GetRandom, ReadClock, TestParms } from './capability.ts';
import { EventSequenceComplete, Hash, HashSequenceStart, SequenceComplete, SequenceUpdate } from './hash.ts';
import { NVDefineSpace, NVRead, NVReadPublic, NVUndefineSpace, NVWrite } from './nv.ts';
import { PCRAllocate, PCREvent, PCRExtend, PCRRead, PCRReset } from './pcr.ts';
import { GetTestResult, SelfTest, Shutdown, Startup } from './startup.ts';

/** The commands this library declares (the ones the firmware path sends, and a few for tests). */
export const COMMANDS: readonly AnyCommandDecl[] = [
  Startup, Shutdown, SelfTest, GetTestResult, GetCapability, GetRandom, TestParms, ReadClock,
  PCRRead, PCRExtend, PCREvent, PCRReset, PCRAllocate, Hash, HashSequenceStart, SequenceUpdate,
  SequenceComplete, EventSequenceComplete, NVDefineSpace, NVUndefineSpace, NVReadPublic, NVWrite,
  NVRead,
];

const BY_CC = new Map<number, AnyCommandDecl>(COMMANDS.map((c) => [c.cc, c]));

/** The declaration of command code `cc`, when this library declares it. */
export function commandByCode(cc: number): AnyCommandDecl | undefined {
  return BY_CC.get(cc);
}

/** Handle-area size (number of handles) of every Part 3 command, keyed by TPM_CC name. */
export const COMMAND_HANDLE_COUNT: Readonly<Record<keyof typeof TPM_CC, number>> = {
  NV_UndefineSpaceSpecial: 2, EvictControl: 2, HierarchyControl: 1, NV_UndefineSpace: 2,
  ChangeEPS: 1, ChangePPS: 1, Clear: 1, ClearControl: 1, ClockSet: 1, HierarchyChangeAuth: 1,
  NV_DefineSpace: 1, PCR_Allocate: 1, PCR_SetAuthPolicy: 1, PP_Commands: 1, SetPrimaryPolicy: 1,
  FieldUpgradeStart: 2, ClockRateAdjust: 1, CreatePrimary: 1, NV_GlobalWriteLock: 1,
  GetCommandAuditDigest: 2, NV_Increment: 2, NV_SetBits: 2, NV_Extend: 2, NV_Write: 2,
  NV_WriteLock: 2, DictionaryAttackLockReset: 1, DictionaryAttackParameters: 1, NV_ChangeAuth: 1,
  PCR_Event: 1, PCR_Reset: 1, SequenceComplete: 1, SetAlgorithmSet: 1,
  SetCommandCodeAuditStatus: 1, FieldUpgradeData: 0, IncrementalSelfTest: 0, SelfTest: 0,
  Startup: 0, Shutdown: 0, StirRandom: 0, ActivateCredential: 2, Certify: 2, PolicyNV: 3,
  CertifyCreation: 2, Duplicate: 2, GetTime: 2, GetSessionAuditDigest: 3, NV_Read: 2,
  NV_ReadLock: 2, ObjectChangeAuth: 2, PolicySecret: 2, Rewrap: 2, Create: 1, ECDH_ZGen: 1,
  HMAC: 1, Import: 1, Load: 1, Quote: 1, RSA_Decrypt: 1, HMAC_Start: 1, SequenceUpdate: 1,
  Sign: 1, Unseal: 1, PolicySigned: 2, ContextLoad: 0, ContextSave: 1, ECDH_KeyGen: 1,
  EncryptDecrypt: 1, FlushContext: 0, LoadExternal: 0, MakeCredential: 1, NV_ReadPublic: 1,
  PolicyAuthorize: 1, PolicyAuthValue: 1, PolicyCommandCode: 1, PolicyCounterTimer: 1,
  PolicyCpHash: 1, PolicyLocality: 1, PolicyNameHash: 1, PolicyOR: 1, PolicyTicket: 1,
  ReadPublic: 1, RSA_Encrypt: 1, StartAuthSession: 2, VerifySignature: 1, ECC_Parameters: 0,
  FirmwareRead: 0, GetCapability: 0, GetRandom: 0, GetTestResult: 0, Hash: 0, PCR_Read: 0,
  PolicyPCR: 1, PolicyRestart: 1, ReadClock: 0, PCR_Extend: 1, PCR_SetAuthValue: 1,
  NV_Certify: 3, EventSequenceComplete: 2, HashSequenceStart: 0, PolicyPhysicalPresence: 1,
  PolicyDuplicationSelect: 1, PolicyGetDigest: 1, TestParms: 0, Commit: 1, PolicyPassword: 1,
  ZGen_2Phase: 1, EC_Ephemeral: 0, PolicyNvWritten: 1, PolicyTemplate: 1, CreateLoaded: 1,
  PolicyAuthorizeNV: 3, EncryptDecrypt2: 1, AC_GetCapability: 1, AC_Send: 3,
  Policy_AC_SendSelect: 1, CertifyX509: 2, ACT_SetTimeout: 1, ECC_Encrypt: 1, ECC_Decrypt: 1,
};

const HANDLES_BY_CC = new Map<number, number>(
  Object.entries(TPM_CC).map(([k, v]) => [v, (COMMAND_HANDLE_COUNT as Readonly<Record<string, number>>)[k] ?? 0])
);

/** The number of handles in the handle area of command `cc`, undefined for unknown commands. */
export function handleCount(cc: number): number | undefined {
  return HANDLES_BY_CC.get(cc);
}
