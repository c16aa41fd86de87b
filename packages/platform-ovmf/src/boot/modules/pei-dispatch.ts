/**
 * The PEI dispatcher: PeiCore runs the PEIMs PEIFV holds; the simulated ones run here in the
 * order that matters for the measurements (PlatformPei's writes before Tcg2Pei hashes PEIFV;
 * Tcg2ConfigPei's choice of TPM before Tcg2Pei), each only when its module is in this image's
 * PEIFV. The listing (`dispatched`) records every unit, run or not, with the evidence.
 */
import { modulePresence } from './stand-ins.ts';
import type { DispatchedModule } from './unit.ts';
import type { SecOutput } from '../../sec.ts';
import type { PeiContext } from './context.ts';
import type { PeiUnit } from './pei-unit.ts';
import { platformPeiUnit } from './platform-pei.ts';
import { tcg2ConfigPeiUnit } from './tcg2-config-pei.ts';
import { tcg2PeiUnit } from './tcg2-pei.ts';

/** The simulated PEIMs in dispatch order. */
export const PEI_UNITS: readonly PeiUnit[] = [platformPeiUnit, tcg2ConfigPeiUnit, tcg2PeiUnit];

/** Runs each unit whose module PEIFV holds (or that handles its absence itself), in order. */
export async function dispatchPei(ctx: PeiContext, units: readonly PeiUnit[] = PEI_UNITS): Promise<void> {
  for (const u of units) {
    const entry = peiListing(u, ctx.sec);
    ctx.dispatched.push(entry);
    if (entry.dispatched) await u.run(ctx);
  }
}

/** The listing entry of `u` for this image. */
export function peiListing(u: PeiUnit, sec: SecOutput): DispatchedModule {
  const p = modulePresence(sec, 'PEI', u.module);
  const runs = p.present || u.always === true;
  return {
    phase: 'PEI', module: u.module.name, fileGuid: u.module.fileGuid, role: u.role, dispatched: runs,
    evidence: p.present || !runs ? p.evidence : `${p.evidence}: runs regardless (modules/pei-unit.ts)`,
  };
}
