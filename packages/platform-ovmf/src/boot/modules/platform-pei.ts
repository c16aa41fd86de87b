/**
 * PlatformPei (OvmfPkg/PlatformPei): what it writes into PEIFV's own globals before Tcg2Pei
 * measures the volume (PlatformInfo HOB copy, QemuFwCfgPeiLib's flags, the pre-PlatformInitLib
 * globals, PeiCore's ACPI timer base): platform-pei/peifv.ts finds those places in its image and
 * fills them for the VM. Without PlatformPei, PEIFV is measured as SEC decompressed it; without
 * Tcg2Pei it is never measured, and PlatformPei's writes play no part.
 */
import { getVariable } from '@tcg2sim/uefi';
import { peiFvAtMeasurement, PLATFORM_PEI_FILE_GUID } from '../../platform-pei/peifv.ts';
import type { PeiContext } from './context.ts';
import { modulePresence } from './stand-ins.ts';
import { TCG2_PEI_FILE_GUID } from '../../platform-pei/firmware-version.ts';
import type { PeiUnit } from './pei-unit.ts';

export const platformPeiUnit: PeiUnit = {
  module: { name: 'PlatformPei', fileGuid: PLATFORM_PEI_FILE_GUID },
  role: 'writes into PEIFV before Tcg2Pei measures it (PCR0)',
  // peiFvAtMeasurement looks for PlatformPei itself and says so when the volume has none.
  always: true,
  run(ctx: PeiContext): Promise<void> {
    const { input, sec, build } = ctx;
    if (!modulePresence(sec, 'PEI', { name: 'Tcg2Pei', fileGuid: TCG2_PEI_FILE_GUID }).present) {
      ctx.notes.push('PlatformPei: PEIFV has no Tcg2Pei, so PEIFV is never measured: PlatformPei\'s writes into it play no part');
      return Promise.resolve();
    }
    ctx.measuredPeiFv = peiFvAtMeasurement(sec.peiFv, input.machine, build, (n, g) => (input.vars === undefined ? undefined : getVariable(input.vars, n, g)?.data));
    ctx.notes.push(...ctx.measuredPeiFv.notes);
    return Promise.resolve();
  },
};
