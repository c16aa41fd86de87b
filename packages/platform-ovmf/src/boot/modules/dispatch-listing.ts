/**
 * The dispatch listing of an image without booting it: every simulated module, whether its step
 * would run for this image (its module in PEIFV/DXEFV, and for units that read their module's
 * code, whether the code has the behaviour) and the evidence. `tcg2sim profile` prints it.
 */
import type { SecOutput } from '../../sec.ts';
import { PEI_UNITS, peiListing } from './pei-dispatch.ts';
import { DXE_UNITS, dxeListing, dxePresence } from './dxe-dispatch.ts';
import type { DispatchedModule } from './unit.ts';

export function dispatchListing(sec: SecOutput): DispatchedModule[] {
  return [
    ...PEI_UNITS.map((u) => peiListing(u, sec)),
    ...DXE_UNITS.map((u) => dxeListing(u, dxePresence(u, sec))),
  ];
}
