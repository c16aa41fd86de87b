/**
 * Tcg2ConfigPei (OvmfPkg/Tcg/Tcg2Config: Tcg2ConfigPei, Tcg12ConfigPei in some builds; or
 * SecurityPkg's generic one): decides PcdTpmInstanceGuid. It only talks to the TPM (and, the
 * generic one, reads the variable store), nothing in it depends on the volumes' contents, so its
 * TPM commands are sent while SEC still decodes the image (`probe`); its place in PeiCore's
 * dispatch (after PlatformPei) is where its findings are reported.
 */
import type { Tcg2ConfigResult } from '@tcg2sim/tcg2-config';
import { tcg2ConfigPei } from '../tcg2-config-pei.ts';
import type { EarlyContext, PeiContext } from './context.ts';
import type { PeiUnit } from './pei-unit.ts';

/** Tcg2ConfigPei's FILE_GUID (OvmfPkg/Tcg/Tcg2Config/Tcg2ConfigPei.inf). */
export const TCG2_CONFIG_PEI_FILE_GUID = '8AD3148F-945F-46B4-8ACD-71469EA73945';

/** What the early probe found: the TPM selected, and the notes for the dispatch slot. */
export interface Tcg2ConfigProbe {
  readonly config: Tcg2ConfigResult;
  readonly notes: readonly string[];
}

/** Tcg2ConfigPei's TPM traffic, run before SEC's output is there. */
export async function probeTcg2Config(ctx: EarlyContext): Promise<Tcg2ConfigProbe> {
  const notes: string[] = [];
  const config = await tcg2ConfigPei(ctx.input, ctx.stack, ctx.store, notes);
  return { config, notes };
}

/** The unit in PeiCore's dispatch: reports what `probeTcg2Config` found. */
export const tcg2ConfigPeiUnit: PeiUnit = {
  module: { name: 'Tcg2ConfigPei', fileGuid: TCG2_CONFIG_PEI_FILE_GUID, aliases: ['Tcg12ConfigPei'] },
  always: true,
  role: 'selects the TPM (PcdTpmInstanceGuid) from what the TPM answers',
  run(ctx: PeiContext): Promise<void> {
    ctx.notes.push(...ctx.configNotes);
    return Promise.resolve();
  },
};
