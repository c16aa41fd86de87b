/**
 * Tcg2Dxe (SecurityPkg/Tcg/Tcg2Dxe): its DriverEntry (the TPM queries, the event log areas with
 * PEI's events), MeasureSecureBootPolicy once the variable-write protocol is there (PCR7), and
 * its ReadyToBoot callback (boot variables, "Calling EFI Application from Boot Option", the
 * separators). `start` makes the DXE context: the protocol every later unit measures through.
 */
import {
  MeasureBootHandler, ReadyToBootMeasurement, measureSecureBootPolicy, startTcg2DxeAfterPei,
} from '@tcg2sim/tcg2-dxe';
import type { Tcg2PeiResult } from '@tcg2sim/tcg2-pei';
import { DxeVariables } from '../dxe-variables.ts';
import { storeHistory } from '../store-history.ts';
import { emulatedStoreStartsEmpty } from '../emu-variables.ts';
import { specIdUintnSize } from '../firmware-arch.ts';
import { calibrationFactsOf, calibrationPointOf } from '../calibration-point.ts';
import { buildReleaseOf } from './dxe-allocations-of.ts';
import type { DxeContext, PeiContext } from './context.ts';
import type { DxeUnit } from './dxe-unit.ts';

/** Tcg2Dxe's FILE_GUID (SecurityPkg/Tcg/Tcg2Dxe/Tcg2Dxe.inf). */
export const TCG2_DXE_FILE_GUID = 'FDFF263D-5F68-4591-87BA-B768F445A9AF';

/** Tcg2Dxe's DriverEntry after Tcg2Pei measured: the DXE context the other units share. */
export async function startTcg2Dxe(p: PeiContext, pei: Tcg2PeiResult): Promise<DxeContext> {
  const { stack, sec, notes, digests, dxeUintn } = p;
  stack.phase = 'dxe:Tcg2Dxe';
  const { dxe, facts } = await startTcg2DxeAfterPei(stack.deviceLib(), pei, { uintnSize: specIdUintnSize(dxeUintn) });
  // Variable services as DXE sees them: the store, plus what the variable driver creates.
  // Under -bios a build without SECURE_BOOT_ENABLE emulates its variables from an empty store.
  const emptyStore = emulatedStoreStartsEmpty(p.input.code, p.input.vars, sec, notes);
  const vars = new DxeVariables(emptyStore ? undefined : p.store(), sec, notes);
  const handler = new MeasureBootHandler(pei.measuredFvs.map((f) => f.base), specIdUintnSize(dxeUintn), digests.peImage);
  const storeSnapshot = emptyStore ? undefined : p.store();
  const history = storeHistory(storeSnapshot === undefined ? undefined : (n, g) => storeSnapshot.get(n, g)?.data);
  const ready = new ReadyToBootMeasurement();
  return {
    ...p,
    pei,
    dxe,
    facts,
    vars,
    handler,
    calibration: calibrationPointOf(calibrationFactsOf(sec, buildReleaseOf(p))),
    history,
    network: [],
    readyToBoot: [{ module: 'Tcg2Dxe', run: () => ready.signal(dxe, vars) }],
    readyToBootCount: 0,
    endState: 'BDS found no bootable option',
  };
}

export const tcg2DxeUnit: DxeUnit = {
  module: { name: 'Tcg2Dxe', fileGuid: TCG2_DXE_FILE_GUID },
  role: 'EFI_TCG2_PROTOCOL and the event log; the Secure Boot policy (PCR7) at variable write; ReadyToBoot events',
  async run(ctx: DxeContext): Promise<void> {
    await measureSecureBootPolicy(ctx.dxe, ctx.vars);
  },
};
