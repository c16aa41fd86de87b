/**
 * Where a boot without Tcg2Pei's measurements ends, read from the image's module set: a build
 * without TPM2_ENABLE (no Tcg2Pei, no Tcg2Dxe, no TCG 1.2 modules) measures nothing and leaves no
 * TCG2 log, exactly; a TPM the firmware selected as something other than a TPM 2.0 leaves
 * Tcg2Pei and Tcg2Dxe idle; the module combinations no OvmfPkg build has are said to be
 * unmodelled (OvmfPkg/Include/Dsc/OvmfTpmComponentsPei.dsc.inc and
 * OvmfTpmComponentsDxe.dsc.inc add Tcg2ConfigPei, Tcg2Pei and Tcg2Dxe together, under
 * TPM2_ENABLE, and TcgPei/TcgDxe only beside them, under TPM1_ENABLE).
 */
import { TPM_INSTANCE_GUID } from '@tcg2sim/tcg2-config';
import type { PeiContext } from './context.ts';
import { modulePresence } from './stand-ins.ts';
import type { ModuleRef } from './unit.ts';
import { TCG2_DXE_FILE_GUID } from './tcg2-dxe.ts';
import { TCG2_PEI_FILE_GUID } from '../../platform-pei/firmware-version.ts';
import type { SecOutput } from '../../sec.ts';

/** SecurityPkg/Tcg/TcgPei/TcgPei.inf and TcgDxe/TcgDxe.inf (the TPM 1.2 measured boot). */
export const TCG_PEI: ModuleRef = { name: 'TcgPei', fileGuid: '2BE1E4A6-6505-43B3-9FFC-A3C8330E0432' };
export const TCG_DXE: ModuleRef = { name: 'TcgDxe', fileGuid: 'A5683620-7998-4BB2-A377-1C1E31E1E215' };
const TCG2_DXE: ModuleRef = { name: 'Tcg2Dxe', fileGuid: TCG2_DXE_FILE_GUID };
const TCG2_PEI: ModuleRef = { name: 'Tcg2Pei', fileGuid: TCG2_PEI_FILE_GUID };

/** The end of a boot in which Tcg2Pei measured nothing. */
export interface Unmeasured {
  readonly endState: string;
  /** The image has no measuring module at all: the empty log is the real boot's, exactly. */
  readonly measuresNothing: boolean;
  /** Set when what the firmware does instead is not modelled: the reason. */
  readonly unmodelled?: string;
}

/** The phrase for a build without TPM2_ENABLE. */
export const NO_TPM2_BUILD = 'this firmware build has no Tcg2Pei/Tcg2Dxe (built without TPM2_ENABLE): it measures nothing; the TPM\'s PCRs stay 0';

/** No module of this image measures: none of Tcg2Pei, Tcg2Dxe, TcgPei, TcgDxe (stand-ins counted). */
export function hasNoMeasuringModule(sec: SecOutput): boolean {
  return ([['PEI', TCG2_PEI], ['DXE', TCG2_DXE], ['PEI', TCG_PEI], ['DXE', TCG_DXE]] as const).every(([phase, ref]) => !modulePresence(sec, phase, ref).present);
}

/** Why Tcg2Pei measured nothing in this image, and what follows in DXE. */
export function unmeasuredEnd(ctx: PeiContext): Unmeasured {
  const has = (phase: 'PEI' | 'DXE', ref: ModuleRef): boolean => modulePresence(ctx.sec, phase, ref).present;
  const tcg2Pei = ctx.dispatched.some((d) => d.module === 'Tcg2Pei' && d.dispatched);
  const tcg2Dxe = has('DXE', TCG2_DXE);
  const tcg12 = has('PEI', TCG_PEI) || has('DXE', TCG_DXE);
  const guid = ctx.config.instanceGuid;
  if (!tcg2Pei && !tcg2Dxe) {
    if (!tcg12) return { endState: NO_TPM2_BUILD, measuresNothing: true };
    return {
      endState: 'a TPM 1.2-only build (TcgPei/TcgDxe without Tcg2Pei/Tcg2Dxe): its TPM 1.2 measurements are not modelled',
      measuresNothing: false,
      unmodelled: 'TcgPei/TcgDxe without Tcg2Pei/Tcg2Dxe (no OvmfPkg configuration builds this: TPM1_ENABLE adds TcgPei/TcgDxe only beside the TPM 2.0 modules)',
    };
  }
  if (guid === TPM_INSTANCE_GUID.TPM12) {
    return { endState: 'TPM 1.2 selected: Tcg2Pei and Tcg2Dxe do not run, nothing in the TCG2 log (the TPM 1.2 path is not modelled)', measuresNothing: false };
  }
  if (!tcg2Pei && guid === TPM_INSTANCE_GUID.TPM20_DTPM) {
    // Tcg2Dxe would start on a TPM nobody sent TPM2_Startup to: not an OvmfPkg build.
    return {
      endState: 'PEIFV has no Tcg2Pei, DXEFV has Tcg2Dxe and Tcg2ConfigPei selected a TPM 2.0: Tcg2Dxe on a TPM never started is not modelled',
      measuresNothing: false,
      unmodelled: 'Tcg2Dxe without Tcg2Pei (no OvmfPkg configuration builds this)',
    };
  }
  if (guid === TPM_INSTANCE_GUID.NONE && !ctx.dispatched.some((d) => d.module === 'Tcg2ConfigPei' && d.dispatched)) {
    // Tcg2Pei's PeimEntryMA and Tcg2Dxe's DriverEntry both return EFI_UNSUPPORTED for it.
    return { endState: 'PEIFV has no Tcg2ConfigPei: PcdTpmInstanceGuid keeps its build default (no TPM): Tcg2Pei and Tcg2Dxe measure nothing; the TPM\'s PCRs stay 0', measuresNothing: true };
  }
  return { endState: 'no TPM 2.0: nothing measured', measuresNothing: false };
}
