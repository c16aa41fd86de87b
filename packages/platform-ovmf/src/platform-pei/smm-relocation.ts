/**
 * Whether an SMM build's PlatformPei relocates SMBASE itself, writing into its `.data` in PEIFV
 * before Tcg2Pei measures it. From edk2-stable202405 OvmfPkg's PlatformPei links
 * SmmRelocationLib (UefiCpuPkg/Library/SmmRelocationLib: SMBASE relocation moved from PiSmmCpuDxeSmm
 * into PEI); with PcdSmmSmramRequire it runs in PEI and fills globals (GDT/IDT descriptors, the
 * relocated SMBASEs, RAM pointers) that sit in PEIFV: seen in guest RAM of Ubuntu's 2024.05 and
 * Debian 13's secboot builds, and absent from Ubuntu's 2024.02 and Fedora 38's (exact).
 *
 * Found by its SMI entry template (SmmInit.nasm): the return-stack-buffer stuffing loop
 * (`pause; lfence; jmp $-5`: F3 90 0F AE E8 EB F9) shortly before `rsm` (0F AA). Non-SMM builds
 * link the library too but never run it.
 */
import { EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { MemoryFv } from '../sec.ts';
import { PLATFORM_PEI_FILE_GUID } from './peifv.ts';

const STUFF_RSB_LOOP = Buffer.from([0xf3, 0x90, 0x0f, 0xae, 0xe8, 0xeb, 0xf9]);
const RSM = Buffer.from([0x0f, 0xaa]);

/** True when PlatformPei holds SmmRelocationLib's SMI entry code. */
export function hasPeiSmmRelocation(peiFv: MemoryFv): boolean {
  const img = findFileByGuid(peiFv.volume, PLATFORM_PEI_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
  if (img === undefined) return false;
  const b = Buffer.from(img.buffer, img.byteOffset, img.byteLength);
  for (let i = b.indexOf(STUFF_RSB_LOOP); i >= 0; i = b.indexOf(STUFF_RSB_LOOP, i + 1)) {
    const rsm = b.indexOf(RSM, i + STUFF_RSB_LOOP.length);
    if (rsm >= 0 && rsm - i < 48) return true;
  }
  return false;
}
