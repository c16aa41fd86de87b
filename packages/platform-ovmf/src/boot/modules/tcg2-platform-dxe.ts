/**
 * Tcg2PlatformDxe (SecurityPkg/Tcg/Tcg2PlatformDxe): at SmmReadyToLock (signalled by OVMF's
 * PlatformBootManagerBeforeConsole after EndOfDxe) it randomises the platform hierarchy's auth
 * (no PCR touched).
 */
import { randomBytes } from 'node:crypto';
import { randomizePlatformAuth } from '../dxe-platform.ts';
import type { DxeContext } from './context.ts';
import type { DxeUnit } from './dxe-unit.ts';

/** Tcg2PlatformDxe's FILE_GUID (SecurityPkg/Tcg/Tcg2PlatformDxe/Tcg2PlatformDxe.inf). */
export const TCG2_PLATFORM_DXE_FILE_GUID = '5CAB08D5-AD8F-4D8B-B828-D17A8D9FE977';

function defaultRandom(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

export const tcg2PlatformDxeUnit: DxeUnit = {
  module: { name: 'Tcg2PlatformDxe', fileGuid: TCG2_PLATFORM_DXE_FILE_GUID },
  role: 'randomises the platform auth at SmmReadyToLock (TPM2_HierarchyChangeAuth, no measurement)',
  async run(ctx: DxeContext): Promise<void> {
    // BDS PlatformBootManagerBeforeConsole: EndOfDxe, Tcg2PhysicalPresenceLibProcessRequest (no
    // pending request: no TPM traffic), SmmReadyToLock -> Tcg2PlatformDxe.
    ctx.stack.phase = 'dxe:Tcg2PlatformDxe';
    await randomizePlatformAuth(ctx.stack.deviceLib(), ctx.input.random ?? defaultRandom);
  },
};
