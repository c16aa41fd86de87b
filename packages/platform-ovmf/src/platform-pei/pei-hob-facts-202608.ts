/**
 * What PEIFV's code says about the HOBs edk2-stable202608 builds differently before
 * SmmRelocationInit's IDT pool (pei-hob-list-202608.ts), each read from the X64 image (no
 * per-build constant, nothing keyed by a hash):
 * - PeiCore's delayed-dispatch table HOB (Dispatcher.c PeiDispatcher: BuildGuidHob of
 *   sizeof (DELAYED_DISPATCH_TABLE) + PcdDelayedDispatchMaxEntries entries, inlined as
 *   `mov edx, HobLength; mov ecx, EFI_HOB_TYPE_GUID_EXTENSION` after the GUID's lookup).
 * - EFI_HOB_PLATFORM_INFO's size (PlatformPei BuildPlatformInfoHob: `mov r8d, size` for
 *   BuildGuidDataHob of gUefiOvmfPkgPlatformInfoGuid).
 * - QemuFwCfgLib's cache list (OvmfPkg/Library/QemuFwCfgLib/QemuFwCfgCacheInit.c mCacheFwCfgList:
 *   packed CACHE_FW_CFG_STRCUT records, a 56-byte file name, NeedMeasure, the fw_cfg item and the
 *   expected size), in PlatformPei's image.
 * - ReportStatusCodeRouterPei's nest-status HOB (present when its image holds
 *   RSC_ROUTER_NEST_STATUS_HOB_GUID).
 * - The IDT entries PeiCpuExceptionHandlerLib sizes its pools by (CpuMpPei:
 *   `mov qword [rax], IdtEntryCount` into EXCEPTION_HANDLER_DATA, then `mov ecx, 8 × count` for
 *   the external interrupt handler table): X86_CPU_INTERRUPT_NUM (256) in 202608, 32 before.
 * - PlatformPei's memory-allocation HOBs for the MEMFD areas: the IGVM parameter page (from
 *   edk2-stable202602; PlatformInitLib Igvm.c PlatformIgvmParamReserve: `mov r8d,
 *   EfiRuntimeServicesData`, size, base) and the early memory debug log next to PEIFV (from
 *   202508; MemDetect.c: built just before PEIFV's own).
 */
import { guidFromString } from '@tcg2sim/binary-codec';
import { EFI_FV_FILETYPE, EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { FfsFile, FirmwareVolume } from '@tcg2sim/uefi';
import { DELAYED_DISPATCH_TABLE_GUID, REPORT_STATUS_CODE_ROUTER_PEI_FILE_GUID } from './pei-hob-facts.ts';
import { PLATFORM_PEI_FILE_GUID } from './peifv.ts';

const CPU_MP_PEI_FILE_GUID = 'EDADEB9D-DDBA-48BD-9D22-C1C169C8C5C6';
/** gUefiOvmfPkgPlatformInfoGuid. */
export const PLATFORM_INFO_HOB_GUID = 'DEC9B486-1F16-47C7-8F68-DF1A41888BA5';
/** MdeModulePkg/Universal/ReportStatusCodeRouter/Pei/ReportStatusCodeRouterPei.h. */
export const RSC_ROUTER_NEST_STATUS_HOB_GUID = '7A1A8E9E-2C3F-4A5B-8D1C-3E72A91F6B04';
/** sizeof (CACHE_FW_CFG_STRCUT), packed: FileName[QEMU_FW_CFG_FNAME_SIZE], NeedMeasure, FwCfgItem, FwCfgSize. */
const CACHE_RECORD_SIZE = 56 + 1 + 2 + 4;
/** The first record's name (QEMU_FW_CFG_SIGNATURE). */
const CACHE_FIRST_NAME = 'QemuFwCfgSignature';
const EFI_RUNTIME_SERVICES_DATA = 6;
/** How far after a GUID's `lea` the inlined BuildGuidHob's CreateHob call is looked for. */
const NEAR = 64;

/** One record of mCacheFwCfgList. */
export interface FwCfgCacheEntry {
  readonly name: string;
  readonly needMeasure: boolean;
  /** The fw_cfg item, 0xFFFF (INVALID_FW_CFG_ITEM) for a file looked up by name. */
  readonly item: number;
  /** Expected size (0: any; the file directory's is computed). */
  readonly size: number;
}

/** A MEMFD page range PlatformPei reserves with a memory-allocation HOB. */
export interface MemFdReservation {
  readonly base: number;
  readonly size: number;
}

/** The 202608 facts; a string says why one could not be read. */
export interface PeiHobFacts202608 {
  /** HobLength of PeiCore's delayed-dispatch table HOB (rounded up to 8). */
  readonly delayedDispatchHobLength: number | string;
  /** sizeof (EFI_HOB_PLATFORM_INFO). */
  readonly platformInfoSize: number | string;
  readonly fwCfgCache: readonly FwCfgCacheEntry[] | string;
  readonly rscNestStatus: boolean;
  /** IdtEntryCount of CpuMpPei's exception handler data. */
  readonly exceptionVectors: number | string;
  /** PlatformIgvmParamReserve's page(s), undefined when the image has none. */
  readonly igvmParams: MemFdReservation | undefined;
  /** The early memory debug log reserved right below PEIFV, undefined when the image has none. */
  readonly earlyDebugLog: MemFdReservation | undefined;
}

const u32 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
const align8 = (n: number): number => Math.ceil(n / 8) * 8;

function imageOf(file: FfsFile | undefined): Uint8Array | undefined {
  return file?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
}

function find(b: Uint8Array, needle: Uint8Array, from = 0): number {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(Buffer.from(needle), from);
}

/** Offsets just after each `lea rcx, [rip + d]` (48 8D 0D) whose target is `target`. */
function leaRcxTo(b: Uint8Array, target: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + 7 <= b.length; i++) {
    if (b[i] === 0x48 && b[i + 1] === 0x8d && b[i + 2] === 0x0d && i + 7 + (u32(b, i + 3) | 0) === target) out.push(i + 7);
  }
  return out;
}

/** PeiCore: `mov edx, len; mov ecx, 4` (CreateHob of a GUID HOB) within NEAR bytes after the table GUID's lookup. */
function delayedDispatchHobLength(core: Uint8Array | undefined): number | string {
  if (core === undefined) return 'no PeiCore image';
  const guid = find(core, guidFromString(DELAYED_DISPATCH_TABLE_GUID));
  if (guid < 0) return 'PeiCore has no gEfiDelayedDispatchTableGuid';
  for (const after of leaRcxTo(core, guid)) {
    for (let i = after; i + 10 <= Math.min(core.length, after + NEAR); i++) {
      if (core[i] === 0xba && core[i + 5] === 0xb9 && u32(core, i + 6) === 4) return align8(u32(core, i + 1));
    }
  }
  return "PeiCore's BuildGuidHob of the delayed-dispatch table not found";
}

/** Offsets just after each `lea r64, [rip + d]` (REX.W 8D, ModRM mod 00 r/m 101) whose target is `target`. */
function leaTo(b: Uint8Array, target: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + 7 <= b.length; i++) {
    if (((b[i] ?? 0) & 0xfa) === 0x48 && b[i + 1] === 0x8d && ((b[i + 2] ?? 0) & 0xc7) === 0x05 && i + 7 + (u32(b, i + 3) | 0) === target) out.push(i + 7);
  }
  return out;
}

/**
 * PlatformPei: `mov r8d, size` shortly before `lea rcx, [rip + PlatformInfoGuid]` and its call
 * (Debian's and Ubuntu's builds); else the GUID's address loaded into another register, then
 * within 32 bytes `mov r8d, size` and a call within 10 bytes after it (a local edk2-stable202508
 * RELEASE build: `lea rbx, [guid]; …; mov r8d, 0xA2; mov rcx, rbx; …; call`).
 */
function platformInfoSize(pp: Uint8Array): number | string {
  const guid = find(pp, guidFromString(PLATFORM_INFO_HOB_GUID));
  if (guid < 0) return 'PlatformPei has no gUefiOvmfPkgPlatformInfoGuid';
  for (const after of leaRcxTo(pp, guid)) {
    for (let i = after - 7 - 6; i >= Math.max(0, after - 7 - 24); i--) {
      const size = u32(pp, i + 2);
      if (pp[i] === 0x41 && pp[i + 1] === 0xb8 && pp[after] === 0xe8 && size > 0 && size < 0x1000) return size;
    }
  }
  for (const after of leaTo(pp, guid)) {
    for (let i = after; i + 6 <= Math.min(pp.length, after + 32); i++) {
      const size = u32(pp, i + 2);
      if (pp[i] !== 0x41 || pp[i + 1] !== 0xb8 || size === 0 || size >= 0x1000) continue;
      for (let j = i + 6; j < Math.min(pp.length, i + 16); j++) if (pp[j] === 0xe8) return size;
    }
  }
  return "PlatformPei's BuildGuidDataHob of EFI_HOB_PLATFORM_INFO not found";
}

/** mCacheFwCfgList: records from QEMU_FW_CFG_SIGNATURE's until one is not a record. */
function fwCfgCache(pp: Uint8Array): FwCfgCacheEntry[] | string {
  const first = find(pp, new TextEncoder().encode(`${CACHE_FIRST_NAME}\0`));
  if (first < 0) return 'PlatformPei has no QemuFwCfgLib cache list (mCacheFwCfgList)';
  const out: FwCfgCacheEntry[] = [];
  for (let at = first; at + CACHE_RECORD_SIZE <= pp.length && out.length < 64; at += CACHE_RECORD_SIZE) {
    const raw = pp.subarray(at, at + 56);
    const end = raw.indexOf(0);
    const flag = pp[at + 56] ?? 2;
    if (end <= 0 || raw.subarray(end).some((x) => x !== 0) || !raw.subarray(0, end).every((c) => c >= 0x20 && c < 0x7f) || flag > 1) break;
    out.push({ name: new TextDecoder().decode(raw.subarray(0, end)), needMeasure: flag === 1, item: (pp[at + 57] ?? 0) | ((pp[at + 58] ?? 0) << 8), size: u32(pp, at + 59) });
  }
  return out;
}

/** CpuMpPei: `mov qword [rax], n` (48 C7 00) followed within 8 bytes by `mov ecx, 8n`. */
function exceptionVectors(cpuMp: Uint8Array | undefined): number | string {
  if (cpuMp === undefined) return 'no CpuMpPei image';
  for (let i = 0; i + 15 <= cpuMp.length; i++) {
    if (cpuMp[i] !== 0x48 || cpuMp[i + 1] !== 0xc7 || cpuMp[i + 2] !== 0x00) continue;
    const n = u32(cpuMp, i + 3);
    if (n === 0 || n > 256) continue;
    for (let j = i + 7; j < i + 15; j++) if (cpuMp[j] === 0xb9 && u32(cpuMp, j + 1) === 8 * n) return n;
  }
  return "CpuMpPei's exception handler data (IdtEntryCount) not found";
}

/** PlatformIgvmParamReserve: `mov r8d, 6`, then within 32 bytes `mov edx, size` and `mov ecx, base` below PEIFV. */
function igvmParams(pp: Uint8Array, peiFvBase: number): MemFdReservation | undefined {
  const rt = Uint8Array.from([0x41, 0xb8, EFI_RUNTIME_SERVICES_DATA, 0, 0, 0]);
  for (let i = find(pp, rt); i >= 0; i = find(pp, rt, i + 1)) {
    let size: number | undefined;
    for (let j = i + 6; j + 5 <= Math.min(pp.length, i + 38); j++) {
      if (pp[j] === 0xba && size === undefined) size = u32(pp, j + 1);
      const base = u32(pp, j + 1);
      if (pp[j] === 0xb9 && size !== undefined && size % 0x1000 === 0 && base >= 0x800000 && base + size <= peiFvBase) return { base, size };
    }
  }
  return undefined;
}

/**
 * `mov edx, size; mov ecx, base` within NEAR bytes before `mov ecx, PEIFV base`, the range right
 * below PEIFV (base + size = PEIFV's base: Debian's and Ubuntu's MEMFD) or right above it (base =
 * PEIFV's end: the MEMFD of edk2-stable202508's OvmfPkgX64.fdf, the log after PEIFV).
 */
function earlyDebugLog(pp: Uint8Array, peiFvBase: number, peiFvSize: number): MemFdReservation | undefined {
  const fv = Uint8Array.from([0xb9, peiFvBase & 0xff, (peiFvBase >> 8) & 0xff, (peiFvBase >> 16) & 0xff, peiFvBase >>> 24]);
  for (let at = find(pp, fv); at >= 0; at = find(pp, fv, at + 1)) {
    for (let i = Math.max(0, at - NEAR); i + 10 <= at; i++) {
      const size = u32(pp, i + 1);
      const base = u32(pp, i + 6);
      if (pp[i] === 0xba && pp[i + 5] === 0xb9 && size > 0 && (base + size === peiFvBase || (peiFvSize > 0 && base === peiFvBase + peiFvSize))) return { base, size };
    }
  }
  return undefined;
}

/** gEfiMemoryTypeInformationGuid (MdeModulePkg.dec). */
const MEMORY_TYPE_INFORMATION_GUID = '4C19049F-4137-4DD3-9C10-8B97A83FFDFA';

/**
 * Whether PeiCore creates memory bins (MdeModulePkg/Core/Pei/Memory/MemoryBin.c, compiled in when
 * PcdPeiMemoryBinsEnable is TRUE): its image then refers to gEfiMemoryTypeInformationGuid (the
 * HOB it sizes the bins by, the owner of their resource HOB); a PeiCore without bins never does.
 */
export function peiCoreHasMemoryBins(volume: FirmwareVolume): boolean {
  const core = imageOf(volume.files.find((f) => f.type === EFI_FV_FILETYPE.PEI_CORE));
  return core !== undefined && find(core, guidFromString(MEMORY_TYPE_INFORMATION_GUID)) >= 0;
}

/** Whether PlatformPei holds QemuFwCfgLib's cache list (mCacheFwCfgList: edk2-stable202505 on). */
export function hasFwCfgCacheList(volume: FirmwareVolume): boolean {
  const pp = imageOf(findFileByGuid(volume, PLATFORM_PEI_FILE_GUID));
  return pp !== undefined && typeof fwCfgCache(pp) !== 'string';
}

/** IdtEntryCount of CpuMpPei's exception handler data, or why it was not found. */
export function cpuMpPeiExceptionVectors(volume: FirmwareVolume): number | string {
  return exceptionVectors(imageOf(findFileByGuid(volume, CPU_MP_PEI_FILE_GUID)));
}

/** Reads the facts from PEIFV (X64 images; PEIFV at `peiFvBase`). */
export function peiHobFacts202608(volume: FirmwareVolume, peiFvBase: number): PeiHobFacts202608 {
  const pp = imageOf(findFileByGuid(volume, PLATFORM_PEI_FILE_GUID));
  const none = 'no PlatformPei image';
  return {
    delayedDispatchHobLength: delayedDispatchHobLength(imageOf(volume.files.find((f) => f.type === EFI_FV_FILETYPE.PEI_CORE))),
    platformInfoSize: pp === undefined ? none : platformInfoSize(pp),
    fwCfgCache: pp === undefined ? none : fwCfgCache(pp),
    rscNestStatus: find(imageOf(findFileByGuid(volume, REPORT_STATUS_CODE_ROUTER_PEI_FILE_GUID)) ?? new Uint8Array(0), guidFromString(RSC_ROUTER_NEST_STATUS_HOB_GUID)) >= 0,
    exceptionVectors: exceptionVectors(imageOf(findFileByGuid(volume, CPU_MP_PEI_FILE_GUID))),
    igvmParams: pp === undefined ? undefined : igvmParams(pp, peiFvBase),
    earlyDebugLog: pp === undefined ? undefined : earlyDebugLog(pp, peiFvBase, Number(volume.header.fvLength)),
  };
}
