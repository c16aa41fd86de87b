/**
 * A simulated firmware module: which module of the image it stands for (FILE_GUID and BASE_NAME,
 * as the volume's FFS file and its UI section name it), and the step it contributes to the boot.
 * The PEI and DXE dispatchers (pei-dispatch.ts, dxe-dispatch.ts) run a unit only when its module
 * is in the image's PEIFV or DXEFV, as PeiCore and DxeCore dispatch only what the volumes hold,
 * so a difference between releases lives in the unit of the module that has it.
 */
import { EFI_SECTION } from '@tcg2sim/uefi';
import type { FfsFile, FirmwareVolume } from '@tcg2sim/uefi';

/** The module a unit simulates. */
export interface ModuleRef {
  /** BASE_NAME of its .inf (what the UI section of its FFS file holds). */
  readonly name: string;
  /** FILE_GUID of its .inf. */
  readonly fileGuid: string;
  /** Other BASE_NAMEs builds give the same module (OVMF's Tcg2ConfigPei is Tcg12ConfigPei in some). */
  readonly aliases?: readonly string[];
}

/** Whether a unit runs for this image, and the evidence for it. */
export interface Presence {
  readonly present: boolean;
  readonly evidence: string;
}

/** The UI section's name of an FFS file. */
export function uiName(f: FfsFile): string | undefined {
  return f.sections?.find((s) => s.type === EFI_SECTION.USER_INTERFACE)?.userInterface;
}

/** The FFS file of `ref` in `fv`: by FILE_GUID, else by UI name. */
export function findModule(fv: FirmwareVolume, ref: ModuleRef): FfsFile | undefined {
  const guid = ref.fileGuid.toUpperCase();
  const names = [ref.name, ...(ref.aliases ?? [])];
  return fv.files.find((f) => f.guid.toUpperCase() === guid)
    ?? fv.files.find((f) => {
      const n = uiName(f);
      return n !== undefined && names.includes(n);
    });
}

/** The PE32 or TE image of an FFS file. */
export function moduleImage(f: FfsFile | undefined): Uint8Array | undefined {
  return f?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
}

/** Presence of `ref` in `fv` (named `fvName` in the evidence). */
export function moduleIn(fv: FirmwareVolume, fvName: string, ref: ModuleRef): Presence {
  const f = findModule(fv, ref);
  return f === undefined
    ? { present: false, evidence: `${fvName} has no ${ref.name} (${ref.fileGuid})` }
    : { present: true, evidence: `${fvName} has ${uiName(f) ?? ref.name} (${f.guid})` };
}

/** One entry of a dispatch listing: a unit, whether it ran and why. */
export interface DispatchedModule {
  readonly phase: 'PEI' | 'DXE';
  readonly module: string;
  readonly fileGuid: string;
  /** What the unit simulates of the module. */
  readonly role: string;
  readonly dispatched: boolean;
  readonly evidence: string;
}
