/**
 * PEI's HOB list up to SmmRelocationInit's IDT pool for edk2-stable202608 SMM builds (Debian
 * sid's 2026.08, X64 PEI), and for 202505 to 202605 (Ubuntu 26.04's 2025.11, local builds: no
 * PeiCore memory bins, so memory from PlatformPei's entry and the PEIMs' HOBs in 202502's order,
 * afterMemoryNoBins; 202505 also with 202502's MpInitLib, below): pei-hob-list.ts's model of 202405..202502 with what 202608 builds
 * differently, each size read from the image (pei-hob-facts-202608.ts, pei-hob-facts.ts,
 * smm-pei-pages.ts) or the VM (qemu-fw-cfg-files.ts), in the order a real boot's list has them
 * (test/vectors/smm-relocation/pei-hobs-sid-*.txt, pei-hobs-nx-512-3.txt):
 * - PeiCore before memory as before, but its delayed-dispatch table sized by
 *   PcdDelayedDispatchMaxEntries (8 entries: read from PeiCore's code).
 * - PcdPeim's database and callback table (their sizes from its PCD database, as before);
 *   ReportStatusCodeRouterPei's callback table and its new nest-status HOB (a UINT32,
 *   ReportStatusCodeRouterPei.c); StatusCodeHandlerPei's memory log.
 * - PlatformPei's entry: EFI_HOB_PLATFORM_INFO (its size from PlatformPei's code), then
 *   QemuFwCfgInitCache's HOBs (QemuFwCfgCacheInit.c: one gOvmfFwCfgInfoHobGuid HOB per
 *   mCacheFwCfgList item QEMU offers, FW_CFG_CACHED_ITEM's 6 packed bytes + the item; the file
 *   directory 4 + 64 bytes per file). Its MemTypeInfoInitialization waits for the read-only
 *   variable PPI (smm-pei-pages.ts): PeiVariable's VARIABLE_INDEX_TABLE and the memory type
 *   information HOB come next, then CompleteInitialization: PublishPeiMemory's IGVM parameter
 *   reservation (Igvm.c), the RAM, SMRAM, E820 and S3 HOBs as before, the MEMFD's early debug log
 *   just before PEIFV's allocation, DXEFV, MMIO, CPU.
 * - After memory: PeiCore's stack and its copy, then InitializeMemoryServices' memory-bin pools
 *   (EFI_MEMORY_TYPE_INFORMATION and EFI_MEMORY_TYPE_STATISTICS, EfiMaxMemoryType + 1 each: 8
 *   and 48 bytes), the bins' memory-allocation HOB (freed, then reused by PcdPeim's copy) and
 *   their system-memory resource HOB (smm-pei-pages.ts), DxeIpl's copy and handler table,
 *   SmmAccessPei, CpuMpPei with PeiCpuExceptionHandlerLib's pools for its IdtEntryCount vectors
 *   (read from CpuMpPei: 256), MpInitLib's buffer, AP code page and page-table page, then its
 *   microcode patch and hand-off HOBs as before, CpuMpPei's stack-switch page (freed) and
 *   exception stacks, the BIST record, SmmRelocationLib's SMRAM split, its stack and the IDT.
 *
 * edk2-stable202505 is the first release with QemuFwCfgLib's cache (OvmfPkg/Library/QemuFwCfgLib/
 * QemuFwCfgCacheInit.c, the same list and HOBs as 202508's: QemuFwCfgLib did not change between
 * the two tags; PlatformPei's InitializePlatform calls it right after BuildPlatformInfoHob, as in
 * 202508) and EFI_HOB_PLATFORM_INFO's QEMU_FW_CFG_WORK_AREA and PcdPciMmio64Override (161 packed
 * bytes; 202508's FeatureControl makes 162: both a 0xC0 HOB, the size read from PlatformPei's code
 * either way), but no early memory debug log (MemDebugLogLib and PcdOvmfEarlyMemDebugLogSize
 * came in 202508: PlatformPei's code has no such reservation) and 202502's MpInitLib and CpuMpPei
 * (no read-only AP code page; the AP loop buffer and its page table after the microcode and
 * hand-off HOBs; 32 vectors), which CpuMpPei's code tells (cpu-mp-pei-facts.ts) and
 * smm-pei-pages.ts's pages carry: MpInitLib's microcode and hand-off HOBs follow the page table of
 * the read-only AP code when there is one, else the AP code page.
 */
import { DELAYED_DISPATCH_TABLE_GUID, peiHobImageFacts } from './pei-hob-facts.ts';
import { peiHobFacts202608, PLATFORM_INFO_HOB_GUID, RSC_ROUTER_NEST_STATUS_HOB_GUID } from './pei-hob-facts-202608.ts';
import type { FwCfgCacheEntry, PeiHobFacts202608 } from './pei-hob-facts-202608.ts';
import type { PeiPcdDatabase } from './pei-hob-facts.ts';
import { guidHob, hobsAfter, memAlloc, pageAllocationHobs, PHIT_ABOVE_BASE, peiCoreHobs, platformPeiHobs, pool, RES, resource, STACK_HOB_GUID } from './pei-hob-list.ts';
import type { PeiHob, PeiHobList, PeiHobListInput } from './pei-hob-list.ts';
import { qemu72FwCfgFiles } from './qemu-fw-cfg-files.ts';
import type { QemuFwCfgFile } from './qemu-fw-cfg-files.ts';

/** The release this model follows. */
export const PEI_HOB_RELEASE_202608 = 202608;
/**
 * The releases with QemuFwCfgLib's cache HOBs this model covers (X64), each difference read from
 * the image: 202505 (202502's MpInitLib), 202508, 202511, 202602 and 202605 (no memory bins),
 * 202608 (bins), each checked by real boots (test/vectors/smm-relocation/boots.json: local builds of
 * the 202505, 202508, 202602 and 202605 tags; Ubuntu 26.04's 202511, Debian sid's 202608).
 */
export const PEI_HOB_RELEASES_FW_CFG_CACHE = { from: 202505, to: PEI_HOB_RELEASE_202608 } as const;
const BINS = 'PeiCore memory bins (allocated, freed, left above the PHIT)';
/** gOvmfFwCfgInfoHobGuid (OvmfPkg.dec). */
export const FW_CFG_INFO_HOB_GUID = 'A291CE0E-DC09-11EE-9EDB-7349D792AF51';
/** sizeof (FW_CFG_CACHED_ITEM), packed: FwCfgItem (UINT16) and DataSize (UINT32). */
const FW_CFG_CACHED_ITEM_SIZE = 6;
/** QemuFwCfgItemFileDir and sizeof (FWCFG_FILE). */
const FW_CFG_FILE_DIR = 0x19;
const FW_CFG_FILE_SIZE = 64;
const INVALID_FW_CFG_ITEM = 0xffff;
/** EfiMaxMemoryType + 1 (UEFI 2.x: 16 types before EfiMaxMemoryType). */
const MEMORY_TYPES = 17;
/** sizeof (EFI_MEMORY_TYPE_STATISTICS) on X64: five UINT64/UINTN fields and two BOOLEANs. */
const MEMORY_TYPE_STATISTICS_SIZE = 48;
const RESERVED_VECTORS_DATA_X64 = 96;
const PAGE = 0x1000;

/** The 202608 list's inputs: pei-hob-list.ts's and the top of PEI memory (where the bins lie). */
export interface PeiHobList202608Input extends PeiHobListInput {
  readonly peiMemoryTop: number;
  /** QEMU's fw_cfg directory (default: the capture VM's, qemu-fw-cfg-files.ts). */
  readonly fwCfgFiles?: readonly QemuFwCfgFile[];
}

/** QemuFwCfgInitCache's HOBs for the directory `files`, or why a size is not known. */
export function fwCfgCacheHobs(list: readonly FwCfgCacheEntry[], files: readonly QemuFwCfgFile[]): PeiHob[] | string {
  const out: PeiHob[] = [];
  for (const e of list) {
    let size = e.size;
    if (e.item === FW_CFG_FILE_DIR) size = 4 + FW_CFG_FILE_SIZE * files.length;
    else if (e.item === INVALID_FW_CFG_ITEM) {
      const f = files.find((x) => x.name === e.name);
      if (f === undefined) continue;
      if (f.size === undefined) return `the size of fw_cfg ${e.name} QemuFwCfgLib caches`;
      if (f.size === 0 || (e.size !== 0 && f.size !== e.size)) continue;
      size = f.size;
    }
    if (size === 0) continue;
    out.push(guidHob(FW_CFG_INFO_HOB_GUID, FW_CFG_CACHED_ITEM_SIZE + size, `QemuFwCfgLib cache: ${e.name} (${size} bytes)`));
  }
  return out;
}

/** Every fact the 202608 list needs, read from PEIFV and the VM, or why one is missing. */
interface Facts {
  readonly f: ReturnType<typeof peiHobImageFacts>;
  readonly pcd: PeiPcdDatabase;
  readonly g: PeiHobFacts202608;
  readonly delayedDispatch: number;
  readonly platformInfoSize: number;
  readonly vectors: number;
  readonly fwCfg: readonly PeiHob[];
}
function facts(input: PeiHobList202608Input): Facts | string {
  const f = peiHobImageFacts(input.peiFv.volume);
  const g = peiHobFacts202608(input.peiFv.volume, Number(input.peiFv.base));
  const pcd = f.pcdDatabase;
  if (typeof pcd === 'string') return `PcdPeim's database HOB (${pcd})`;
  if (!f.reportStatusCodeRouter) return 'PEI status code without ReportStatusCodeRouterPei';
  const { delayedDispatchHobLength: delayedDispatch, platformInfoSize, exceptionVectors: vectors, fwCfgCache } = g;
  if (typeof delayedDispatch === 'string') return `the delayed-dispatch table HOB (${delayedDispatch})`;
  if (typeof platformInfoSize === 'string') return `EFI_HOB_PLATFORM_INFO (${platformInfoSize})`;
  if (typeof vectors === 'string') return `CpuMpPei's exception vectors (${vectors})`;
  if (typeof fwCfgCache === 'string') return `QemuFwCfgLib's cache HOBs (${fwCfgCache})`;
  const fwCfg = fwCfgCacheHobs(fwCfgCache, input.fwCfgFiles ?? qemu72FwCfgFiles(input.machine));
  if (typeof fwCfg === 'string') return `QemuFwCfgLib's cache HOBs (${fwCfg})`;
  return { f, pcd, g, delayedDispatch, platformInfoSize, vectors, fwCfg };
}

/** PEI's HOBs up to and including SmmRelocationInit's IDT pool, edk2-stable202608 X64. */
export function peiHobList202608(input: PeiHobList202608Input): PeiHobList {
  const { arch, machine: m } = input;
  const { from, to } = PEI_HOB_RELEASES_FW_CFG_CACHE;
  if (input.release === undefined || input.release < from || input.release > to) return { unmodelled: `PEI's HOB list of edk2-stable${input.release ?? '?'} (this model: edk2-stable${from} to ${to})` };
  if (arch !== 'X64') return { unmodelled: `PEI's HOB list of an IA32 PEI in edk2-stable${PEI_HOB_RELEASE_202608}` };
  if (m.machine !== 'q35') return { unmodelled: `PEI's HOB list on machine ${m.machine} (modelled for q35)` };
  const r = facts(input);
  if (typeof r === 'string') return { unmodelled: r };
  const { f, pcd, g, fwCfg } = r;
  const w = 8;
  const core = peiCoreHobs(f, w).map((h) => (h.guid === DELAYED_DISPATCH_TABLE_GUID ? { ...h, length: r.delayedDispatch, what: `${h.what} (PcdDelayedDispatchMaxEntries, from PeiCore's code)` } : h));
  const hobs: PeiHob[] = [{ kind: 'PHIT', length: 0x38, what: 'PHIT' }, ...core];
  hobs.push(
    guidHob('EA296D92-0B69-423C-8C28-33B4E0A91268', pcd.length + pcd.uninitDataBaseSize, 'PcdPeim PEI PCD database'),
    guidHob('9B3ADA4F-AE56-4C24-8DEA-F03B7558AE50', pcd.localTokenCount * w * 8, 'PcdPeim callback table'),
    guidHob('E701458C-4900-4CA5-B772-3D37949F7927', 65 * w, 'ReportStatusCodeRouterPei callback table')
  );
  if (g.rscNestStatus) hobs.push(guidHob(RSC_ROUTER_NEST_STATUS_HOB_GUID, 4, 'ReportStatusCodeRouterPei nest status (UINT32)'));
  if (f.memoryStatusCode) hobs.push(guidHob('060CC026-4C0D-4DDA-8F41-595FEF00A502', 1024 + 8, 'StatusCodeHandlerPei memory status codes'));
  hobs.push(guidHob(PLATFORM_INFO_HOB_GUID, r.platformInfoSize, `PlatformPei EFI_HOB_PLATFORM_INFO (${r.platformInfoSize} bytes, from its code)`), ...fwCfg);
  // With PeiCore's memory bins (smm-pei-pages.ts) PlatformPei publishes memory from PeiVariable's PPI: its HOBs, then the IGVM page.
  const bins = input.pages.some((p) => p.what === BINS);
  if (bins) hobs.push(...hobsAfter('PeiVariable', w, m.cpus));
  // PlatformQemuInitializeRam reserves the IGVM parameter page (Igvm.c, edk2-stable202602 on) before its RAM HOBs, with or without bins.
  if (g.igvmParams !== undefined) hobs.push(memAlloc('PlatformPei IGVM parameter page (runtime data)', g.igvmParams.size));
  // PlatformPei's HOBs of 202502 from its RAM descriptors on (PlatformInfo is above), the early debug log before PEIFV's.
  for (const h of platformPeiHobs(m, w).slice(1)) {
    if (h.what === 'PEIFV' && g.earlyDebugLog !== undefined) hobs.push(memAlloc('MEMFD early memory debug log', g.earlyDebugLog.size));
    hobs.push(h);
  }
  hobs.push(memAlloc('PeiCore stack', undefined, STACK_HOB_GUID));
  const rest = bins ? afterMemory(input, r.vectors) : afterMemoryNoBins(input, r.vectors);
  if (typeof rest === 'string') return { unmodelled: rest };
  hobs.push(...rest);
  const before = hobs.reduce((s, h) => s + h.length, 0);
  hobs.push(pool(input.idtLimit + 1 + w, 'SmmRelocationLib SMM IDT'));
  return { hobs, idtPoolAboveBase: PHIT_ABOVE_BASE + before + 8 };
}

/**
 * Without memory bins (edk2-stable202505 to 202605: Ubuntu resolute's 2025.11, local builds):
 * pei-hob-list.ts's pageAllocationHobs, each page allocation followed by its PEIM's HOBs as in
 * 202502, CpuMpPei's exception-handler pools for its `vectors`, MpInitLib's microcode and hand-off
 * HOBs after the read-only AP code's page table (202508 on), else (202505) after the AP code page.
 */
function afterMemoryNoBins(input: PeiHobList202608Input, vectors: number): PeiHob[] | string {
  return pageAllocationHobs(input.pages, 8, input.machine.cpus, exceptionHandlerPools(vectors));
}

/** PeiCpuExceptionHandlerLib's pools for `vectors` IDT entries (X64). */
function exceptionHandlerPools(vectors: number): PeiHob[] {
  const w = 8;
  return [
    pool(vectors * RESERVED_VECTORS_DATA_X64, `CpuExceptionHandlerLib RESERVED_VECTORS_DATA × ${vectors}`),
    pool(4 * w, 'CpuExceptionHandlerLib EXCEPTION_HANDLER_DATA'),
    pool(vectors * w, `CpuExceptionHandlerLib external interrupt handlers × ${vectors}`),
    pool(Math.ceil(18 / w) * w + w, 'CpuExceptionHandlerLib EXCEPTION0_STUB_HEADER'),
  ];
}

/** The HOBs from PeiCore's copy to SmmRelocationLib's stack page, by smm-pei-pages.ts's allocations. */
function afterMemory(input: PeiHobList202608Input, vectors: number): PeiHob[] | string {
  const { machine: m, pages } = input;
  const w = 8;
  const by = new Map(pages.map((p) => [p.what, p.pages]));
  const names = ['PeiCore', 'PeiCore memory bins (allocated, freed, left above the PHIT)', 'PcdPeim', 'DxeIpl', 'SmmAccessPei', 'CpuMpPei', 'MpInitLib buffer', 'MpInitLib AP code above 1 MiB',
    "MpInitLib's read-only AP code: a page table splitting SEC's 2 MiB page", 'CpuMpPei stack-switch contexts (freed)', 'CpuMpPei exception stacks, GDTs and TSSs', 'SmmRelocationLib SMM init stack'] as const;
  if (pages.length !== names.length || pages.some((p, i) => p.what !== names[i])) return `PEI page allocations other than edk2-stable${PEI_HOB_RELEASE_202608}'s (${pages.map((p) => p.what).join(', ')})`;
  const len = (what: (typeof names)[number]): number => (by.get(what) ?? 0) * PAGE;
  const binsBase = input.peiMemoryTop - len('PeiCore') - len('PeiCore memory bins (allocated, freed, left above the PHIT)');
  const a = (what: (typeof names)[number]): PeiHob => memAlloc(what, len(what));
  return [
    a('PeiCore'),
    pool(MEMORY_TYPES * 8, 'PeiCore memory bins: EFI_MEMORY_TYPE_INFORMATION array'),
    pool(MEMORY_TYPES * MEMORY_TYPE_STATISTICS_SIZE, 'PeiCore memory bins: EFI_MEMORY_TYPE_STATISTICS array'),
    // The bins' own allocation HOB, freed, is the one PcdPeim's copy reuses.
    a('PcdPeim'),
    resource(RES.ram, binsBase, len('PeiCore memory bins (allocated, freed, left above the PHIT)'), 'PeiCore memory bins (system memory, owner gEfiMemoryTypeInformationGuid)'),
    a('DxeIpl'),
    ...hobsAfter('DxeIpl', w, m.cpus),
    a('SmmAccessPei'),
    a('CpuMpPei'),
    ...exceptionHandlerPools(vectors),
    a('MpInitLib buffer'),
    a('MpInitLib AP code above 1 MiB'),
    a("MpInitLib's read-only AP code: a page table splitting SEC's 2 MiB page"),
    ...hobsAfter('MpInitLib reset vector above 1 MiB', w, m.cpus),
    a('CpuMpPei stack-switch contexts (freed)'),
    a('CpuMpPei exception stacks, GDTs and TSSs'),
    pool(12 + 8 * m.cpus, 'CpuMpPei BIST record'),
    guidHob('9E9F374B-8F16-4230-9824-5846EE766A97', 12 + 8 * m.cpus, 'CpuMpPei gEfiSecPlatformInformation2PpiGuid (BIST)'),
    guidHob('6DADF1D1-D4CC-4910-BB6E-82B1FD80FF3D', 8 + 3 * 32, 'SmmRelocationLib SMRAM block split (3 descriptors)'),
    a('SmmRelocationLib SMM init stack'),
  ];
}
