/**
 * The TPM 2.0 Part 2 constants the soft TPM uses: the spec tables come from tpm2-command-lib
 * (declared once there); what is specific to libtpms' build (its accepted TPM_ST set, handle
 * ranges, reserved-bit masks) is declared here.
 */
import { TPM_ALG, TPM_CC, TPM_RC, TPM_RH, TPM_RS_PW, TPM_ST, TPM_SU, TPMA_NV } from '@tcg2sim/tpm2-command-lib';

/** TPM_RC (Part 2, 6.6), from tpm2-command-lib. */
export const RC = TPM_RC;

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

/** TPM_CC (Part 2, 6.5.2), from tpm2-command-lib. */
export const CC = TPM_CC;

/** TPM_ST (Part 2, 6.9), from tpm2-command-lib. */
export const ST = TPM_ST;

/** Every TPM_ST value libtpms 0.9 accepts when unmarshalling a TPM_ST (others: TPM_RC_VALUE). */
export const KNOWN_ST: ReadonlySet<number> = new Set([
  0x00c4, 0x8000, 0x8001, 0x8002, 0x8014, 0x8015, 0x8016, 0x8017, 0x8018, 0x8019, 0x801a, 0x8021,
  0x8022, 0x8023, 0x8024, 0x8025,
]);

/** TPM_RH permanent handles (Part 2, 7.4) and TPM_RS_PW, from tpm2-command-lib. */
export const RH = { ...TPM_RH, PW: TPM_RS_PW } as const;

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

/** TPM_SU (Part 2, 6.10), from tpm2-command-lib. */
export const SU = TPM_SU;

/** TPM_ALG_ID (Part 2, 6.3), from tpm2-command-lib. */
export const ALG = TPM_ALG;

/** TPMA_NV bits (Part 2, 13.4) from tpm2-command-lib, plus libtpms' TPMA_NV_RESERVED mask (bits 8-9, 20-24). */
export const NV_ATTR = { ...TPMA_NV, RESERVED: 0x01f00300 } as const;

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
