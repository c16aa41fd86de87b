/**
 * The dispatch listing of an image without booting it: every simulated module, whether its step
 * would run for this image (its module in PEIFV/DXEFV, and for units that read their module's
 * code, whether the code has the behaviour) and the evidence. `tcg2sim profile` prints it.
 */
import type { SecOutput } from '../../sec.ts';
import { PEI_UNITS, peiListing } from './pei-dispatch.ts';
import { DXE_UNITS, dxeListing, dxeListingUnmeasured, dxePresence, listed } from './dxe-dispatch.ts';
import { tcg2DxeUnit } from './tcg2-dxe.ts';
import type { DispatchedModule } from './unit.ts';

export function dispatchListing(sec: SecOutput): DispatchedModule[] {
  const tcg2Dxe = dxePresence(tcg2DxeUnit, sec).present;
  return [
    ...PEI_UNITS.map((u) => peiListing(u, sec)),
    ...(tcg2Dxe ? DXE_UNITS.flatMap((u) => { const p = dxePresence(u, sec); return listed(u, p) ? [dxeListing(u, p)] : []; }) : dxeListingUnmeasured(sec, 'DXEFV has no Tcg2Dxe')),
  ];
}
