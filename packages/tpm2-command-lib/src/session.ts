/**
 * The authorization area (TPM 2.0 Library Part 1, 18.5 and Part 2, 10.13): TPMS_AUTH_COMMAND /
 * TPMS_AUTH_RESPONSE, and the empty password session EDK II's Tpm2CommandLib sends for every
 * authorized command (`CopyAuthSessionCommand(NULL)`: TPM_RS_PW, empty nonce, attributes 0,
 * empty hmac; docs/edk2-pei.md §7.1).
 */
import { struct, u32be, u8 } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';
import { TPM_RS_PW } from './constants.ts';
import { TPM2BAuth, TPM2BNonce } from './structures/basic.ts';

/**
 * TPMS_AUTH_COMMAND (Part 2, 10.13.2, Table 126): TPMI_SH_AUTH_SESSION sessionHandle;
 * TPM2B_NONCE nonce; TPMA_SESSION sessionAttributes; TPM2B_AUTH hmac.
 */
export const TPMSAuthCommand = struct('TPMS_AUTH_COMMAND', {
  sessionHandle: u32be,
  nonce: TPM2BNonce,
  sessionAttributes: u8,
  hmac: TPM2BAuth,
});
export type TPMSAuthCommand = Infer<typeof TPMSAuthCommand>;

/**
 * TPMS_AUTH_RESPONSE (Part 2, 10.13.3, Table 127): TPM2B_NONCE nonce; TPMA_SESSION
 * sessionAttributes; TPM2B_AUTH hmac.
 */
export const TPMSAuthResponse = struct('TPMS_AUTH_RESPONSE', {
  nonce: TPM2BNonce,
  sessionAttributes: u8,
  hmac: TPM2BAuth,
});
export type TPMSAuthResponse = Infer<typeof TPMSAuthResponse>;

/**
 * A password session (Part 1, 19.6.4) carrying `password` in the hmac field; empty by default,
 * which is what EDK II sends for platform authorization.
 */
export function passwordSession(password: Uint8Array = new Uint8Array(0)): TPMSAuthCommand {
  return { sessionHandle: TPM_RS_PW, nonce: new Uint8Array(0), sessionAttributes: 0, hmac: password };
}
