/**
 * Tcg2ConfigPei (OvmfPkg/Tcg/Tcg2Config: Tcg2ConfigPei, Tcg12ConfigPei in some builds; or
 * SecurityPkg's generic one): decides PcdTpmInstanceGuid from what the TPM answers (the generic
 * one also reads the variable store). Without it the PCD keeps its build default: OvmfPkg's .dsc
 * sets it to all-zero (TPM_DEVICE_INTERFACE_NONE) in a TPM2_ENABLE build, so Tcg2Pei and
 * Tcg2Dxe see no TPM 2.0; a build without TPM2_ENABLE has no module that reads it. Nothing is
 * sent to the TPM before this unit runs: a build without the module never talks to it.
 */
import { TPM_INSTANCE_GUID } from '@tcg2sim/tcg2-config';
import type { Tcg2ConfigResult } from '@tcg2sim/tcg2-config';
import { tcg2ConfigPei } from '../tcg2-config-pei.ts';
import type { PeiContext } from './context.ts';
import type { PeiUnit } from './pei-unit.ts';

/** Tcg2ConfigPei's FILE_GUID (OvmfPkg/Tcg/Tcg2Config/Tcg2ConfigPei.inf). */
export const TCG2_CONFIG_PEI_FILE_GUID = '8AD3148F-945F-46B4-8ACD-71469EA73945';

/**
 * PcdTpmInstanceGuid before (or without) Tcg2ConfigPei: OvmfPkg's PcdsDynamicDefault value
 * (OvmfPkgX64.dsc, `!if $(TPM2_ENABLE) == TRUE`: all-zero), which no PEIM then changes.
 */
export const PCD_TPM_INSTANCE_DEFAULT: Tcg2ConfigResult = {
  instanceGuid: TPM_INSTANCE_GUID.NONE,
  initializationDone: false,
  path: [],
};

export const tcg2ConfigPeiUnit: PeiUnit = {
  module: { name: 'Tcg2ConfigPei', fileGuid: TCG2_CONFIG_PEI_FILE_GUID, aliases: ['Tcg12ConfigPei'] },
  role: 'selects the TPM (PcdTpmInstanceGuid) from what the TPM answers',
  async run(ctx: PeiContext): Promise<void> {
    ctx.config = await tcg2ConfigPei(ctx.input, ctx.stack, ctx.store, ctx.notes);
  },
};
