/**
 * The TPM queries of Tcg2Dxe's DriverEntry (SecurityPkg/Tcg/Tcg2Dxe/Tcg2Dxe.c, edk2-stable202211):
 * what the driver learns from the TPM before it installs EFI_TCG2_PROTOCOL.
 */
import { GetCapability, TPM_CAP, TPM_PT, TpmResponseError, execute } from '@tcg2sim/tpm2-command-lib';
import type { TpmTransport } from '@tcg2sim/tpm2-command-lib';
import { HASH_ALGS } from '@tcg2sim/hash-lib';
import { commandLibTpm, TCG_HOB_GUID } from '@tcg2sim/tcg2-pei';
import type { PeiDeviceLib, Tcg2PeiResult } from '@tcg2sim/tcg2-pei';
import { Tcg2Dxe } from './tcg2-dxe.ts';
import type { Tcg2PhysicalPresenceLib } from './physical-presence.ts';

/** What Tcg2Dxe's DriverEntry learns from the TPM. */
export interface DxeTpmFacts {
  readonly manufacturerId: number;
  readonly firmwareVersion1: number;
  readonly firmwareVersion2: number;
  readonly maxCommandSize: number;
  readonly maxResponseSize: number;
  readonly supportedBanks: number;
  readonly activeBanks: number;
}

async function property(t: TpmTransport, pt: number, fallback: number): Promise<number> {
  try {
    const out = await execute(t, GetCapability, { params: { capability: TPM_CAP.TPM_PROPERTIES, property: pt, propertyCount: 1 } });
    const d = out.params.capabilityData.data;
    if ('tpmProperties' in d) {
      const p = d.tpmProperties.tpmProperty[0];
      if (p !== undefined && p.property === pt) return p.value;
    }
    return fallback;
  } catch (e) {
    if (e instanceof TpmResponseError) return fallback;
    throw e;
  }
}

/**
 * The GetCapability queries of Tcg2Dxe's DriverEntry, in the firmware's order: TPM_PT
 * 0x105 (manufacturer), 0x10B/0x10C (firmware version: a DEBUG_CODE block, skipped when
 * `debugCode` is false), 0x11E/0x11F (max command/response size; default 0x1000), then
 * TPM_CAP_PCRS for the supported and active banks.
 */
export async function dxeDriverEntryQueries(t: TpmTransport, debugCode = true): Promise<DxeTpmFacts> {
  const manufacturerId = await property(t, TPM_PT.MANUFACTURER, 0);
  const firmwareVersion1 = debugCode ? await property(t, TPM_PT.FIRMWARE_VERSION_1, 0) : 0;
  const firmwareVersion2 = debugCode ? await property(t, TPM_PT.FIRMWARE_VERSION_1 + 1, 0) : 0;
  const maxCommandSize = await property(t, TPM_PT.MAX_COMMAND_SIZE, 0x1000);
  const maxResponseSize = await property(t, TPM_PT.MAX_RESPONSE_SIZE, 0x1000);
  let supportedBanks = 0;
  let activeBanks = 0;
  try {
    const out = await execute(t, GetCapability, { params: { capability: TPM_CAP.PCRS, property: 0, propertyCount: 1 } });
    const d = out.params.capabilityData.data;
    if ('assignedPCR' in d) {
      for (const s of d.assignedPCR.pcrSelections) {
        const bit = HASH_ALGS.find((h) => h.alg === s.hash)?.bitmap;
        if (bit === undefined) continue;
        supportedBanks |= bit;
        if (s.pcrSelect.some((b) => b !== 0)) activeBanks |= bit;
      }
    }
  } catch (e) {
    if (!(e instanceof TpmResponseError)) throw e;
    supportedBanks = activeBanks = 0x01;
  }
  return { manufacturerId, firmwareVersion1, firmwareVersion2, maxCommandSize, maxResponseSize, supportedBanks, activeBanks };
}

/**
 * Tcg2Dxe's driver entry on its own device library (`DriverEntry` in
 * SecurityPkg/Tcg/Tcg2Dxe/Tcg2Dxe.c): RequestUseTpm, the TPM queries above, then the protocol
 * set up over what Tcg2Pei handed on (its measurements and, with SHA1, the TCG 1.2 HOB records).
 */
export async function startTcg2DxeAfterPei(
  dxeLib: PeiDeviceLib,
  pei: Tcg2PeiResult,
  extra: {
    readonly physicalPresence?: Tcg2PhysicalPresenceLib;
    readonly uintnSize?: number;
    /** DEBUG_CODE blocks run (default true: OVMF's PcdDebugPropertyMask 0x2F; ArmVirtQemu RELEASE builds have 0x21). */
    readonly debugCode?: boolean;
  } = {}
): Promise<{ readonly dxe: Tcg2Dxe; readonly facts: DxeTpmFacts }> {
  await dxeLib.requestUseTpm();
  const debugCode = extra.debugCode ?? true;
  const facts = await dxeDriverEntryQueries(dxeLib, debugCode);
  const dxeTpm = commandLibTpm(dxeLib, { debugCode });
  const dxe = Tcg2Dxe.start({
    tpm: {
      // Failures carry their EFI status (PeiTpmCommandError / device-library codes).
      pcrExtend: (pcr, digests) => dxeTpm.pcrExtend(pcr, digests),
      submitCommand: (c, maxResponseSize) => dxeLib.submit(c, maxResponseSize === undefined ? {} : { maxResponseSize }),
    },
    hashMask: pei.pcdTpm2HashMask,
    tpmSupportedBanks: facts.supportedBanks,
    tpmActiveBanks: facts.activeBanks,
    manufacturerId: facts.manufacturerId,
    maxCommandSize: facts.maxCommandSize,
    maxResponseSize: facts.maxResponseSize,
    peiEvents: pei.measurements,
    peiTcg12Records: pei.hobs.filter((h) => h.guid === TCG_HOB_GUID.TCG_EVENT_ENTRY).map((h) => h.data),
    ...(extra.physicalPresence !== undefined ? { physicalPresence: extra.physicalPresence } : {}),
    ...(extra.uintnSize !== undefined ? { uintnSize: extra.uintnSize } : {}),
  });
  return { dxe, facts };
}
