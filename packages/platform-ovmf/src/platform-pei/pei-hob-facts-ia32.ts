/**
 * pei-hob-facts-202608.ts's facts read from an IA32 PEIFV (OvmfPkgIa32X64's 32-bit PEI, and
 * OvmfPkgIa32's), where the code passes arguments on the stack (cdecl) and addresses absolutely:
 * - PeiCore's delayed-dispatch table HOB: after `push gEfiDelayedDispatchTableGuid` (its
 *   GetFirstGuidHob lookup), the inlined BuildGuidHob's CreateHob: `push HobLength; push 4`
 *   (68 imm32, 6A 04).
 * - EFI_HOB_PLATFORM_INFO's size: BuildGuidDataHob (&gUefiOvmfPkgPlatformInfoGuid, &Info, size)
 *   pushes the size (68 imm32), the data pointer (one push of a register) and the GUID's address.
 * - CpuMpPei's IdtEntryCount: `mov dword [eax], n` (C7 00 imm32) into EXCEPTION_HANDLER_DATA, then
 *   `push 4n` (68 imm32) for the external interrupt handler table.
 * - The early memory debug log below PEIFV (PlatformPei MemDetect.c BuildMemoryAllocationHob,
 *   UINT64 base and length pushed as two halves: `push 0; push size; push 0; push base`) with
 *   base + size = PEIFV's base, just before PEIFV's own allocation.
 * - The IGVM parameter page (PlatformInitLib Igvm.c PlatformIgvmParamReserve, edk2-stable202602
 *   on, compiled for IA32 too: BuildMemoryAllocationHob (PcdOvmfIgvmParamBase, …Size,
 *   EfiRuntimeServicesData)): `push 6`, then within 16 bytes `push 0; push size; push 0; push base`
 *   with the page in the MEMFD below PEIFV.
 * The architecture-independent facts (QemuFwCfgLib's cache list: data; the nest-status HOB: a GUID
 * in ReportStatusCodeRouterPei) are read as for X64. The early memory debug log and the OVMF work
 * area are reserved by X64 PlatformInitLib only (MemDetect.c `#ifdef MDE_CPU_X64`): the IA32
 * reader below finds none in the edk2-stable202511 to 202605 images, as the source says.
 */
import { guidFromString } from '@tcg2sim/binary-codec';
import { EFI_FV_FILETYPE, EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { FfsFile, FirmwareVolume } from '@tcg2sim/uefi';
import { DELAYED_DISPATCH_TABLE_GUID } from './pei-hob-facts.ts';
import { peiHobFacts202608, PLATFORM_INFO_HOB_GUID } from './pei-hob-facts-202608.ts';
import type { PeiHobFacts202608 } from './pei-hob-facts-202608.ts';
import { PLATFORM_PEI_FILE_GUID } from './peifv.ts';

const CPU_MP_PEI_FILE_GUID = 'EDADEB9D-DDBA-48BD-9D22-C1C169C8C5C6';
/** How far after a GUID's push the inlined CreateHob's pushes are looked for. */
const NEAR = 64;
const PUSH_IMM32 = 0x68;

const u32 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** A PE32 image (XIP in PEIFV: RVA = offset) and its ImageBase, from a file's PE32 or TE section. */
interface Ia32Image { readonly b: Uint8Array; readonly base: number }
function ia32Image(file: FfsFile | undefined): Ia32Image | undefined {
  const b = file?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
  if (b === undefined || b.length < 0x40) return undefined;
  const pe = u32(b, 0x3c);
  if (pe + 0x38 > b.length || u32(b, pe) !== 0x4550 || ((b[pe + 4] ?? 0) | ((b[pe + 5] ?? 0) << 8)) !== 0x014c) return undefined;
  return { b, base: u32(b, pe + 0x34) };
}

function find(b: Uint8Array, needle: Uint8Array, from = 0): number {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(Buffer.from(needle), from);
}

/** Offsets of each `push imm32` (68) of the absolute address of `offset` in the image. */
function pushesOf(img: Ia32Image, offset: number): number[] {
  const out: number[] = [];
  const va = (img.base + offset) >>> 0;
  for (let i = 0; i + 5 <= img.b.length; i++) if (img.b[i] === PUSH_IMM32 && u32(img.b, i + 1) === va) out.push(i);
  return out;
}

function delayedDispatchHobLength(core: Ia32Image | undefined): number | string {
  if (core === undefined) return 'no IA32 PeiCore image';
  const guid = find(core.b, guidFromString(DELAYED_DISPATCH_TABLE_GUID));
  if (guid < 0) return 'PeiCore has no gEfiDelayedDispatchTableGuid';
  for (const at of pushesOf(core, guid)) {
    for (let i = at + 5; i + 7 <= Math.min(core.b.length, at + NEAR); i++) {
      if (core.b[i] === PUSH_IMM32 && core.b[i + 5] === 0x6a && core.b[i + 6] === 4) return align8(u32(core.b, i + 1));
    }
  }
  return "PeiCore's BuildGuidHob of the delayed-dispatch table not found";
}

function platformInfoSize(pp: Ia32Image): number | string {
  const guid = find(pp.b, guidFromString(PLATFORM_INFO_HOB_GUID));
  if (guid < 0) return 'PlatformPei has no gUefiOvmfPkgPlatformInfoGuid';
  for (const at of pushesOf(pp, guid)) {
    // push size; push <data pointer> (a register: 50..57, or 6 bytes of `push dword [ebp+d32]`/`lea`d register); push guid; call
    if (pp.b[at + 5] !== 0xe8) continue;
    for (let i = at - 6; i >= Math.max(0, at - 12); i--) {
      const size = u32(pp.b, i + 1);
      if (pp.b[i] === PUSH_IMM32 && size > 0 && size < 0x1000) return size;
    }
  }
  return "PlatformPei's BuildGuidDataHob of EFI_HOB_PLATFORM_INFO not found";
}

function exceptionVectors(cpuMp: Ia32Image | undefined): number | string {
  if (cpuMp === undefined) return 'no IA32 CpuMpPei image';
  const b = cpuMp.b;
  for (let i = 0; i + 18 <= b.length; i++) {
    if (b[i] !== 0xc7 || b[i + 1] !== 0x00) continue;
    const n = u32(b, i + 2);
    if (n === 0 || n > 256) continue;
    for (let j = i + 6; j < i + 18; j++) if (b[j] === PUSH_IMM32 && u32(b, j + 1) === 4 * n) return n;
  }
  return "CpuMpPei's exception handler data (IdtEntryCount) not found";
}

/**
 * `push 0; push size; push 0; push base` (BuildMemoryAllocationHob's UINT64s) with base + size =
 * PEIFV's base, within NEAR bytes before PEIFV's own allocation (`push PEIFV base`): SEC/PEI's
 * temporary RAM, also right below PEIFV in 202502's layout, is reserved elsewhere.
 */
function earlyDebugLog(pp: Ia32Image, peiFvBase: number): { base: number; size: number } | undefined {
  const b = pp.b;
  const fv = Uint8Array.from([PUSH_IMM32, peiFvBase & 0xff, (peiFvBase >> 8) & 0xff, (peiFvBase >> 16) & 0xff, peiFvBase >>> 24]);
  for (let at = find(b, fv); at >= 0; at = find(b, fv, at + 1)) {
    for (let i = Math.max(0, at - NEAR); i + 14 <= at; i++) {
      if (b[i] !== 0x6a || b[i + 1] !== 0 || b[i + 2] !== PUSH_IMM32 || b[i + 7] !== 0x6a || b[i + 8] !== 0 || b[i + 9] !== PUSH_IMM32) continue;
      const size = u32(b, i + 3);
      const base = u32(b, i + 10);
      if (size > 0 && size % 0x1000 === 0 && base + size === peiFvBase) return { base, size };
    }
  }
  return undefined;
}

const EFI_RUNTIME_SERVICES_DATA = 6;

/** PlatformIgvmParamReserve's BuildMemoryAllocationHob: `push 6`, then `push 0; push size; push 0; push base` (the UINT64s' halves). */
function igvmParams(pp: Ia32Image, peiFvBase: number): { base: number; size: number } | undefined {
  const b = pp.b;
  for (let i = 0; i + 2 <= b.length; i++) {
    if (b[i] !== 0x6a || b[i + 1] !== EFI_RUNTIME_SERVICES_DATA) continue;
    for (let j = i + 2; j + 14 <= Math.min(b.length, i + 2 + 16 + 14); j++) {
      if (b[j] !== 0x6a || b[j + 1] !== 0 || b[j + 2] !== PUSH_IMM32 || b[j + 7] !== 0x6a || b[j + 8] !== 0 || b[j + 9] !== PUSH_IMM32) continue;
      const size = u32(b, j + 3);
      const base = u32(b, j + 10);
      if (size > 0 && size % 0x1000 === 0 && base % 0x1000 === 0 && base >= 0x800000 && base + size <= peiFvBase) return { base, size };
    }
  }
  return undefined;
}

/** pei-hob-facts-202608.ts's facts of an IA32 PEIFV at `peiFvBase`. */
export function peiHobFactsIa32(volume: FirmwareVolume, peiFvBase: number): PeiHobFacts202608 {
  const common = peiHobFacts202608(volume, peiFvBase);
  const pp = ia32Image(findFileByGuid(volume, PLATFORM_PEI_FILE_GUID));
  return {
    ...common,
    delayedDispatchHobLength: delayedDispatchHobLength(ia32Image(volume.files.find((f) => f.type === EFI_FV_FILETYPE.PEI_CORE))),
    platformInfoSize: pp === undefined ? 'no IA32 PlatformPei image' : platformInfoSize(pp),
    exceptionVectors: exceptionVectors(ia32Image(findFileByGuid(volume, CPU_MP_PEI_FILE_GUID))),
    igvmParams: pp === undefined ? undefined : igvmParams(pp, peiFvBase),
    earlyDebugLog: pp === undefined ? undefined : earlyDebugLog(pp, peiFvBase),
  };
}

/** IdtEntryCount of an IA32 CpuMpPei, or why it was not found. */
export function cpuMpPeiExceptionVectorsIa32(volume: FirmwareVolume): number | string {
  return exceptionVectors(ia32Image(findFileByGuid(volume, CPU_MP_PEI_FILE_GUID)));
}
