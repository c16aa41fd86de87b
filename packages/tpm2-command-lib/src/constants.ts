/**
 * TPM 2.0 constants (TPM 2.0 Library Part 2: Structures, rev 1.59, chapters 6-8 and 13), written
 * as `as const` objects plus a union type of their values (docs/style.md §3: no `enum`).
 *
 * Hash algorithm ids are not redefined here: {@link TPM_ALG} reuses `TPM_ALG_HASH` from
 * `@tcg2sim/hash-lib`, which holds the one hash registry of the project.
 */
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';

/** Values of an `as const` table. */
type ValueOf<T> = T[keyof T];

/**
 * TPM_ST: structure tags (Part 2, 6.9, Table 19). Command and response headers use
 * NO_SESSIONS / SESSIONS; RSP_COMMAND (0x00C4) is the TPM 1.2 response tag a TPM 2.0 returns
 * when it receives a command whose tag it does not know (`TPM_RC_BAD_TAG`).
 */
export const TPM_ST = {
  RSP_COMMAND: 0x00c4,
  NULL: 0x8000,
  NO_SESSIONS: 0x8001,
  SESSIONS: 0x8002,
  ATTEST_NV: 0x8014,
  ATTEST_COMMAND_AUDIT: 0x8015,
  ATTEST_SESSION_AUDIT: 0x8016,
  ATTEST_CERTIFY: 0x8017,
  ATTEST_QUOTE: 0x8018,
  ATTEST_TIME: 0x8019,
  ATTEST_CREATION: 0x801a,
  ATTEST_NV_DIGEST: 0x801c,
  CREATION: 0x8021,
  VERIFIED: 0x8022,
  AUTH_SECRET: 0x8023,
  HASHCHECK: 0x8024,
  AUTH_SIGNED: 0x8025,
  FU_MANIFEST: 0x8029,
} as const;
export type TPM_ST = ValueOf<typeof TPM_ST>;

/** TPM 1.2 command tags (TPM 1.2 Main Part 2, 6): what a TPM 1.2 probe sends (TPM_TAG_RQU_COMMAND). */
export const TPM12_TAG = {
  RQU_COMMAND: 0x00c1,
  RQU_AUTH1_COMMAND: 0x00c2,
  RQU_AUTH2_COMMAND: 0x00c3,
  RSP_COMMAND: 0x00c4,
  RSP_AUTH1_COMMAND: 0x00c5,
  RSP_AUTH2_COMMAND: 0x00c6,
} as const;
export type TPM12_TAG = ValueOf<typeof TPM12_TAG>;

/**
 * TPM_CC: command codes (Part 2, 6.5.2, Table 12; rev 1.59 list, 0x11F..0x19A). Keys are the
 * spec names without the `TPM_CC_` prefix.
 */
export const TPM_CC = {
  NV_UndefineSpaceSpecial: 0x0000011f,
  EvictControl: 0x00000120,
  HierarchyControl: 0x00000121,
  NV_UndefineSpace: 0x00000122,
  ChangeEPS: 0x00000124,
  ChangePPS: 0x00000125,
  Clear: 0x00000126,
  ClearControl: 0x00000127,
  ClockSet: 0x00000128,
  HierarchyChangeAuth: 0x00000129,
  NV_DefineSpace: 0x0000012a,
  PCR_Allocate: 0x0000012b,
  PCR_SetAuthPolicy: 0x0000012c,
  PP_Commands: 0x0000012d,
  SetPrimaryPolicy: 0x0000012e,
  FieldUpgradeStart: 0x0000012f,
  ClockRateAdjust: 0x00000130,
  CreatePrimary: 0x00000131,
  NV_GlobalWriteLock: 0x00000132,
  GetCommandAuditDigest: 0x00000133,
  NV_Increment: 0x00000134,
  NV_SetBits: 0x00000135,
  NV_Extend: 0x00000136,
  NV_Write: 0x00000137,
  NV_WriteLock: 0x00000138,
  DictionaryAttackLockReset: 0x00000139,
  DictionaryAttackParameters: 0x0000013a,
  NV_ChangeAuth: 0x0000013b,
  PCR_Event: 0x0000013c,
  PCR_Reset: 0x0000013d,
  SequenceComplete: 0x0000013e,
  SetAlgorithmSet: 0x0000013f,
  SetCommandCodeAuditStatus: 0x00000140,
  FieldUpgradeData: 0x00000141,
  IncrementalSelfTest: 0x00000142,
  SelfTest: 0x00000143,
  Startup: 0x00000144,
  Shutdown: 0x00000145,
  StirRandom: 0x00000146,
  ActivateCredential: 0x00000147,
  Certify: 0x00000148,
  PolicyNV: 0x00000149,
  CertifyCreation: 0x0000014a,
  Duplicate: 0x0000014b,
  GetTime: 0x0000014c,
  GetSessionAuditDigest: 0x0000014d,
  NV_Read: 0x0000014e,
  NV_ReadLock: 0x0000014f,
  ObjectChangeAuth: 0x00000150,
  PolicySecret: 0x00000151,
  Rewrap: 0x00000152,
  Create: 0x00000153,
  ECDH_ZGen: 0x00000154,
  HMAC: 0x00000155,
  Import: 0x00000156,
  Load: 0x00000157,
  Quote: 0x00000158,
  RSA_Decrypt: 0x00000159,
  HMAC_Start: 0x0000015b,
  SequenceUpdate: 0x0000015c,
  Sign: 0x0000015d,
  Unseal: 0x0000015e,
  PolicySigned: 0x00000160,
  ContextLoad: 0x00000161,
  ContextSave: 0x00000162,
  ECDH_KeyGen: 0x00000163,
  EncryptDecrypt: 0x00000164,
  FlushContext: 0x00000165,
  LoadExternal: 0x00000167,
  MakeCredential: 0x00000168,
  NV_ReadPublic: 0x00000169,
  PolicyAuthorize: 0x0000016a,
  PolicyAuthValue: 0x0000016b,
  PolicyCommandCode: 0x0000016c,
  PolicyCounterTimer: 0x0000016d,
  PolicyCpHash: 0x0000016e,
  PolicyLocality: 0x0000016f,
  PolicyNameHash: 0x00000170,
  PolicyOR: 0x00000171,
  PolicyTicket: 0x00000172,
  ReadPublic: 0x00000173,
  RSA_Encrypt: 0x00000174,
  StartAuthSession: 0x00000176,
  VerifySignature: 0x00000177,
  ECC_Parameters: 0x00000178,
  FirmwareRead: 0x00000179,
  GetCapability: 0x0000017a,
  GetRandom: 0x0000017b,
  GetTestResult: 0x0000017c,
  Hash: 0x0000017d,
  PCR_Read: 0x0000017e,
  PolicyPCR: 0x0000017f,
  PolicyRestart: 0x00000180,
  ReadClock: 0x00000181,
  PCR_Extend: 0x00000182,
  PCR_SetAuthValue: 0x00000183,
  NV_Certify: 0x00000184,
  EventSequenceComplete: 0x00000185,
  HashSequenceStart: 0x00000186,
  PolicyPhysicalPresence: 0x00000187,
  PolicyDuplicationSelect: 0x00000188,
  PolicyGetDigest: 0x00000189,
  TestParms: 0x0000018a,
  Commit: 0x0000018b,
  PolicyPassword: 0x0000018c,
  ZGen_2Phase: 0x0000018d,
  EC_Ephemeral: 0x0000018e,
  PolicyNvWritten: 0x0000018f,
  PolicyTemplate: 0x00000190,
  CreateLoaded: 0x00000191,
  PolicyAuthorizeNV: 0x00000192,
  EncryptDecrypt2: 0x00000193,
  AC_GetCapability: 0x00000194,
  AC_Send: 0x00000195,
  Policy_AC_SendSelect: 0x00000196,
  CertifyX509: 0x00000197,
  ACT_SetTimeout: 0x00000198,
  ECC_Encrypt: 0x00000199,
  ECC_Decrypt: 0x0000019a,
} as const;
export type TPM_CC = ValueOf<typeof TPM_CC>;

/** TPM_CC_FIRST / TPM_CC_LAST of the table above, and the vendor bit (TPMA_CC.V, Part 2 6.5.2). */
export const TPM_CC_FIRST = 0x0000011f;
export const TPM_CC_LAST = 0x0000019a;
export const CC_VEND = 0x20000000;

const CC_NAMES = new Map<number, string>(Object.entries(TPM_CC).map(([k, v]) => [v, `TPM_CC_${k}`]));

/** Spec name of a command code (`TPM_CC_PCR_Extend`), or `TPM_CC(0x…)` when unknown. */
export function ccName(cc: number): string {
  return CC_NAMES.get(cc) ?? `TPM_CC(0x${cc.toString(16).padStart(8, '0')})`;
}

/** TPM_SU: Startup / Shutdown types (Part 2, 6.10, Table 20). */
export const TPM_SU = { CLEAR: 0x0000, STATE: 0x0001 } as const;
export type TPM_SU = ValueOf<typeof TPM_SU>;

/** TPMI_YES_NO (Part 2, 9.2). */
export const YES = 1;
export const NO = 0;

/** TPM_CAP: capability groups of TPM2_GetCapability (Part 2, 6.12, Table 22). */
export const TPM_CAP = {
  ALGS: 0x00000000,
  HANDLES: 0x00000001,
  COMMANDS: 0x00000002,
  PP_COMMANDS: 0x00000003,
  AUDIT_COMMANDS: 0x00000004,
  PCRS: 0x00000005,
  TPM_PROPERTIES: 0x00000006,
  PCR_PROPERTIES: 0x00000007,
  ECC_CURVES: 0x00000008,
  AUTH_POLICIES: 0x00000009,
  ACT: 0x0000000a,
  VENDOR_PROPERTY: 0x00000100,
} as const;
export type TPM_CAP = ValueOf<typeof TPM_CAP>;

/** PT_GROUP, PT_FIXED, PT_VAR (Part 2, 6.13, Table 23). */
export const PT_GROUP = 0x00000100;
export const PT_FIXED = PT_GROUP * 1;
export const PT_VAR = PT_GROUP * 2;

/**
 * TPM_PT: TPM properties reported by GetCapability(TPM_CAP_TPM_PROPERTIES) (Part 2, 6.13,
 * Table 23). Fixed properties are PT_FIXED + n, variable ones PT_VAR + n. Tcg2Dxe reads
 * MANUFACTURER (0x105), FIRMWARE_VERSION_1/2 (0x10B/0x10C), MAX_COMMAND_SIZE (0x11E) and
 * MAX_RESPONSE_SIZE (0x11F).
 */
export const TPM_PT = {
  NONE: 0x00000000,
  FAMILY_INDICATOR: PT_FIXED + 0,
  LEVEL: PT_FIXED + 1,
  REVISION: PT_FIXED + 2,
  DAY_OF_YEAR: PT_FIXED + 3,
  YEAR: PT_FIXED + 4,
  MANUFACTURER: PT_FIXED + 5,
  VENDOR_STRING_1: PT_FIXED + 6,
  VENDOR_STRING_2: PT_FIXED + 7,
  VENDOR_STRING_3: PT_FIXED + 8,
  VENDOR_STRING_4: PT_FIXED + 9,
  VENDOR_TPM_TYPE: PT_FIXED + 10,
  FIRMWARE_VERSION_1: PT_FIXED + 11,
  FIRMWARE_VERSION_2: PT_FIXED + 12,
  INPUT_BUFFER: PT_FIXED + 13,
  HR_TRANSIENT_MIN: PT_FIXED + 14,
  HR_PERSISTENT_MIN: PT_FIXED + 15,
  HR_LOADED_MIN: PT_FIXED + 16,
  ACTIVE_SESSIONS_MAX: PT_FIXED + 17,
  PCR_COUNT: PT_FIXED + 18,
  PCR_SELECT_MIN: PT_FIXED + 19,
  CONTEXT_GAP_MAX: PT_FIXED + 20,
  NV_COUNTERS_MAX: PT_FIXED + 22,
  NV_INDEX_MAX: PT_FIXED + 23,
  MEMORY: PT_FIXED + 24,
  CLOCK_UPDATE: PT_FIXED + 25,
  CONTEXT_HASH: PT_FIXED + 26,
  CONTEXT_SYM: PT_FIXED + 27,
  CONTEXT_SYM_SIZE: PT_FIXED + 28,
  ORDERLY_COUNT: PT_FIXED + 29,
  MAX_COMMAND_SIZE: PT_FIXED + 30,
  MAX_RESPONSE_SIZE: PT_FIXED + 31,
  MAX_DIGEST: PT_FIXED + 32,
  MAX_OBJECT_CONTEXT: PT_FIXED + 33,
  MAX_SESSION_CONTEXT: PT_FIXED + 34,
  PS_FAMILY_INDICATOR: PT_FIXED + 35,
  PS_LEVEL: PT_FIXED + 36,
  PS_REVISION: PT_FIXED + 37,
  PS_DAY_OF_YEAR: PT_FIXED + 38,
  PS_YEAR: PT_FIXED + 39,
  SPLIT_MAX: PT_FIXED + 40,
  TOTAL_COMMANDS: PT_FIXED + 41,
  LIBRARY_COMMANDS: PT_FIXED + 42,
  VENDOR_COMMANDS: PT_FIXED + 43,
  NV_BUFFER_MAX: PT_FIXED + 44,
  MODES: PT_FIXED + 45,
  MAX_CAP_BUFFER: PT_FIXED + 46,
  FIRMWARE_SVN: PT_FIXED + 47,
  FIRMWARE_MAX_SVN: PT_FIXED + 48,
  PERMANENT: PT_VAR + 0,
  STARTUP_CLEAR: PT_VAR + 1,
  HR_NV_INDEX: PT_VAR + 2,
  HR_LOADED: PT_VAR + 3,
  HR_LOADED_AVAIL: PT_VAR + 4,
  HR_ACTIVE: PT_VAR + 5,
  HR_ACTIVE_AVAIL: PT_VAR + 6,
  HR_TRANSIENT_AVAIL: PT_VAR + 7,
  HR_PERSISTENT: PT_VAR + 8,
  HR_PERSISTENT_AVAIL: PT_VAR + 9,
  NV_COUNTERS: PT_VAR + 10,
  NV_COUNTERS_AVAIL: PT_VAR + 11,
  ALGORITHM_SET: PT_VAR + 12,
  LOADED_CURVES: PT_VAR + 13,
  LOCKOUT_COUNTER: PT_VAR + 14,
  MAX_AUTH_FAIL: PT_VAR + 15,
  LOCKOUT_INTERVAL: PT_VAR + 16,
  LOCKOUT_RECOVERY: PT_VAR + 17,
  NV_WRITE_RECOVERY: PT_VAR + 18,
  AUDIT_COUNTER_0: PT_VAR + 19,
  AUDIT_COUNTER_1: PT_VAR + 20,
} as const;
export type TPM_PT = ValueOf<typeof TPM_PT>;

/**
 * TPM_PT_PCR: PCR properties reported by GetCapability(TPM_CAP_PCR_PROPERTIES) (Part 2, 6.14,
 * Table 24). Each is a PCR bit map (TPMS_TAGGED_PCR_SELECT).
 */
export const TPM_PT_PCR = {
  SAVE: 0x00000000,
  EXTEND_L0: 0x00000001,
  RESET_L0: 0x00000002,
  EXTEND_L1: 0x00000003,
  RESET_L1: 0x00000004,
  EXTEND_L2: 0x00000005,
  RESET_L2: 0x00000006,
  EXTEND_L3: 0x00000007,
  RESET_L3: 0x00000008,
  EXTEND_L4: 0x00000009,
  RESET_L4: 0x0000000a,
  NO_INCREMENT: 0x00000011,
  DRTM_RESET: 0x00000012,
  POLICY: 0x00000013,
  AUTH: 0x00000014,
} as const;
export type TPM_PT_PCR = ValueOf<typeof TPM_PT_PCR>;

/** TPM_HT: the handle type in the top byte of a handle (Part 2, 7.2, Table 27). */
export const TPM_HT = {
  PCR: 0x00,
  NV_INDEX: 0x01,
  HMAC_SESSION: 0x02,
  LOADED_SESSION: 0x02,
  POLICY_SESSION: 0x03,
  SAVED_SESSION: 0x03,
  PERMANENT: 0x40,
  TRANSIENT: 0x80,
  PERSISTENT: 0x81,
  AC: 0x90,
} as const;
export type TPM_HT = ValueOf<typeof TPM_HT>;

/** HR_SHIFT and the handle-range bases (Part 2, 7.4, Table 29). */
export const HR_SHIFT = 24;
export const HR_PCR = TPM_HT.PCR << HR_SHIFT;
export const HR_NV_INDEX = TPM_HT.NV_INDEX << HR_SHIFT;
export const HR_PERMANENT = TPM_HT.PERMANENT << HR_SHIFT;

/** The handle type of `handle` (its most significant byte). */
export function handleType(handle: number): number {
  return handle >>> HR_SHIFT;
}

/**
 * TPM_RH: permanent handles (Part 2, 7.4, Table 28), and TPM_RS_PW, the handle of the password
 * session (0x40000009) that EDK II puts in every authorized command.
 */
export const TPM_RH = {
  SRK: 0x40000000,
  OWNER: 0x40000001,
  REVOKE: 0x40000002,
  TRANSPORT: 0x40000003,
  OPERATOR: 0x40000004,
  ADMIN: 0x40000005,
  EK: 0x40000006,
  NULL: 0x40000007,
  UNASSIGNED: 0x40000008,
  LOCKOUT: 0x4000000a,
  ENDORSEMENT: 0x4000000b,
  PLATFORM: 0x4000000c,
  PLATFORM_NV: 0x4000000d,
  AUTH_00: 0x40000010,
  AUTH_FF: 0x4000010f,
  ACT_0: 0x40000110,
  ACT_F: 0x4000011f,
} as const;
export type TPM_RH = ValueOf<typeof TPM_RH>;

/** TPM_RS_PW: the password authorization session handle (Part 2, 7.4, Table 28). */
export const TPM_RS_PW = 0x40000009;

/** TPMA_SESSION bits (Part 2, 8.4, Table 37). */
export const TPMA_SESSION = {
  continueSession: 0x01,
  auditExclusive: 0x02,
  auditReset: 0x04,
  decrypt: 0x20,
  encrypt: 0x40,
  audit: 0x80,
} as const;

/** TPMA_ALGORITHM bits (Part 2, 8.2, Table 31). */
export const TPMA_ALGORITHM = {
  asymmetric: 0x00000001,
  symmetric: 0x00000002,
  hash: 0x00000004,
  object: 0x00000008,
  signing: 0x00000100,
  encrypting: 0x00000200,
  method: 0x00000400,
} as const;

/** TPMA_CC fields (Part 2, 8.9, Table 42). */
export const TPMA_CC = {
  commandIndexMask: 0x0000ffff,
  nv: 0x00400000,
  extensive: 0x00800000,
  flushed: 0x01000000,
  cHandlesMask: 0x0e000000,
  cHandlesShift: 25,
  rHandle: 0x10000000,
  V: 0x20000000,
} as const;

/** TPM_NT: the kind of an NV index, TPMA_NV bits 7:4 (Part 2, 13.3, Table 232). */
export const TPM_NT = {
  ORDINARY: 0x0,
  COUNTER: 0x1,
  BITS: 0x2,
  EXTEND: 0x4,
  PIN_FAIL: 0x8,
  PIN_PASS: 0x9,
} as const;
export type TPM_NT = ValueOf<typeof TPM_NT>;

/** TPMA_NV bits (Part 2, 13.4, Table 233). TPM_NT sits in bits 7:4 (`TPM_NT_MASK`). */
export const TPMA_NV = {
  PPWRITE: 0x00000001,
  OWNERWRITE: 0x00000002,
  AUTHWRITE: 0x00000004,
  POLICYWRITE: 0x00000008,
  TPM_NT_MASK: 0x000000f0,
  TPM_NT_SHIFT: 4,
  POLICY_DELETE: 0x00000400,
  WRITELOCKED: 0x00000800,
  WRITEALL: 0x00001000,
  WRITEDEFINE: 0x00002000,
  WRITE_STCLEAR: 0x00004000,
  GLOBALLOCK: 0x00008000,
  PPREAD: 0x00010000,
  OWNERREAD: 0x00020000,
  AUTHREAD: 0x00040000,
  POLICYREAD: 0x00080000,
  NO_DA: 0x02000000,
  ORDERLY: 0x04000000,
  CLEAR_STCLEAR: 0x08000000,
  READLOCKED: 0x10000000,
  WRITTEN: 0x20000000,
  PLATFORMCREATE: 0x40000000,
  READ_STCLEAR: 0x80000000,
} as const;

/**
 * TPM_ALG: algorithm ids (TCG Algorithm Registry rev 1.32; Part 2, 6.3, Table 9). The hash ids
 * are those of `TPM_ALG_HASH` (@tcg2sim/hash-lib).
 */
export const TPM_ALG = {
  ERROR: 0x0000,
  RSA: 0x0001,
  TDES: 0x0003,
  ...TPM_ALG_HASH,
  HMAC: 0x0005,
  AES: 0x0006,
  MGF1: 0x0007,
  KEYEDHASH: 0x0008,
  XOR: 0x000a,
  NULL: 0x0010,
  SM4: 0x0013,
  RSASSA: 0x0014,
  RSAES: 0x0015,
  RSAPSS: 0x0016,
  OAEP: 0x0017,
  ECDSA: 0x0018,
  ECDH: 0x0019,
  ECDAA: 0x001a,
  SM2: 0x001b,
  ECSCHNORR: 0x001c,
  ECMQV: 0x001d,
  KDF1_SP800_56A: 0x0020,
  KDF2: 0x0021,
  KDF1_SP800_108: 0x0022,
  ECC: 0x0023,
  SYMCIPHER: 0x0025,
  CAMELLIA: 0x0026,
  SHA3_256: 0x0027,
  SHA3_384: 0x0028,
  SHA3_512: 0x0029,
  CMAC: 0x003f,
  CTR: 0x0040,
  OFB: 0x0041,
  CBC: 0x0042,
  CFB: 0x0043,
  ECB: 0x0044,
} as const;
export type TPM_ALG = ValueOf<typeof TPM_ALG>;

const ALG_NAMES = new Map<number, string>(Object.entries(TPM_ALG).map(([k, v]) => [v, `TPM_ALG_${k}`]));

/** Spec name of an algorithm id (`TPM_ALG_SHA256`), or `TPM_ALG(0x…)` when unknown. */
export function algName(alg: number): string {
  return ALG_NAMES.get(alg) ?? `TPM_ALG(0x${alg.toString(16).padStart(4, '0')})`;
}

/** TPM_ECC_CURVE (Part 2, 6.4, Table 10). */
export const TPM_ECC_CURVE = {
  NONE: 0x0000,
  NIST_P192: 0x0001,
  NIST_P224: 0x0002,
  NIST_P256: 0x0003,
  NIST_P384: 0x0004,
  NIST_P521: 0x0005,
  BN_P256: 0x0010,
  BN_P638: 0x0011,
  SM2_P256: 0x0020,
} as const;
export type TPM_ECC_CURVE = ValueOf<typeof TPM_ECC_CURVE>;

/**
 * PC Client PCR profile (TCG PC Client Platform TPM Profile (PTP) 1.05, PCR attributes table;
 * libtpms `s_initAttributes`): 24 PCRs per bank, 3 bytes of PCR select. PCR 16 and 23 reset
 * and extend at every locality. PCR 17-22 (DRTM) reset to all ones; reset at locality 4
 * (20-22 also at 2); extend at localities 2-4 (17, 18), 2-3 (19), 1-3 (20), 2 (21, 22).
 */
export const IMPLEMENTATION_PCR = 24;
export const PCR_SELECT_MAX = 3;
export const PCR_SELECT_MIN = 3;
/** The debug PCR (resettable at every locality). */
export const PCR_DEBUG = 16;
/** The application PCR (resettable at every locality). */
export const PCR_APPLICATION = 23;

/**
 * Buffer limits of the reference implementation / libtpms (TpmProfile.h, Part 4): the maxima
 * used to bound TPM2B and TPML sizes when decoding.
 */
export const MAX_DIGEST_BUFFER = 1024;
export const MAX_NV_BUFFER_SIZE = 1024;
export const MAX_CAP_BUFFER = 1024;
export const MAX_CONTEXT_SIZE = 4096;
export const MAX_COMMAND_SIZE = 4096;
export const MAX_RESPONSE_SIZE = 4096;
/** Size of the largest digest (SHA-512). */
export const MAX_DIGEST_SIZE = 64;
/** TPML_DIGEST holds at most 8 digests (Part 2, 10.9.3). */
export const MAX_TPML_DIGEST = 8;
/** Maximum NV index data size a TPM may report (TPM2B_MAX_NV_BUFFER bound). */
export const MAX_NV_INDEX_SIZE = 2048;
/** Largest TPM2B_EVENT (Part 2, 10.4.7: 1024 bytes). */
export const MAX_EVENT_SIZE = 1024;
/** Bound for TPML lists decoded from responses (go-tpm uses 4096; capability data is smaller). */
export const MAX_LIST_LENGTH = 4096;

/** TPM_GENERATED_VALUE (Part 2, 6.2): the magic of attestation structures. */
export const TPM_GENERATED_VALUE = 0xff544347;

/** Size of the command and response header (tag + size + code). */
export const TPM_HEADER_SIZE = 10;
