/**
 * PEI's page allocations up to SmmRelocationInit's SMM init stack (202405+ SMM builds), from the
 * image: gPatchSmmInitStack = that page + 4 KiB - sizeof (UINTN). PEI allocates pages downward
 * from the top of PEI memory (MdeModulePkg/Core/Pei/Memory/MemoryServices.c PeiAllocatePages),
 * each a whole number of pages, in this order (a real boot's memory-allocation HOBs, read from
 * guest RAM, list exactly these):
 *
 * 1. PeiCore's copy of itself once PlatformPei has installed PEI memory (PeiCore.c,
 *    ShadowPeiCore): EFI_SIZE_TO_PAGES (SizeOfImage), plus SectionAlignment when above 4 KiB
 *    (Image/Image.c LoadAndRelocatePeCoffImage).
 * 2. The PEIMs dispatched before memory that registered for shadow (Dispatcher.c, reloaded when
 *    memory is there): of OVMF's, only PcdPeim (Universal/PCD/Pei/Pcd.c); ReportStatusCodeRouterPei,
 *    StatusCodeHandlerPei and TdTcg2Pei do not.
 * 3. Every PEIM after PlatformPei in dispatch order (the PEI apriori file's PEIMs first, then the
 *    volume's order: DiscoverPeimsAndOrderWithApriori) up to CpuMpPei: with PcdShadowPeimOnBoot
 *    each is loaded into memory. OVMF's (DxeIpl, S3Resume2Pei, FaultTolerantWritePei, PeiVariable,
 *    SmmAccessPei) depend only on PPIs present once memory is installed; another PEIM there is
 *    not modelled (its depex and allocations are unknown).
 * 4. CpuMpPei's MpInitLib (UefiCpuPkg/Library/MpInitLib, MpLib.c MpInitLibInitialize and
 *    PrepareApLoopCode, PeiMpLib.c): its buffer, ApStackSize per possible CPU plus one for
 *    alignment plus CPU_MP_DATA, the reset vector and per-CPU data (under a page up to 4 CPUs:
 *    more are not checked); the reset vector above 1 MiB (AllocateCodePage, one page); from
 *    edk2-stable202408 the AP loop buffer (EfiACPIMemoryNVS: the AP safe stacks, 128 bytes per
 *    CPU, and the loop code's page) and, on X64, the 4-level page table mapping it
 *    (X64/CreatePageTable.c, AllocateReservedPages; IA32's CreatePageTable allocates nothing).
 * 5. SmmRelocationInit's stack: AllocatePages (1).
 *
 * The release (for step 4) is PcdFirmwareVersionString's YYYY.MM (release.ts).
 *
 * edk2-stable202608 (Debian sid's 2026.08, X64) differs in kind, each from that release's source:
 * - OvmfPkg/PlatformPei (Platform.c, MemTypeInfo.c) of an SMM build installs PEI memory only once
 *   the read-only-variable PPI is there: PeiVariable, dispatched before memory, is what triggers
 *   it (its PPI's notify runs CompleteInitialization). So DxeIpl, S3Resume2Pei and
 *   FaultTolerantWritePei run before memory; of them DxeIpl registers for shadow
 *   (MdeModulePkg/Core/DxeIplPeim/DxeLoad.c) and is reloaded after PcdPeim, the others stay in
 *   place; only SmmAccessPei (its depex wants memory) comes before CpuMpPei after memory.
 * - PeiCore's memory bins (MdeModulePkg/Core/Pei/Memory/MemoryServices.c InitializeMemoryServices,
 *   MemoryBin.c AllocateMemoryTypeInformationBins; PcdPeiMemoryBinsEnable, which OvmfPkgX64.dsc
 *   sets): right after PeiCore's copy it allocates the sum of the memory type information's
 *   pages (PlatformPei's mMemoryTypeInformation, raised from the MemoryTypeInformation variable:
 *   0x80+0x12+0x80+0x100+0x100 = 0x312 pages by default), frees them again and reports them with
 *   a resource HOB; the PHIT's free top stays at their base, so later pages of other types come
 *   below them (bin types, ACPI NVS, reserved, runtime, go into the bins).
 * - MpInitLib: 256 IDT entries in PEI (0x1000 bytes copied into its buffer); the AP code page
 *   above 1 MiB made read-only (ApplyRoProtection: one 4 KiB page table splitting SEC's 2 MiB
 *   mapping); no AP loop buffer on a normal boot (PeiMpLib.c InitMpGlobalData: only on S3).
 * - CpuMpPei (UefiCpuPkg/CpuMpPei/CpuMpPei.c InitializeMpExceptionStackSwitchHandlers, always
 *   from edk2-stable202511): a page of EXCEPTION_STACK_SWITCH_CONTEXT (24 bytes per CPU, freed
 *   again) and every CPU's exception stacks, GDT and TSS (X64/ArchExceptionHandler.c
 *   ArchSetupExceptionStack: 2 × PcdCpuKnownGoodStackSize + 16 + the reset vector's 64-byte GDT
 *   + 16 + 0x68, per CPU, in one allocation).
 * Whether PeiCore has the bins (and PlatformPei defers memory) is read from PeiCore's image
 * (peiCoreHasMemoryBins); for an X64 PEI the MpInitLib/CpuMpPei changes are read from CpuMpPei's
 * code (cpu-mp-pei-facts.ts): the read-only AP code page (edk2-stable202508), the AP loop buffer
 * only on S3 and the exception stacks (both 202511); for an IA32 PEI from CpuMpPei's IA32 code
 * (cpu-mp-pei-facts-ia32.ts, smm-pei-pages-ia32.ts: no page tables, paging is off).
 * edk2-stable202511 (Ubuntu 26.04's 2025.11, X64) has no bins: 202502's PEIMs, then those
 * MpInitLib/CpuMpPei pages (mpTail), the IDT copy sized by CpuMpPei's vector count (32 there).
 * 202508 (a local build, checked) has the read-only AP code page but still the AP loop buffer:
 * after its ACPI NVS pages, ApplyRoProtection on the loop code splits another 2 MiB page only when
 * that page is not the AP code page's (one more page-table page), then CreatePageTable's reserved
 * pages as before; no exception stacks. 202602 and 202605 (local builds, checked) are 202511's
 * pages (202605's IDT copy with 256 vectors), as their source reads.
 */
import { DecodeError } from '@tcg2sim/binary-codec';
import { EFI_FV_FILETYPE, EFI_SECTION, parsePeImage } from '@tcg2sim/uefi';
import type { FfsFile } from '@tcg2sim/uefi';
import type { MachineDescription } from '../machine.ts';
import type { MemoryFv } from '../sec.ts';
import { cpuMpPeiFacts } from './cpu-mp-pei-facts.ts';
import { cpuMpPeiExceptionVectors, peiCoreHasMemoryBins } from './pei-hob-facts-202608.ts';
import { cpuMpPeiFactsIa32 } from './cpu-mp-pei-facts-ia32.ts';
import { cpuMpPeiExceptionVectorsIa32 } from './pei-hob-facts-ia32.ts';
import { IA32_PEI_RELEASES, ia32MpFactsDisagree, mpTailIa32 } from './smm-pei-pages-ia32.ts';
import { PLATFORM_PEI_FILE_GUID } from './peifv.ts';

const PAGE = 0x1000;
const PEI_APRIORI_FILE_GUID = '1B45CC0A-156A-428A-AF62-49864DA0E6E6';
const CPU_MP_PEI_FILE_GUID = 'EDADEB9D-DDBA-48BD-9D22-C1C169C8C5C6';
/** Pre-memory PEIMs that call RegisterForShadow. */
const REGISTERS_FOR_SHADOW: Readonly<Record<string, string>> = { '9B3ADA4F-AE56-4C24-8DEA-F03B7558AE50': 'PcdPeim' };
/** Pre-memory PEIMs that do not. */
const STAYS_IN_PLACE: Readonly<Record<string, string>> = {
  'A3610442-E69F-4DF3-82CA-2360C4031A23': 'ReportStatusCodeRouterPei',
  '9D225237-FA01-464C-A949-BAABC02D31D0': 'StatusCodeHandlerPei',
  'FCB3A3D6-6274-411C-A548-BD0E717D533A': 'TdTcg2Pei',
};
/** Post-memory PEIMs before CpuMpPei whose depex memory satisfies and which allocate no pages at entry. */
const SHADOWED_AFTER_MEMORY: Readonly<Record<string, string>> = {
  '86D70125-BAA3-4296-A62F-602BEBBB9081': 'DxeIpl',
  '89E549B0-7CFE-449D-9BA3-10D8B2312D71': 'S3Resume2Pei',
  'AAC33064-9ED0-4B89-A5AD-3EA767960B22': 'FaultTolerantWritePei',
  '34C8C28F-B61C-45A2-8F2E-89E46BECC63B': 'PeiVariable',
  '6C0E75B4-B0B9-44D1-8210-3377D7B4E066': 'SmmAccessPei',
};
/** edk2-stable202608's SMM PlatformPei: PEIMs after it that run before memory (each a depex memory does not decide). */
const BEFORE_MEMORY_AFTER_PLATFORM: Readonly<Record<string, { readonly name: string; readonly shadow: boolean; readonly installsMemory?: true }>> = {
  '86D70125-BAA3-4296-A62F-602BEBBB9081': { name: 'DxeIpl', shadow: true },
  '89E549B0-7CFE-449D-9BA3-10D8B2312D71': { name: 'S3Resume2Pei', shadow: false },
  'AAC33064-9ED0-4B89-A5AD-3EA767960B22': { name: 'FaultTolerantWritePei', shadow: false },
  '34C8C28F-B61C-45A2-8F2E-89E46BECC63B': { name: 'PeiVariable', shadow: false, installsMemory: true },
};
/** edk2-stable202608: post-memory PEIMs between PeiVariable and CpuMpPei (memory in their depex, no pages at entry). */
const AFTER_MEMORY_BEFORE_CPU_MP: Readonly<Record<string, string>> = { '6C0E75B4-B0B9-44D1-8210-3377D7B4E066': 'SmmAccessPei' };
const MEMORY_DISCOVERED_PPI = 'F894643D-C449-42D1-8EA8-85BDD8C65BDE';
/**
 * Releases whose PeiCore and MpInitLib this model follows (read in edk2-stable202405 to 202608).
 * An X64 PEI's MpInitLib/CpuMpPei differences are read from CpuMpPei's code up to `x64To`
 * (cpu-mp-pei-facts.ts; checked in 202508, 202511, 202602, 202605 and 202608 builds). An IA32
 * PEI after `to`: smm-pei-pages-ia32.ts's IA32_PEI_RELEASES, its differences read from CpuMpPei's
 * code too (cpu-mp-pei-facts-ia32.ts).
 */
export const SMM_PEI_PAGES_RELEASES = {
  from: 202405, to: 202505, x64To: 202608, apLoopBufferFrom: 202408,
  /** X64 releases after `to` whose model a real boot checked (every release to `x64To`; a new one in between stays open until a boot does). */
  x64Checked: [202508, 202511, 202602, 202605, 202608] as readonly number[],
} as const;
const TWO_MIB = 0x200000;
const RO_AP_CODE_TABLE = "MpInitLib's read-only AP code: a page table splitting SEC's 2 MiB page";
const AP_SAFE_STACK_SIZE = 128;
/** The 32-entry IDT copy (X64 gate descriptors) that shares MpInitLib's last buffer page with CPU_MP_DATA. */
const BASE_IDT_BYTES = 32 * 16;
const MAX_CHECKED_CPUS = 4;
/** sizeof (EXCEPTION_STACK_SWITCH_CONTEXT) on X64 (CpuMpPei.h). */
const STACK_SWITCH_CONTEXT_SIZE = 24;
/** X64 ArchSetupExceptionStack per CPU: 2 known-good stacks (0x08, 0x0E) of 2 KiB, TSS descriptor alignment, the GDT (64 bytes), TSS descriptor, TSS. */
const EXCEPTION_STACK_BYTES_PER_CPU = 2 * 2048 + 16 + 0x40 + 16 + 0x68;

/** One page allocation, in PEI's order. */
export interface PeiPageAllocation {
  readonly what: string;
  readonly pages: number;
}
/** PEI's page allocations up to and including the SMM init stack's page. */
export type SmmPeiPages =
  | { readonly pagesBelowTop: number; readonly allocations: readonly PeiPageAllocation[] }
  | { readonly unmodelled: string };

const pagesOf = (bytes: number): number => Math.ceil(bytes / PAGE);

/** Pages PeiCore allocates to load a PE32 image into memory; a string says why it cannot be told. */
function imagePages(file: FfsFile): number | string {
  const pe32 = file.sections?.find((s) => s.type === EFI_SECTION.PE32);
  if (pe32 === undefined) return 'no PE32 section';
  let pe: ReturnType<typeof parsePeImage>;
  try {
    pe = parsePeImage(pe32.body);
  } catch (err) {
    if (err instanceof DecodeError) return `PE32 image unreadable: ${err.message}`;
    throw err;
  }
  if ((pe.fileHeader.characteristics & 1) !== 0) return 'relocations stripped';
  const o = pe.optionalHeader;
  return pagesOf(o.sizeOfImage + (o.sectionAlignment > PAGE ? o.sectionAlignment : 0));
}

/** PEIMs in PeiCore's dispatch order: the apriori file's, then the volume's. */
function dispatchOrder(peiFv: MemoryFv): FfsFile[] {
  const files = peiFv.volume.files;
  const peims = files.filter((f) => f.type === EFI_FV_FILETYPE.PEIM);
  const apriori = files.find((f) => f.guid.toUpperCase() === PEI_APRIORI_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.RAW)?.body;
  const first: FfsFile[] = [];
  if (apriori !== undefined) {
    for (let o = 0; o + 16 <= apriori.length; o += 16) {
      const g = guidAt(apriori, o);
      const f = peims.find((p) => p.guid.toUpperCase() === g);
      if (f !== undefined && !first.includes(f)) first.push(f);
    }
  }
  return [...first, ...peims.filter((p) => !first.includes(p))];
}

function guidAt(b: Uint8Array, o: number): string {
  const h = (i: number): string => (b[o + i] ?? 0).toString(16).padStart(2, '0');
  const le = (idx: readonly number[]): string => idx.map(h).join('');
  return `${le([3, 2, 1, 0])}-${le([5, 4])}-${le([7, 6])}-${le([8, 9])}-${le([10, 11, 12, 13, 14, 15])}`.toUpperCase();
}

/** Page tables a 4-level PageTableMap creates to map [address, address + length) with 4 KiB pages. */
export function fourLevelTablePages(address: number, length: number): number {
  const span = (shift: number): number => Math.floor((address + length - 1) / 2 ** shift) - Math.floor(address / 2 ** shift) + 1;
  return 1 + span(39) + span(30) + span(21);
}

/**
 * PEI's page allocations before the SMM init stack, for `m` (normal boot), X64 or IA32 PEI, the
 * build's edk2 release, the top of PEI memory and PcdCpuApStackSize; from edk2-stable202608 also
 * the pages of the memory type information PlatformPei hands PeiCore (its bins), undefined when
 * PlatformPei's array was not found.
 */
export function smmPeiPages(
  peiFv: MemoryFv, arch: 'X64' | 'IA32', m: MachineDescription, release: number | undefined, top: number, apStackSize: number, memoryTypeInfoPages?: number
): SmmPeiPages {
  // PeiCore's memory bins are read from its image; with them PlatformPei (same release) defers memory to PeiVariable's PPI.
  const bins = peiCoreHasMemoryBins(peiFv.volume);
  // X64: MpInitLib's and CpuMpPei's changes from CpuMpPei's code, within the releases read (x64To).
  const x64Mp = arch === 'X64' ? cpuMpPeiFacts(peiFv.volume) : undefined;
  if (typeof x64Mp === 'string') return { unmodelled: `MpInitLib's and CpuMpPei's pages (${x64Mp})` };
  const x64Later = x64Mp !== undefined && release !== undefined && release > SMM_PEI_PAGES_RELEASES.to && release <= SMM_PEI_PAGES_RELEASES.x64To;
  if (x64Later && !SMM_PEI_PAGES_RELEASES.x64Checked.includes(release)) {
    return { unmodelled: `PEI's page allocations of edk2-stable${release}: no boot of this release checked (X64 checked: edk2-stable${SMM_PEI_PAGES_RELEASES.x64Checked.join(', ')}; CpuMpPei's code says ${Object.entries(x64Mp).filter(([, v]) => v).map(([k]) => k).join(', ') || 'none of the later changes'})` };
  }
  // IA32 after `to`: CpuMpPei's code says which MpInitLib/CpuMpPei allocations exist, within the releases read (IA32_PEI_RELEASES).
  const ia32Later = arch === 'IA32' && release !== undefined && IA32_PEI_RELEASES.modelled.includes(release);
  if (ia32Later && !IA32_PEI_RELEASES.checked.includes(release)) {
    const f = cpuMpPeiFactsIa32(peiFv.volume);
    const says = typeof f === 'string' ? f : `CpuMpPei's code says: ${f.apLoopOnS3Only ? 'AP loop buffer only on S3' : 'an AP loop buffer'}, ${f.exceptionStacks ? 'exception stacks' : 'no exception stacks'}`;
    return { unmodelled: `PEI's page allocations of an IA32 PEI in edk2-stable${release}: modelled from the source, no boot of this release checked (IA32 checked: edk2-stable${IA32_PEI_RELEASES.checked.join(', ')}; ${says})` };
  }
  if (ia32Later) {
    const f = cpuMpPeiFactsIa32(peiFv.volume);
    const v = cpuMpPeiExceptionVectorsIa32(peiFv.volume);
    const off = typeof f === 'string' || typeof v === 'string' ? undefined : ia32MpFactsDisagree(release, v, f);
    if (off !== undefined) return { unmodelled: `MpInitLib's and CpuMpPei's pages (${off})` };
  }
  const mpStacks = x64Later || ia32Later;
  if (release === undefined || (!mpStacks && (release < SMM_PEI_PAGES_RELEASES.from || release > SMM_PEI_PAGES_RELEASES.to))) {
    return { unmodelled: `PEI's page allocations of ${release === undefined ? 'an unknown release' : `edk2-stable${release}`} (modelled for edk2-stable${SMM_PEI_PAGES_RELEASES.from} to ${SMM_PEI_PAGES_RELEASES.to}; X64 to ${SMM_PEI_PAGES_RELEASES.x64To}, IA32 ${IA32_PEI_RELEASES.checked.join(', ')})` };
  }
  if (bins && !mpStacks) return { unmodelled: `PEI's page allocations of edk2-stable${release} with PeiCore's memory bins` };
  const maxCpus = m.maxCpus ?? m.cpus;
  if (maxCpus > MAX_CHECKED_CPUS) return { unmodelled: `MpInitLib's buffer for ${maxCpus} possible CPUs (its CPU_MP_DATA and per-CPU data are checked up to ${MAX_CHECKED_CPUS})` };
  if (bins) return memoryBinPages(peiFv, arch, m, apStackSize, memoryTypeInfoPages, x64Mp, top);
  const out: PeiPageAllocation[] = [];
  const core = peiFv.volume.files.find((f) => f.type === EFI_FV_FILETYPE.PEI_CORE);
  const corePages = core === undefined ? 'no PEI core file' : imagePages(core);
  if (typeof corePages === 'string') return { unmodelled: `PeiCore's copy in memory (${corePages})` };
  out.push({ what: 'PeiCore', pages: corePages });

  const order = dispatchOrder(peiFv);
  const platform = order.findIndex((f) => f.guid.toUpperCase() === PLATFORM_PEI_FILE_GUID);
  const cpuMp = order.findIndex((f) => f.guid.toUpperCase() === CPU_MP_PEI_FILE_GUID);
  if (platform < 0 || cpuMp < platform) return { unmodelled: 'PEI dispatch order: PlatformPei or CpuMpPei not found after it' };
  for (const [i, f] of order.entries()) {
    if (i > cpuMp) break;
    const g = f.guid.toUpperCase();
    let name: string | undefined;
    if (i < platform) {
      name = REGISTERS_FOR_SHADOW[g];
      if (name === undefined && STAYS_IN_PLACE[g] === undefined) return { unmodelled: `whether pre-memory PEIM ${g} registers for shadow` };
    } else if (i > platform) {
      name = i === cpuMp ? 'CpuMpPei' : SHADOWED_AFTER_MEMORY[g];
      if (name === undefined) return { unmodelled: `PEIM ${g} dispatched after memory before CpuMpPei (depex, allocations)` };
    }
    if (name === undefined) continue;
    const pages = imagePages(f);
    if (typeof pages === 'string') return { unmodelled: `${name}'s copy in memory (${pages})` };
    out.push({ what: name, pages });
  }

  if (mpStacks) {
    const tail = mpTail(peiFv, arch, m, apStackSize, x64Mp, top, out.reduce((s, a) => s + a.pages, 0));
    if (typeof tail === 'string') return { unmodelled: tail };
    out.push(...tail);
    return { pagesBelowTop: out.reduce((s, a) => s + a.pages, 0) * PAGE, allocations: out };
  }
  out.push({ what: 'MpInitLib buffer', pages: pagesOf(apStackSize * (maxCpus + 1)) + 1 });
  out.push({ what: 'MpInitLib reset vector above 1 MiB', pages: 1 });
  if (release >= SMM_PEI_PAGES_RELEASES.apLoopBufferFrom) {
    const apLoop = pagesOf(m.cpus * AP_SAFE_STACK_SIZE) + 1;
    out.push({ what: 'MpInitLib AP loop buffer (ACPI NVS)', pages: apLoop });
    if (arch === 'X64') {
      const below = out.reduce((s, a) => s + a.pages, 0);
      out.push({ what: 'MpInitLib AP page table (reserved)', pages: fourLevelTablePages(top - below * PAGE, apLoop * PAGE) });
    }
  }
  out.push({ what: 'SmmRelocationLib SMM init stack', pages: 1 });
  return { pagesBelowTop: out.reduce((s, a) => s + a.pages, 0) * PAGE, allocations: out };
}

/** Pre-memory PEIMs before PlatformPei that reload into memory (PcdPeim), or why it cannot be told. */
function shadowedBeforePlatform(order: readonly FfsFile[], platform: number): FfsFile[] | string {
  const out: FfsFile[] = [];
  for (const f of order.slice(0, platform)) {
    const g = f.guid.toUpperCase();
    if (REGISTERS_FOR_SHADOW[g] !== undefined) out.push(f);
    else if (STAYS_IN_PLACE[g] === undefined) return `whether pre-memory PEIM ${g} registers for shadow`;
  }
  return out;
}

const wantsMemory = (f: FfsFile): boolean =>
  f.sections?.some((s) => s.depex?.some((op) => 'guid' in op && op.guid.toUpperCase() === MEMORY_DISCOVERED_PPI) === true) === true;

/** edk2-stable202608 (X64): memory installed from PeiVariable's PPI, PeiCore's memory bins, the new MpInitLib/CpuMpPei buffers. */
function memoryBinPages(
  peiFv: MemoryFv, arch: 'X64' | 'IA32', m: MachineDescription, apStackSize: number, memoryTypeInfoPages: number | undefined, mp: MpFacts | undefined, top: number
): SmmPeiPages {
  if (arch !== 'X64') return { unmodelled: `PEI's page allocations of an IA32 PEI with PeiCore memory bins (no paging: no page-table split; other exception-stack sizes; no boot checked)` };
  if (memoryTypeInfoPages === undefined) return { unmodelled: "PeiCore's memory bins (PlatformPei's mMemoryTypeInformation not found)" };
  const core = peiFv.volume.files.find((f) => f.type === EFI_FV_FILETYPE.PEI_CORE);
  const corePages = core === undefined ? 'no PEI core file' : imagePages(core);
  if (typeof corePages === 'string') return { unmodelled: `PeiCore's copy in memory (${corePages})` };
  const order = dispatchOrder(peiFv);
  const platform = order.findIndex((f) => f.guid.toUpperCase() === PLATFORM_PEI_FILE_GUID);
  const cpuMp = order.findIndex((f) => f.guid.toUpperCase() === CPU_MP_PEI_FILE_GUID);
  if (platform < 0 || cpuMp < platform) return { unmodelled: 'PEI dispatch order: PlatformPei or CpuMpPei not found after it' };
  const early = shadowedBeforePlatform(order, platform);
  if (typeof early === 'string') return { unmodelled: early };
  const shadowed: [string, FfsFile][] = early.map((f) => [REGISTERS_FOR_SHADOW[f.guid.toUpperCase()] ?? 'PEIM', f]);
  const loaded: [string, FfsFile][] = [];
  let memory = false;
  for (const f of order.slice(platform + 1, cpuMp)) {
    const g = f.guid.toUpperCase();
    const before = BEFORE_MEMORY_AFTER_PLATFORM[g];
    if (!memory) {
      if (before === undefined || wantsMemory(f)) return { unmodelled: `PEIM ${g} dispatched between PlatformPei and PeiVariable's memory (depex, shadowing)` };
      if (before.shadow) shadowed.push([before.name, f]);
      memory = before.installsMemory === true;
    } else {
      const name = AFTER_MEMORY_BEFORE_CPU_MP[g];
      if (name === undefined || !wantsMemory(f)) return { unmodelled: `PEIM ${g} dispatched after memory before CpuMpPei (depex, allocations)` };
      loaded.push([name, f]);
    }
  }
  if (!memory) return { unmodelled: 'PEI memory: no PeiVariable (whose PPI makes PlatformPei install it) before CpuMpPei' };
  loaded.push(['CpuMpPei', order[cpuMp] as FfsFile]);
  const out: PeiPageAllocation[] = [{ what: 'PeiCore', pages: corePages }, { what: 'PeiCore memory bins (allocated, freed, left above the PHIT)', pages: memoryTypeInfoPages }];
  for (const [name, f] of [...shadowed, ...loaded]) {
    const pages = imagePages(f);
    if (typeof pages === 'string') return { unmodelled: `${name}'s copy in memory (${pages})` };
    out.push({ what: name, pages });
  }
  const tail = mpTail(peiFv, arch, m, apStackSize, mp, top, out.reduce((s, a) => s + a.pages, 0));
  if (typeof tail === 'string') return { unmodelled: tail };
  out.push(...tail);
  return { pagesBelowTop: out.reduce((s, a) => s + a.pages, 0) * PAGE, allocations: out };
}

/** What CpuMpPei's code says (cpu-mp-pei-facts.ts), for an X64 PEI. */
type MpFacts = Exclude<ReturnType<typeof cpuMpPeiFacts>, string>;

/**
 * MpInitLib's and CpuMpPei's pages of an X64 PEI from edk2-stable202508, as CpuMpPei's code says
 * (`mp`), then the SMM init stack: AP stacks (one more for alignment), the IDT copy (16 bytes per
 * CpuMpPei vector: 32 fit, with CPU_MP_DATA and per-CPU data up to 4 CPUs, in one page; 256 take
 * a page more), the AP code page; with ApplyRoProtection the page table its read-only protection
 * splits off SEC's 2 MiB page; unless only on S3 the AP loop buffer (ACPI NVS), a page table more
 * when its code page lies in another 2 MiB page than the AP code's, and its reserved 4-level page
 * table; with the exception stacks the stack-switch contexts (freed) and the stacks. `below`:
 * pages allocated under `top` before MpInitLib's buffer.
 */
function mpTail(peiFv: MemoryFv, arch: 'X64' | 'IA32', m: MachineDescription, apStackSize: number, mp: MpFacts | undefined, top: number, below: number): PeiPageAllocation[] | string {
  if (arch !== 'X64') {
    const v = cpuMpPeiExceptionVectorsIa32(peiFv.volume);
    if (typeof v === 'string') return `MpInitLib's IDT copy (${v})`;
    const ia32 = cpuMpPeiFactsIa32(peiFv.volume);
    return typeof ia32 === 'string' ? `MpInitLib's and CpuMpPei's pages (${ia32})` : mpTailIa32(m, apStackSize, v, ia32);
  }
  if (mp === undefined) return "CpuMpPei's code (X64) was not read";
  const vectors = cpuMpPeiExceptionVectors(peiFv.volume);
  if (typeof vectors === 'string') return `MpInitLib's IDT copy (${vectors})`;
  const maxCpus = m.maxCpus ?? m.cpus;
  const out: PeiPageAllocation[] = [
    { what: 'MpInitLib buffer', pages: pagesOf(apStackSize * (maxCpus + 1)) + 1 + pagesOf(vectors * 16 - BASE_IDT_BYTES) },
    { what: 'MpInitLib AP code above 1 MiB', pages: 1 },
  ];
  const lastBase = (): number => top - (below + out.reduce((s, a) => s + a.pages, 0)) * PAGE;
  const apCode = lastBase();
  if (mp.readOnlyApCode) out.push({ what: RO_AP_CODE_TABLE, pages: 1 });
  if (!mp.apLoopOnS3Only) {
    const apLoop = pagesOf(m.cpus * AP_SAFE_STACK_SIZE) + 1;
    out.push({ what: 'MpInitLib AP loop buffer (ACPI NVS)', pages: apLoop });
    const loop = lastBase();
    if (mp.readOnlyApCode && Math.floor(loop / TWO_MIB) !== Math.floor(apCode / TWO_MIB)) out.push({ what: "MpInitLib's read-only AP loop code: a page table splitting SEC's 2 MiB page", pages: 1 });
    out.push({ what: 'MpInitLib AP page table (reserved)', pages: fourLevelTablePages(loop, apLoop * PAGE) });
  }
  if (mp.exceptionStacks) {
    out.push(
      { what: 'CpuMpPei stack-switch contexts (freed)', pages: pagesOf(m.cpus * STACK_SWITCH_CONTEXT_SIZE) },
      { what: 'CpuMpPei exception stacks, GDTs and TSSs', pages: pagesOf(m.cpus * EXCEPTION_STACK_BYTES_PER_CPU) }
    );
  }
  out.push({ what: 'SmmRelocationLib SMM init stack', pages: 1 });
  return out;
}
