/**
 * TPM2_HierarchyChangeAuth (Part 3, 24.8) as libtpms 0.9 HierarchyCommands.c behaves, for the
 * platform hierarchy: what OVMF's Tcg2PlatformDxe sends at SmmReadyToLock (a random platformAuth
 * as long as the largest PCR bank digest). The new authValue has its trailing zeros removed and
 * may be at most the size of the context-integrity digest (SHA-512 in libtpms: 64 bytes);
 * TPM_RC_SIZE for parameter 1 otherwise. The platform authValue is volatile (reset by
 * TPM2_Startup(CLEAR), as HierarchyStartup does). Owner, endorsement and lockout authValues are
 * not modelled: those handles get TPM_RC_VALUE from the handle type check.
 */
import { command, EMPTY } from '../command.ts';
import { RC, RC_1, RC_P } from '../constants.ts';
import { MAX_DIGEST } from '../wire.ts';

const P1 = RC_P + RC_1;
/** CryptHashGetDigestSize(CONTEXT_INTEGRITY_HASH_ALG) with SHA-512 implemented. */
const CONTEXT_INTEGRITY_DIGEST_SIZE = 64;

function stripTrailingZeros(b: Uint8Array): Uint8Array {
  let n = b.length;
  while (n > 0 && b[n - 1] === 0) n--;
  return b.subarray(0, n);
}

/** TPM2_HierarchyChangeAuth(@authHandle TPMI_RH_HIERARCHY_AUTH, TPM2B_AUTH newAuth). */
export const HierarchyChangeAuth = command({
  cc: 0x129,
  name: 'HierarchyChangeAuth',
  handles: ['platform'],
  authHandles: 1,
  parse: (p) => {
    const newAuth = p.next((r) => r.tpm2b(MAX_DIGEST));
    return ({ state }) => {
      const auth = stripTrailingZeros(newAuth);
      if (auth.length > CONTEXT_INTEGRITY_DIGEST_SIZE) return RC.SIZE + P1;
      state.volatile.platformAuth = Uint8Array.from(auth);
      return EMPTY;
    };
  },
});
