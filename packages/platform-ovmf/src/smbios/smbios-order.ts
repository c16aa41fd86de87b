/**
 * Where SmbiosMeasurementDxe's event falls among Tcg2Dxe's ReadyToBoot events. Both register a
 * TPL_CALLBACK ReadyToBoot callback in their entry points, and the DXE core notifies an event
 * group's members most recently created first (CoreCreateEventInternal puts each new event at the
 * head of the signal queue), so the driver the dispatcher started later measures first.
 * - Without SMM, Tcg2Dxe's dependencies (the variable architectural protocols, variable policy)
 *   are met before SmbiosMeasurementDxe's (the SMBIOS protocol), and Tcg2Dxe comes first in
 *   DXEFV: SmbiosMeasurementDxe starts later, its SMBIOS event precedes BootOrder (observed on
 *   sid's 2026.08 OVMF_CODE_4M.fd).
 * - In an SMM build the variable protocols come from VariableSmmRuntimeDxe once the SMM variable
 *   driver runs, after SmbiosMeasurementDxe has started: Tcg2Dxe starts later, the SMBIOS event
 *   follows the separators (observed on sid's 2026.08 OVMF_CODE_4M.secboot.fd, q35,smm=on).
 */
import { EFI_SECTION } from '@tcg2sim/uefi';
import type { SecOutput } from '../sec.ts';

/** The order, and the module in the image that decides it. */
export interface SmbiosReadyToBootOrder {
  readonly beforeTcg2Dxe: boolean;
  readonly evidence: string;
}

/** Decides the order from the variable driver DXEFV holds. */
export function smbiosReadyToBootOrder(sec: SecOutput): SmbiosReadyToBootOrder {
  const smmVariables = sec.dxeFv.volume.files.some((f) => f.sections?.some((s) => s.type === EFI_SECTION.USER_INTERFACE && s.userInterface === 'VariableSmmRuntimeDxe'));
  return smmVariables
    ? { beforeTcg2Dxe: false, evidence: 'DXEFV has VariableSmmRuntimeDxe: Tcg2Dxe waits for the SMM variable driver and starts after SmbiosMeasurementDxe, so the SMBIOS event follows Tcg2Dxe\'s ReadyToBoot events' }
    : { beforeTcg2Dxe: true, evidence: 'variables without SMM: Tcg2Dxe starts before SmbiosMeasurementDxe, so the SMBIOS event precedes Tcg2Dxe\'s ReadyToBoot events' };
}
