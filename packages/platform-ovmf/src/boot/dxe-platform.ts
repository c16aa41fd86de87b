import { GetCapability, HierarchyChangeAuth, TPM_CAP, TPM_CC, TPM_RH, TpmResponseError, execute } from '@tcg2sim/tpm2-command-lib';
import type { TpmTransport } from '@tcg2sim/tpm2-command-lib';
import { findHashAlg } from '@tcg2sim/hash-lib';
import { DecodeError } from '@tcg2sim/binary-codec';

async function pcrBanksListed(t: TpmTransport): Promise<number[]> {
  const out = await execute(t, GetCapability, { handles: {}, params: { capability: TPM_CAP.PCRS, property: 0, propertyCount: 1 } });
  const d = out.params.capabilityData.data;
  return 'assignedPCR' in d ? d.assignedPCR.pcrSelections.map((s) => s.hash) : [];
}

/** Runs `fn`, ignoring TPM error responses and malformed answers (the firmware only logs them). */
async function tolerant(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof TpmResponseError) && !(e instanceof DecodeError)) throw e;
  }
}

/**
 * Tcg2ConfigDxe's entry (InstallTcg2ConfigForm, SecurityPkg/Tcg/Tcg2Config/Tcg2ConfigImpl.c):
 * Tpm2GetCapabilityPcrs, then Tpm2GetCapabilityIsCommandImplemented (TPM_CC_ChangeEPS).
 */
export async function tcg2ConfigDxeEntry(t: TpmTransport): Promise<void> {
  await tolerant(() => pcrBanksListed(t));
  await tolerant(() => execute(t, GetCapability, { handles: {}, params: { capability: TPM_CAP.COMMANDS, property: TPM_CC.ChangeEPS, propertyCount: 1 } }));
}

/**
 * Tcg2PlatformDxe at SmmReadyToLock (installed by OVMF's PlatformBootManagerBeforeConsole):
 * RandomizePlatformAuth (SecurityPkg/Library/PeiDxeTpmPlatformHierarchyLib): GetAuthSize
 * (Tpm2GetCapabilityPcrs: the largest digest of the listed banks, at least SHA1's 20 bytes),
 * then TPM2_HierarchyChangeAuth(TPM_RH_PLATFORM) with that many random bytes (RDRAND in
 * firmware; `random` here). The status is only logged. PCRs are not affected.
 */
export async function randomizePlatformAuth(t: TpmTransport, random: (n: number) => Uint8Array): Promise<void> {
  let size = 20;
  await tolerant(async () => {
    for (const alg of await pcrBanksListed(t)) size = Math.max(size, findHashAlg(alg)?.size ?? 0);
  });
  await tolerant(() => execute(t, HierarchyChangeAuth, { handles: { authHandle: TPM_RH.PLATFORM }, params: { newAuth: random(size) } }));
}
