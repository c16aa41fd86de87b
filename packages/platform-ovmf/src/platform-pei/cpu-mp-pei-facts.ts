/**
 * Which of MpInitLib's and CpuMpPei's page allocations an X64 CpuMpPei makes before
 * SmmRelocationInit (smm-pei-pages.ts), read from its code instead of the release:
 * - `readOnlyApCode` (edk2-stable202508, UefiCpuPkg "Apply ReadOnly on Ap loop buffers"):
 *   PeiMpLib.c ApplyRoProtection clears ReadWrite on the AP code page above 1 MiB (and on the AP
 *   loop code) with PageTableMap on the current page tables: `MapMask.Bits.ReadWrite = 1` is a
 *   64-bit store of 2 into a local right before `AsmReadCr3 ()` (`mov qword [rbp/rsp+d], 2`,
 *   then `mov r64, cr3` within 16 bytes). Before 202508 MpInitLib only clears NX (bit 63).
 * - `apLoopOnS3Only` (edk2-stable202511, "PeiMpLib: Only allocate ACPI NVS AP loop code buffer
 *   on S3"): InitMpGlobalData asks PEI services for the boot mode (`call [reg + 0x38]`,
 *   EFI_PEI_SERVICES.GetBootMode) and compares it with BOOT_ON_S3_RESUME (0x11) before
 *   PrepareApLoopCode; no CpuMpPei before 202511 calls GetBootMode.
 * - `exceptionStacks` (edk2-stable202511, "Always Initialize Separate AP Exception Stacks"):
 *   CpuMpPei.c InitializeMpExceptionStackSwitchHandlers no longer returns when PcdCpuStackGuard
 *   is FALSE (OvmfPkg's, fixed at build: the code was compiled out), so X64
 *   ArchSetupExceptionStack is linked in: its TSS descriptor, limit 0x67
 *   (sizeof (IA32_TASK_STATE_SEGMENT) - 1, a 64-bit store) and type 0x89 (available 64-bit TSS,
 *   present: a byte store to descriptor offset 5).
 * Checked on Debian trixie's 2025.02 (none), Ubuntu 26.04's 2025.11 and Debian sid's 2026.08
 * (all three) and the local edk2-stable202508 (read-only AP code only), 202602 and 202605 (all
 * three) builds.
 */
import { EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { FirmwareVolume } from '@tcg2sim/uefi';

const CPU_MP_PEI_FILE_GUID = 'EDADEB9D-DDBA-48BD-9D22-C1C169C8C5C6';
/** EFI_PEI_SERVICES.GetBootMode's offset (PiPeiCis.h: the 24-byte header, then four pointers before it). */
const GET_BOOT_MODE_OFFSET = 0x38;
const BOOT_ON_S3_RESUME = 0x11;
const TSS_DESCRIPTOR_LIMIT = 0x67;
const TSS_DESCRIPTOR_TYPE = 0x89;

/** What X64 CpuMpPei's code says; a string says why it could not be read. */
export type CpuMpPeiFacts =
  | { readonly readOnlyApCode: boolean; readonly apLoopOnS3Only: boolean; readonly exceptionStacks: boolean }
  | string;

const u32 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
const isRex = (x: number | undefined): boolean => x !== undefined && x >= 0x40 && x <= 0x4f;
const isRexW = (x: number | undefined): boolean => x !== undefined && x >= 0x48 && x <= 0x4f;

/** Length of a ModRM operand (ModRM byte, SIB, displacement) starting at `at`, for 64-bit code. */
function modRmLength(b: Uint8Array, at: number): number {
  const modrm = b[at] ?? 0;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod === 3) return 1;
  let n = 1;
  if (rm === 4) {
    n++;
    if (mod === 0 && ((b[at + 1] ?? 0) & 7) === 5) return n + 4;
  } else if (mod === 0 && rm === 5) return n + 4;
  return n + (mod === 1 ? 1 : mod === 2 ? 4 : 0);
}

/** Offsets of `REX.W C7 /0 mem, imm32` (a 64-bit store of a sign-extended immediate) whose immediate is `imm`, with the instruction's end. */
function qwordStoresOf(b: Uint8Array, imm: number): { at: number; end: number }[] {
  const out: { at: number; end: number }[] = [];
  for (let i = 0; i + 3 < b.length; i++) {
    if (!isRexW(b[i]) || b[i + 1] !== 0xc7 || (((b[i + 2] ?? 0) >> 3) & 7) !== 0 || (b[i + 2] ?? 0) >> 6 === 3) continue;
    const end = i + 2 + modRmLength(b, i + 2) + 4;
    if (end <= b.length && u32(b, end - 4) === imm) out.push({ at: i, end });
  }
  return out;
}

/** ApplyRoProtection: a 64-bit store of 2 (MapMask.Bits.ReadWrite) followed within 16 bytes by `mov r64, cr3`. */
function readOnlyApCode(b: Uint8Array): boolean {
  return qwordStoresOf(b, 2).some(({ end }) => {
    for (let j = end; j + 3 <= Math.min(b.length, end + 16); j++) {
      const k = isRex(b[j]) ? j + 1 : j;
      if (b[k] === 0x0f && b[k + 1] === 0x20 && ((b[k + 2] ?? 0) & 0xf8) === 0xd8) return true;
    }
    return false;
  });
}

/** InitMpGlobalData: `call [reg + 0x38]` (GetBootMode), then within 32 bytes `cmp dword [rbp/rsp + d8], 0x11`. */
function apLoopOnS3Only(b: Uint8Array): boolean {
  for (let i = 0; i + 3 <= b.length; i++) {
    const modrm = b[i + 1] ?? 0;
    if (b[i] !== 0xff || (modrm & 0xf8) !== 0x50 || (modrm & 7) === 4 || b[i + 2] !== GET_BOOT_MODE_OFFSET) continue;
    for (let j = i + 3; j + 5 <= Math.min(b.length, i + 3 + 32); j++) {
      if (b[j] === 0x83 && b[j + 1] === 0x7d && b[j + 3] === BOOT_ON_S3_RESUME) return true;
      if (b[j] === 0x83 && b[j + 1] === 0x7c && b[j + 2] === 0x24 && b[j + 4] === BOOT_ON_S3_RESUME) return true;
    }
  }
  return false;
}

/** ArchSetupExceptionStack: a 64-bit store of the TSS limit 0x67, and within 64 bytes a byte store of 0x89 at displacement 5. */
function exceptionStacks(b: Uint8Array): boolean {
  return qwordStoresOf(b, TSS_DESCRIPTOR_LIMIT).some(({ at }) => {
    for (let j = Math.max(0, at - 64); j + 4 <= Math.min(b.length, at + 64); j++) {
      const k = isRex(b[j]) ? j + 1 : j;
      const modrm = b[k + 1] ?? 0;
      if (b[k] === 0xc6 && modrm >> 6 === 1 && (modrm & 7) !== 4 && ((modrm >> 3) & 7) === 0 && b[k + 2] === 5 && b[k + 3] === TSS_DESCRIPTOR_TYPE) return true;
    }
    return false;
  });
}

/** Reads the facts from PEIFV's CpuMpPei (an X64 PE32 image). */
export function cpuMpPeiFacts(volume: FirmwareVolume): CpuMpPeiFacts {
  const image = findFileByGuid(volume, CPU_MP_PEI_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
  if (image === undefined) return 'CpuMpPei not found in PEIFV';
  return { readOnlyApCode: readOnlyApCode(image), apLoopOnS3Only: apLoopOnS3Only(image), exceptionStacks: exceptionStacks(image) };
}
