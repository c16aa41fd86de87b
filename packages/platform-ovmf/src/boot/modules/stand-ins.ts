/**
 * The embedded default firmware's stand-ins (default-firmware.ts): its PEIFV holds three small
 * PEIMs of tcg2sim's own, under tcg2sim's GUIDs, and its DXEFV only what BDS loads or looks up by
 * name (UiApp, the Shell, SecureBootConfigDxe). It boots as OVMF 2022.11 does: the PEIMs stand
 * for the TPM modules and the DXE drivers PciBusDxe and BdsDxe. This table says which stand-in
 * stands for which module, so the dispatchers find every unit's module in the image and a real
 * build that lacks a module (one built without TPM2_ENABLE) runs without its unit. Changing the
 * default firmware's files instead would change its PEIFV, hence its PCR0 and every digest
 * predicted for it.
 */
import type { FfsFile } from '@tcg2sim/uefi';
import { DEFAULT_FIRMWARE_FILE } from '../../default-firmware.ts';
import type { SecOutput } from '../../sec.ts';
import { moduleIn, uiName } from './unit.ts';
import type { ModuleRef, Presence } from './unit.ts';

/** A stand-in file of the default firmware's PEIFV and the modules (BASE_NAMEs) it stands for. */
export interface StandIn {
  readonly fileGuid: string;
  readonly standsFor: readonly string[];
}

/**
 * Stand-in FILE_GUID → the modules it stands for (in PEIFV: every one is a PEIM). The first
 * stands for what TPM2_ENABLE adds to an OvmfPkg build (OvmfTpmComponentsPei.dsc.inc,
 * OvmfTpmComponentsDxe.dsc.inc), the others for the DXE drivers every build has, which the
 * default firmware's DXEFV carries no file for. Without the first (`omitPeims: [1]`) the default
 * firmware is a build without TPM2_ENABLE.
 */
export const DEFAULT_FIRMWARE_STAND_INS: readonly StandIn[] = [
  { fileGuid: DEFAULT_FIRMWARE_FILE.PEIM_1, standsFor: ['Tcg2ConfigPei', 'Tcg2Pei', 'Tcg2Dxe'] },
  { fileGuid: DEFAULT_FIRMWARE_FILE.PEIM_2, standsFor: ['PciBusDxe'] },
  { fileGuid: DEFAULT_FIRMWARE_FILE.PEIM_3, standsFor: ['BdsDxe'] },
];

/** The default firmware's stand-in for `ref` in this image's PEIFV, if any. */
export function standInFor(sec: SecOutput, ref: ModuleRef): FfsFile | undefined {
  const s = DEFAULT_FIRMWARE_STAND_INS.find((x) => x.standsFor.includes(ref.name));
  if (s === undefined) return undefined;
  return sec.peiFv.volume.files.find((f) => f.guid.toUpperCase() === s.fileGuid);
}

/** Presence through a stand-in: the evidence names the stand-in file and this table. */
export function standInPresence(sec: SecOutput, ref: ModuleRef): Presence | undefined {
  const f = standInFor(sec, ref);
  return f === undefined ? undefined : {
    present: true,
    evidence: `PEIFV has ${uiName(f) ?? 'a PEIM'} (${f.guid}), the embedded default firmware's stand-in for ${ref.name} (modules/stand-ins.ts)`,
  };
}

/** Whether this image holds `ref` (in PEIFV for a PEIM, DXEFV for a driver), or a stand-in for it. */
export function modulePresence(sec: SecOutput, phase: 'PEI' | 'DXE', ref: ModuleRef): Presence {
  const p = phase === 'PEI' ? moduleIn(sec.peiFv.volume, 'PEIFV', ref) : moduleIn(sec.dxeFv.volume, 'DXEFV', ref);
  return p.present ? p : standInPresence(sec, ref) ?? p;
}
