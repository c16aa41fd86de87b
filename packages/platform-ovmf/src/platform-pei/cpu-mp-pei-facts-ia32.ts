/**
 * What an IA32 CpuMpPei's code says about MpInitLib's and CpuMpPei's page allocations before
 * SmmRelocationInit (smm-pei-pages-ia32.ts), the 32-bit forms of cpu-mp-pei-facts.ts's readers:
 * - `apLoopOnS3Only` (edk2-stable202511, "PeiMpLib: Only allocate ACPI NVS AP loop code buffer
 *   on S3"): InitMpGlobalData asks PEI services for the boot mode (`call [reg + 0x28]`:
 *   EFI_PEI_SERVICES.GetBootMode with 4-byte pointers, the 24-byte header and four pointers before
 *   it) and compares it with BOOT_ON_S3_RESUME (0x11) before PrepareApLoopCode. No CpuMpPei
 *   before 202511 calls GetBootMode (Debian trixie's 2025.02 OVMF32: none).
 * - `exceptionStacks` (edk2-stable202511, "Always Initialize Separate AP Exception Stacks"):
 *   CpuMpPei.c InitializeMpExceptionStackSwitchHandlers no longer returns early when
 *   PcdCpuStackGuard is FALSE, so Ia32/ArchExceptionHandler.c ArchSetupExceptionStack is linked
 *   in: it writes each TSS descriptor's type byte, 0x89 (an available 32-bit TSS, present), at
 *   descriptor offset 5 (`mov byte [reg + 5], 0x89` or `[reg + index * n + 5]`, or `or` into
 *   it). Trixie's 2025.02 has no such store.
 * - `modeTransitionOffset`: Ia32/MpFuncs.nasm AsmGetAddressMap stores
 *   `Flat32Start - RendezvousFunnelProcStart` as both ModeEntryOffset and ModeTransitionOffset
 *   (`mov dword [ebx + 4], n` ... `mov dword [ebx + 0x1C], n`, then 0 into
 *   SwitchToRealPM16ModeOffset and its size: `mov dword [ebx + 0x24], 0; mov dword [ebx + 0x28], 0`).
 *   MpLib.c GetApResetVectorSize: the reset vector below 1 MiB that MpInitLib's buffer holds is
 *   ALIGN_VALUE (ModeTransitionOffset, 4) + sizeof (MP_CPU_EXCHANGE_INFO). 0x41 in trixie's.
 * MpInitLib's read-only AP code page (edk2-stable202508) allocates nothing in an IA32 PEI
 * (paging off: MpLib.c calls RemoveNxProtection and ApplyRoProtection only with CR0.PG set).
 */
import { EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { FirmwareVolume } from '@tcg2sim/uefi';

const CPU_MP_PEI_FILE_GUID = 'EDADEB9D-DDBA-48BD-9D22-C1C169C8C5C6';
/** EFI_PEI_SERVICES.GetBootMode's offset with 4-byte pointers (PiPeiCis.h). */
const GET_BOOT_MODE_OFFSET_IA32 = 0x28;
const BOOT_ON_S3_RESUME = 0x11;
const TSS_DESCRIPTOR_TYPE = 0x89;

/** What IA32 CpuMpPei's code says; a string says why it could not be read. */
export type CpuMpPeiFactsIa32 =
  | { readonly apLoopOnS3Only: boolean; readonly exceptionStacks: boolean; readonly modeTransitionOffset: number }
  | string;

const u32 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;

/** `call [reg + 0x28]` (FF /2, disp8), then within 32 bytes `cmp dword [ebp + d8], 0x11`, `cmp dword [esp + d8], 0x11` or `cmp eax, 0x11`. */
function apLoopOnS3Only(b: Uint8Array): boolean {
  for (let i = 0; i + 3 <= b.length; i++) {
    const modrm = b[i + 1] ?? 0;
    if (b[i] !== 0xff || (modrm & 0xf8) !== 0x50 || (modrm & 7) === 4 || b[i + 2] !== GET_BOOT_MODE_OFFSET_IA32) continue;
    for (let j = i + 3; j + 5 <= Math.min(b.length, i + 3 + 32); j++) {
      if (b[j] === 0x83 && b[j + 1] === 0x7d && b[j + 3] === BOOT_ON_S3_RESUME) return true;
      if (b[j] === 0x83 && b[j + 1] === 0x7c && b[j + 2] === 0x24 && b[j + 4] === BOOT_ON_S3_RESUME) return true;
      if (b[j] === 0x83 && b[j + 1] === 0xf8 && b[j + 2] === BOOT_ON_S3_RESUME) return true;
    }
  }
  return false;
}

/** A byte store (C6 /0) or or (80 /1) of 0x89 at displacement 5 from a register or a scaled index (disp8). */
function exceptionStacks(b: Uint8Array): boolean {
  for (let i = 0; i + 5 <= b.length; i++) {
    const modrm = b[i + 1] ?? 0;
    const reg = (modrm >> 3) & 7;
    if (modrm >> 6 !== 1 || !((b[i] === 0xc6 && reg === 0) || (b[i] === 0x80 && reg === 1))) continue;
    const disp = (modrm & 7) === 4 ? i + 3 : i + 2;
    if (b[disp] === 5 && b[disp + 1] === TSS_DESCRIPTOR_TYPE) return true;
  }
  return false;
}

const storeEbx = (b: Uint8Array, at: number, disp: number): number | undefined =>
  b[at] === 0xc7 && b[at + 1] === 0x43 && b[at + 2] === disp ? u32(b, at + 3) : undefined;

/** AsmGetAddressMap's ModeTransitionOffset (see above), or undefined. */
function modeTransitionOffset(b: Uint8Array): number | undefined {
  for (let i = 0; i + 7 <= b.length; i++) {
    const entry = storeEbx(b, i, 0x04);
    if (entry === undefined || entry === 0 || entry >= 0x1000) continue;
    for (let j = i + 7; j <= i + 7 * 8 && j + 7 <= b.length; j++) {
      if (storeEbx(b, j, 0x1c) !== entry) continue;
      for (let k = j + 7; k <= j + 7 * 3 && k + 14 <= b.length; k++) {
        if (storeEbx(b, k, 0x24) === 0 && storeEbx(b, k + 7, 0x28) === 0) return entry;
      }
    }
  }
  return undefined;
}

/** Reads the facts from PEIFV's CpuMpPei (an IA32 PE32 image). */
export function cpuMpPeiFactsIa32(volume: FirmwareVolume): CpuMpPeiFactsIa32 {
  const image = findFileByGuid(volume, CPU_MP_PEI_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
  if (image === undefined) return 'CpuMpPei not found in PEIFV';
  const mto = modeTransitionOffset(image);
  if (mto === undefined) return "MpInitLib's AsmGetAddressMap (ModeTransitionOffset) not found in CpuMpPei";
  return { apLoopOnS3Only: apLoopOnS3Only(image), exceptionStacks: exceptionStacks(image), modeTransitionOffset: mto };
}
