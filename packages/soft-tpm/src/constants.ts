/**
 * The TPM 2.0 Part 2 constants the soft TPM needs internally (response codes, command codes,
 * structure tags, handles). They are the spec values; the soft TPM keeps its own copy so the
 * response builder does not depend on how tpm2-command-lib presents them to callers.
 */

/** TPM_RC (Part 2, 6.6): the codes the soft TPM can return. */
export const RC = {
  SUCCESS: 0x000,
  BAD_TAG: 0x01e,
  // format-zero, version 1
  INITIALIZE: 0x100,
  FAILURE: 0x101,
  SEQUENCE: 0x103,
  AUTH_TYPE: 0x124,
  AUTH_MISSING: 0x125,
  PCR: 0x127,
  AUTH_UNAVAILABLE: 0x12f,
  COMMAND_SIZE: 0x142,
  COMMAND_CODE: 0x143,
  AUTHSIZE: 0x144,
  AUTH_CONTEXT: 0x145,
  NV_RANGE: 0x146,
  NV_SIZE: 0x147,
  NV_LOCKED: 0x148,
  NV_AUTHORIZATION: 0x149,
  NV_UNINITIALIZED: 0x14a,
  NV_SPACE: 0x14b,
  NV_DEFINED: 0x14c,
  // format-one
  ASYMMETRIC: 0x081,
  ATTRIBUTES: 0x082,
  HASH: 0x083,
  VALUE: 0x084,
  HIERARCHY: 0x085,
  KEY_SIZE: 0x087,
  MGF: 0x088,
  MODE: 0x089,
  TYPE: 0x08a,
  HANDLE: 0x08b,
  KDF: 0x08c,
  RANGE: 0x08d,
  AUTH_FAIL: 0x08e,
  NONCE: 0x08f,
  PP: 0x090,
  SCHEME: 0x092,
  SIZE: 0x095,
  SYMMETRIC: 0x096,
  TAG: 0x097,
  SELECTOR: 0x098,
  INSUFFICIENT: 0x09a,
  KEY: 0x09c,
  RESERVED_BITS: 0x0a1,
  BAD_AUTH: 0x0a2,
  CURVE: 0x0a6,
  // warnings
  OBJECT_MEMORY: 0x902,
  LOCALITY: 0x907,
  REFERENCE_H0: 0x910,
  REFERENCE_S0: 0x918,
  LOCKOUT: 0x921,
  RETRY: 0x922,
} as const;

/** Format-one modifiers: handle, parameter and session numbers (TPM_RC_H/P/S, TPM_RC_1). */
export const RC_H = 0x000;
export const RC_P = 0x040;
export const RC_S = 0x800;
export const RC_1 = 0x100;

/** True for a format-one code (bit 7 set), to which a handle/parameter/session number applies. */
export function isFmt1(rc: number): boolean {
  return (rc & 0x80) !== 0;
}

/** RcSafeAddToResult: add a number to a format-one code, leave any other code alone. */
export function rcAdd(rc: number, index: number): number {
  return isFmt1(rc) ? rc + index : rc;
}

/** TPM_CC (Part 2, 6.5.2): the commands the soft TPM implements. */
export const CC = {
  NV_UndefineSpace: 0x122,
  NV_DefineSpace: 0x12a,
  PCR_Allocate: 0x12b,
  NV_Write: 0x137,
  PCR_Event: 0x13c,
  PCR_Reset: 0x13d,
  SequenceComplete: 0x13e,
  SelfTest: 0x143,
  Startup: 0x144,
  Shutdown: 0x145,
  NV_Read: 0x14e,
  SequenceUpdate: 0x15c,
  NV_ReadPublic: 0x169,
  GetCapability: 0x17a,
  GetRandom: 0x17b,
  GetTestResult: 0x17c,
  Hash: 0x17d,
  PCR_Read: 0x17e,
  ReadClock: 0x181,
  PCR_Extend: 0x182,
  EventSequenceComplete: 0x185,
  HashSequenceStart: 0x186,
  TestParms: 0x18a,
} as const;

/** TPM_ST (Part 2, 6.9). */
export const ST = {
  RSP_COMMAND: 0x00c4,
  NULL: 0x8000,
  NO_SESSIONS: 0x8001,
  SESSIONS: 0x8002,
  HASHCHECK: 0x8024,
} as const;

/** Every TPM_ST value libtpms 0.9 accepts when unmarshalling a TPM_ST (others: TPM_RC_VALUE). */
export const KNOWN_ST: ReadonlySet<number> = new Set([
  0x00c4, 0x8000, 0x8001, 0x8002, 0x8014, 0x8015, 0x8016, 0x8017, 0x8018, 0x8019, 0x801a, 0x8021,
  0x8022, 0x8023, 0x8024, 0x8025,
]);

/** TPM_RH / TPM_RS permanent handles (Part 2, 7.4). */
export const RH = {
  OWNER: 0x40000001,
  NULL: 0x40000007,
  PW: 0x40000009,
  LOCKOUT: 0x4000000a,
  ENDORSEMENT: 0x4000000b,
  PLATFORM: 0x4000000c,
  PLATFORM_NV: 0x4000000d,
} as const;

/** Handle ranges (Part 2, 7.2-7.3) as libtpms sizes them. */
export const HR = {
  PCR_LAST: 23,
  NV_FIRST: 0x01000000,
  NV_LAST: 0x01ffffff,
  HMAC_FIRST: 0x02000000,
  /** MAX_ACTIVE_SESSIONS = 64 in libtpms. */
  HMAC_LAST: 0x0200003f,
  POLICY_FIRST: 0x03000000,
  POLICY_LAST: 0x0300003f,
  TRANSIENT_FIRST: 0x80000000,
  /** MAX_LOADED_OBJECTS = 3 in libtpms. */
  TRANSIENT_LAST: 0x80000002,
  PERSISTENT_FIRST: 0x81000000,
  PERSISTENT_LAST: 0x81ffffff,
  PLATFORM_PERSISTENT: 0x81800000,
} as const;

/** TPM_SU (Part 2, 6.10). */
export const SU = { CLEAR: 0x0000, STATE: 0x0001 } as const;

/** TPM_ALG_ID values (Part 2, 6.3) the soft TPM knows. */
export const ALG = {
  RSA: 0x0001,
  SHA1: 0x0004,
  HMAC: 0x0005,
  AES: 0x0006,
  KEYEDHASH: 0x0008,
  XOR: 0x000a,
  SHA256: 0x000b,
  SHA384: 0x000c,
  SHA512: 0x000d,
  NULL: 0x0010,
  RSASSA: 0x0014,
  RSAES: 0x0015,
  RSAPSS: 0x0016,
  OAEP: 0x0017,
  ECDSA: 0x0018,
  ECDH: 0x0019,
  ECDAA: 0x001a,
  ECSCHNORR: 0x001c,
  ECMQV: 0x001d,
  KDF1_SP800_56A: 0x0020,
  KDF2: 0x0021,
  KDF1_SP800_108: 0x0022,
  ECC: 0x0023,
  SYMCIPHER: 0x0025,
  CAMELLIA: 0x0026,
  CTR: 0x0040,
  OFB: 0x0041,
  CBC: 0x0042,
  CFB: 0x0043,
  ECB: 0x0044,
  TDES: 0x0003,
  SM4: 0x0013,
  SM2: 0x001b,
  SM3_256: 0x0012,
} as const;

/** TPMA_NV bits (Part 2, 13.4). */
export const NV_ATTR = {
  PPWRITE: 1 << 0,
  OWNERWRITE: 1 << 1,
  AUTHWRITE: 1 << 2,
  POLICYWRITE: 1 << 3,
  TPM_NT_SHIFT: 4,
  TPM_NT_MASK: 0xf0,
  POLICY_DELETE: 1 << 10,
  WRITELOCKED: 1 << 11,
  WRITEALL: 1 << 12,
  WRITEDEFINE: 1 << 13,
  WRITE_STCLEAR: 1 << 14,
  GLOBALLOCK: 1 << 15,
  PPREAD: 1 << 16,
  OWNERREAD: 1 << 17,
  AUTHREAD: 1 << 18,
  POLICYREAD: 1 << 19,
  NO_DA: 1 << 25,
  ORDERLY: 1 << 26,
  CLEAR_STCLEAR: 1 << 27,
  READLOCKED: 1 << 28,
  WRITTEN: 1 << 29,
  PLATFORMCREATE: 1 << 30,
  READ_STCLEAR: 2 ** 31,
  /** TPMA_NV_RESERVED in libtpms: bits 8-9 and 20-24. */
  RESERVED: 0x01f00300,
} as const;

/** TPMA_SESSION bits (Part 2, 8.4). */
export const SESSION_ATTR = {
  CONTINUE_SESSION: 0x01,
  AUDIT_EXCLUSIVE: 0x02,
  AUDIT_RESET: 0x04,
  RESERVED: 0x18,
  DECRYPT: 0x20,
  ENCRYPT: 0x40,
  AUDIT: 0x80,
} as const;

/** The 4-byte value TPM-generated structures start with (TPM_GENERATED_VALUE, "\xffTCG"). */
export const TPM_GENERATED_VALUE = 0xff544347;

/** Response header size: tag, size, code. */
export const HEADER_SIZE = 10;
