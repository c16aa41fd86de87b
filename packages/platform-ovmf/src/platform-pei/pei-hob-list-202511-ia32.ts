/**
 * PEI's HOB list up to SmmRelocationInit's IDT pool for an IA32 PEI of edk2-stable202508 to 202605
 * (OvmfPkgIa32X64 SMM builds: OvmfPkgIa32.dsc is gone from 202511), written for 202511 (checked
 * by real boots) and extended from the source to 202508, 202602 and 202605 (smm-pei-pages-ia32.ts
 * IA32_PEI_RELEASES: each left INCOMPLETE until a boot checks it; 202508's, 202602's and 202605's
 * boots then matched it unchanged, HOB for HOB): pei-hob-list-202608.ts's
 * 202511 list (no PeiCore memory bins: PlatformPei installs memory in its entry point, the PEIMs'
 * HOBs in 202502's order) with 4-byte pointers, each fact read from the IA32 code
 * (pei-hob-facts-ia32.ts) and these IA32 differences, each from the edk2-stable202511 source:
 * - PlatformPei's HOBs as the 202502 IA32 list (pei-hob-list.ts, w = 4: no SEC page tables, no
 *   OVMF work area), with QemuFwCfgLib's cache HOBs after EFI_HOB_PLATFORM_INFO and the MEMFD's
 *   early debug log before PEIFV's allocation, as on X64.
 * - CpuMpPei's PeiCpuExceptionHandlerLib pools for IA32 (RESERVED_VECTORS_DATA 52 bytes,
 *   4-byte handler pointers, EXCEPTION0_STUB_HEADER).
 * - MpInitLib: no page-table page (smm-pei-pages-ia32.ts), so its microcode and hand-off HOBs
 *   follow the AP code page.
 * What the later releases change, each read from the image as on X64 (the X64 table in
 * docs/newer-ovmf.md): 202508's MpInitLib still prepares the AP loop buffer (its allocation after
 * the microcode and hand-off HOBs, as in 202502) and CpuMpPei sets up no exception stacks
 * (cpu-mp-pei-facts-ia32.ts), and its PeiCore's delayed-dispatch table is 202502's (0x2B8 on X64,
 * read from PeiCore's code); from 202602 PlatformQemuInitializeRam reserves the IGVM parameter
 * page first (Igvm.c, IA32 too; read from PlatformPei's code); 202605's CpuMpPei sets up 256
 * vectors (its exception handler pools for 256: read from its code).
 */
import { DELAYED_DISPATCH_TABLE_GUID, peiHobImageFacts } from './pei-hob-facts.ts';
import { RSC_ROUTER_NEST_STATUS_HOB_GUID, PLATFORM_INFO_HOB_GUID } from './pei-hob-facts-202608.ts';
import { peiHobFactsIa32 } from './pei-hob-facts-ia32.ts';
import { guidHob, hobsAfter, memAlloc, PHIT_ABOVE_BASE, peiCoreHobs, platformPeiHobs, pool, STACK_HOB_GUID } from './pei-hob-list.ts';
import type { PeiHob, PeiHobList } from './pei-hob-list.ts';
import { fwCfgCacheHobs } from './pei-hob-list-202608.ts';
import type { PeiHobList202608Input } from './pei-hob-list-202608.ts';
import { qemu72FwCfgFiles } from './qemu-fw-cfg-files.ts';
import { IA32_PEI_RELEASES } from './smm-pei-pages-ia32.ts';

/** The releases whose IA32 PEI this list follows and a boot checked (IA32_PEI_RELEASES.checked). */
export const PEI_HOB_RELEASES_IA32_FW_CFG_CACHE: readonly number[] = IA32_PEI_RELEASES.checked;
const PAGE = 0x1000;
const W = 4;
/** sizeof (RESERVED_VECTORS_DATA) on IA32 (Ia32/ArchInterruptDefs.h). */
const RESERVED_VECTORS_DATA_IA32 = 52;
/** The page allocations smm-pei-pages-ia32.ts's mpTailIa32 makes, in its order (the AP loop buffer, or the two exception-stack allocations, or neither). */
const MP_TAIL = ['MpInitLib buffer', 'MpInitLib AP code above 1 MiB', 'MpInitLib AP loop buffer (ACPI NVS)', 'CpuMpPei stack-switch contexts (freed)', 'CpuMpPei exception stacks, GDTs and TSSs', 'SmmRelocationLib SMM init stack'] as const;

function exceptionHandlerPoolsIa32(vectors: number): PeiHob[] {
  return [
    pool(vectors * RESERVED_VECTORS_DATA_IA32, `CpuExceptionHandlerLib RESERVED_VECTORS_DATA × ${vectors}`),
    pool(4 * W, 'CpuExceptionHandlerLib EXCEPTION_HANDLER_DATA'),
    pool(vectors * W, `CpuExceptionHandlerLib external interrupt handlers × ${vectors}`),
    pool(Math.ceil(18 / W) * W + W, 'CpuExceptionHandlerLib EXCEPTION0_STUB_HEADER'),
  ];
}

/** PEI's HOBs up to and including SmmRelocationInit's IDT pool, IA32 PEI of edk2-stable202508 to 202605 (those a boot checked). */
export function peiHobList202511Ia32(input: PeiHobList202608Input): PeiHobList {
  const { machine: m, pages } = input;
  if (input.release === undefined || !IA32_PEI_RELEASES.modelled.includes(input.release)) {
    return { unmodelled: `PEI's HOB list of an IA32 PEI in edk2-stable${input.release ?? '?'} (this model: ${IA32_PEI_RELEASES.modelled.join(', ')})` };
  }
  if (!PEI_HOB_RELEASES_IA32_FW_CFG_CACHE.includes(input.release)) {
    return { unmodelled: `PEI's HOB list of an IA32 PEI in edk2-stable${input.release}: modelled from the source, no boot of this release checked (IA32 checked: edk2-stable${PEI_HOB_RELEASES_IA32_FW_CFG_CACHE.join(', ')})` };
  }
  if (m.machine !== 'q35') return { unmodelled: `PEI's HOB list on machine ${m.machine} (modelled for q35)` };
  const f = peiHobImageFacts(input.peiFv.volume);
  const g = peiHobFactsIa32(input.peiFv.volume, Number(input.peiFv.base));
  const pcd = f.pcdDatabase;
  if (typeof pcd === 'string') return { unmodelled: `PcdPeim's database HOB (${pcd})` };
  if (!f.reportStatusCodeRouter) return { unmodelled: 'PEI status code without ReportStatusCodeRouterPei' };
  const { delayedDispatchHobLength: delayed, platformInfoSize, exceptionVectors: vectors, fwCfgCache } = g;
  if (typeof delayed === 'string') return { unmodelled: `the delayed-dispatch table HOB (${delayed})` };
  if (typeof platformInfoSize === 'string') return { unmodelled: `EFI_HOB_PLATFORM_INFO (${platformInfoSize})` };
  if (typeof vectors === 'string') return { unmodelled: `CpuMpPei's exception vectors (${vectors})` };
  if (typeof fwCfgCache === 'string') return { unmodelled: `QemuFwCfgLib's cache HOBs (${fwCfgCache})` };
  const fwCfg = fwCfgCacheHobs(fwCfgCache, input.fwCfgFiles ?? qemu72FwCfgFiles(m));
  if (typeof fwCfg === 'string') return { unmodelled: `QemuFwCfgLib's cache HOBs (${fwCfg})` };
  const cpuMp = pages.findIndex((p) => p.what === 'CpuMpPei');
  const tail = pages.slice(cpuMp + 1).map((p) => p.what);
  const inOrder = tail.every((w, i) => i === 0 || MP_TAIL.indexOf(w as (typeof MP_TAIL)[number]) > MP_TAIL.indexOf(tail[i - 1] as (typeof MP_TAIL)[number]));
  if (cpuMp < 0 || tail[0] !== MP_TAIL[0] || tail[1] !== MP_TAIL[1] || tail[tail.length - 1] !== MP_TAIL[MP_TAIL.length - 1] || tail.some((w) => !(MP_TAIL as readonly string[]).includes(w)) || !inOrder) {
    return { unmodelled: `PEI page allocations other than an IA32 PEI's of edk2-stable202508 to 202605 (${pages.map((p) => p.what).join(', ')})` };
  }

  const core = peiCoreHobs(f, W).map((h) => (h.guid === DELAYED_DISPATCH_TABLE_GUID ? { ...h, length: delayed, what: `${h.what} (PcdDelayedDispatchMaxEntries, from PeiCore's code)` } : h));
  const hobs: PeiHob[] = [{ kind: 'PHIT', length: 0x38, what: 'PHIT' }, ...core];
  hobs.push(
    guidHob('EA296D92-0B69-423C-8C28-33B4E0A91268', pcd.length + pcd.uninitDataBaseSize, 'PcdPeim PEI PCD database'),
    guidHob('9B3ADA4F-AE56-4C24-8DEA-F03B7558AE50', pcd.localTokenCount * W * 8, 'PcdPeim callback table'),
    guidHob('E701458C-4900-4CA5-B772-3D37949F7927', 65 * W, 'ReportStatusCodeRouterPei callback table')
  );
  if (g.rscNestStatus) hobs.push(guidHob(RSC_ROUTER_NEST_STATUS_HOB_GUID, 4, 'ReportStatusCodeRouterPei nest status (UINT32)'));
  if (f.memoryStatusCode) hobs.push(guidHob('060CC026-4C0D-4DDA-8F41-595FEF00A502', 1024 + 8, 'StatusCodeHandlerPei memory status codes'));
  hobs.push(guidHob(PLATFORM_INFO_HOB_GUID, platformInfoSize, `PlatformPei EFI_HOB_PLATFORM_INFO (${platformInfoSize} bytes, from its code)`), ...fwCfg);
  // PlatformQemuInitializeRam reserves the IGVM parameter page before its RAM HOBs (Igvm.c, edk2-stable202602 on).
  if (g.igvmParams !== undefined) hobs.push(memAlloc('PlatformPei IGVM parameter page (runtime data)', g.igvmParams.size));
  for (const h of platformPeiHobs(m, W).slice(1)) {
    if (h.what === 'PEIFV' && g.earlyDebugLog !== undefined) hobs.push(memAlloc('MEMFD early memory debug log', g.earlyDebugLog.size));
    hobs.push(h);
  }
  hobs.push(memAlloc('PeiCore stack', undefined, STACK_HOB_GUID));
  const last = pages[pages.length - 1] ?? { what: '', pages: 0 };
  for (const p of pages.slice(0, -1)) {
    hobs.push(memAlloc(p.what, p.pages * PAGE));
    if (p.what === 'CpuMpPei') hobs.push(...exceptionHandlerPoolsIa32(vectors));
    else if (p.what === 'MpInitLib AP code above 1 MiB') hobs.push(...hobsAfter('MpInitLib reset vector above 1 MiB', W, m.cpus));
    else hobs.push(...hobsAfter(p.what, W, m.cpus));
  }
  hobs.push(
    pool(12 + 8 * m.cpus, 'CpuMpPei BIST record'),
    guidHob('9E9F374B-8F16-4230-9824-5846EE766A97', 12 + 8 * m.cpus, 'CpuMpPei gEfiSecPlatformInformation2PpiGuid (BIST)'),
    guidHob('6DADF1D1-D4CC-4910-BB6E-82B1FD80FF3D', 8 + 3 * 32, 'SmmRelocationLib SMRAM block split (3 descriptors)'),
    memAlloc(last.what, last.pages * PAGE)
  );
  const before = hobs.reduce((s, h) => s + h.length, 0);
  hobs.push(pool(input.idtLimit + 1 + W, 'SmmRelocationLib SMM IDT'));
  return { hobs, idtPoolAboveBase: PHIT_ABOVE_BASE + before + 8 };
}
