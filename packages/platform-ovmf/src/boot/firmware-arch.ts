/**
 * The processor mode of an OVMF image's PEI and DXE phases, read from the images themselves: the
 * PE machine of PEI core in PEIFV and of DXE core in DXEFV. OvmfPkgIa32X64.dsc (Debian's
 * OVMF_CODE_4M*.fd) has an IA32 PEI and an X64 DXE; OvmfPkgX64.dsc (OVMF_CODE.fd, 2 MB) X64
 * for both; OvmfPkgIa32.dsc (Debian's OVMF32_CODE_4M*.fd) IA32 for both. sizeof (UINTN)
 * follows: 4 bytes on IA32, 8 on X64.
 */
import { EFI_SECTION, IMAGE_FILE_MACHINE, findFileByGuid, efiImageInfo } from '@tcg2sim/uefi';
import type { FirmwareVolume } from '@tcg2sim/uefi';
import type { SecOutput } from '../sec.ts';

/** PEI core's FILE_GUID (MdeModulePkg/Core/Pei/PeiMain.inf). */
export const PEI_CORE_FILE_GUID = '52C05B14-0B98-496C-BC3B-04B50211D680';
/** DXE core's FILE_GUID (MdeModulePkg/Core/Dxe/DxeMain.inf). */
export const DXE_CORE_FILE_GUID = 'D6A2CB7F-6A18-4E2F-B43B-9920A733700A';

/** IMAGE_FILE_MACHINE of the PE32/TE image of `fileGuid` in `volume`, or undefined. */
export function coreMachine(volume: FirmwareVolume, fileGuid: string): number | undefined {
  const file = findFileByGuid(volume, fileGuid);
  const pe = file?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE);
  if (pe === undefined) return undefined;
  try {
    return efiImageInfo(pe.body).machine;
  } catch {
    return undefined;
  }
}

/** sizeof (UINTN) in PEI: 8 when PEI core is X64, else 4 (OVMF's PEI without a readable core is IA32). */
export function peiUintnBytes(sec: SecOutput): 4 | 8 {
  return coreMachine(sec.peiFv.volume, PEI_CORE_FILE_GUID) === IMAGE_FILE_MACHINE.X64 ? 8 : 4;
}

/**
 * sizeof (UINTN) in DXE: 4 when DXE core is IA32 (PcdDxeIplSwitchToLongMode FALSE), else 8 (a
 * DXEFV without a readable DXE core is taken as X64, the mode of every other OVMF build).
 */
export function dxeUintnBytes(sec: SecOutput): 4 | 8 {
  return coreMachine(sec.dxeFv.volume, DXE_CORE_FILE_GUID) === IMAGE_FILE_MACHINE.I386 ? 4 : 8;
}

/** The TCG Spec ID event's uintnSize for a DXE UINTN of `bytes`: 1 (UINT32) or 2 (UINT64). */
export function specIdUintnSize(bytes: 4 | 8): 1 | 2 {
  return bytes === 4 ? 1 : 2;
}
