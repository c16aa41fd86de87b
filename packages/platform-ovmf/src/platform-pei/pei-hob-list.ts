/**
 * PEI's HOB list up to SmmRelocationInit's IDT pool (SMM builds of edk2-stable202405 to
 * 202502): every HOB in the order PEI builds it, each sized from the image (pei-hob-facts.ts,
 * smm-pei-pages.ts), the pointer width and the VM. A PEI pool allocation is itself a HOB
 * (MdeModulePkg/Core/Pei/Memory/MemoryServices.c PeiAllocatePool: EFI_HOB_MEMORY_POOL, an 8-byte
 * header and the size rounded up to 8), so gcSmmInitIdtr.Base (AllocateZeroPool (Limit + 1 +
 * sizeof (UINTN)) + sizeof (UINTN), UefiCpuPkg/Library/SmmRelocationLib/SmmRelocationLib.c) is
 * the PHIT's address (PEI memory's bottom + 128 KiB of stack) plus every HOB before it.
 *
 * Sizes, from the EDK II source of those releases (HobLib: a GUID HOB is a 24-byte header and its
 * data rounded up to 8; memory-allocation and resource HOBs 0x30, the FV HOB 0x18, the CPU HOB
 * 0x10, the PHIT 0x38):
 * - PeiCore before memory (Core/Pei): its PPI database grows by DISPATCH_NOTIFY_GROWTH_STEP (8),
 *   PPI_GROWTH_STEP (64) and CALLBACK_NOTIFY_GROWTH_STEP (32) pointers, its FV table by
 *   FV_GROWTH_STEP (8) PEI_CORE_FV_HANDLEs (six pointers and 8 bytes); from 202502 PeiDispatcher
 *   builds the delayed-dispatch table (DelayedDispatch.h: packed, 8 bytes + 15 entries of 36 bytes
 *   + a pointer); DiscoverPeimsAndOrderWithApriori's temporary file-handle and file-GUID arrays
 *   (TEMP_FILE_GROWTH_STEP, 32 more per step), then PeimState (a byte per file) and FvFileHandles
 *   (a pointer per file).
 * - PcdPeim (Universal/PCD/Pei/Service.c BuildPcdDatabase): the database (Length +
 *   UninitDataBaseSize) and the callback table (LocalTokenCount × PcdMaxPeiPcdCallBackNumberPerPcdEntry
 *   (8, MdeModulePkg.dec; OvmfPkg keeps it) function pointers).
 * - ReportStatusCodeRouterPei: 64 callback pointers and a count; StatusCodeHandlerPei with
 *   PcdStatusCodeUseMemory: PcdStatusCodeMemorySize (1 KiB, OvmfPkg's) + an 8-byte header.
 * - PlatformPei (OvmfPkg/PlatformPei, Library/PlatformInitLib): EFI_HOB_PLATFORM_INFO (153 packed
 *   bytes in 202405..202502), the RAM below 1 MiB (split around SMRAM at the default SMBASE), RAM
 *   to TSEG and TSEG, the SMRAM descriptor block (2 descriptors) and gEfiAcpiVariableGuid (one),
 *   QEMU's E820 reserved entries and RAM above 4 GiB, PlatformQemuInitializeRamForS3's and
 *   PeiFvInitialization's memory allocations, the DXEFV FV-info PPI and its descriptor (pools),
 *   MemMapInitialization's Q35 MMIO, PCIEXBAR and I/O resources, the CPU HOB.
 * - After memory: PeiCore's stack HOB, then one memory-allocation HOB per page allocation
 *   (smm-pei-pages.ts) with, in between: DxeIpl's ExtractGuidedSectionLib handler table
 *   (PcdMaximumGuidedExtractHandler 16 × (GUID + 2 pointers) + 8 + 3 pointers), PeiVariable's
 *   VARIABLE_INDEX_TABLE and PlatformPei's memory type information (6 records) when the variable
 *   PPI appears, CpuMpPei's PeiCpuExceptionHandlerLib pools (32 RESERVED_VECTORS_DATA,
 *   EXCEPTION_HANDLER_DATA, 32 handler pointers, EXCEPTION0_STUB_HEADER), MpInitLib's microcode
 *   patch HOB (a pool and the HOB: 24 + 8 per CPU), MP_HAND_OFF (8 + 24 per CPU),
 *   MP_HAND_OFF_CONFIG and the CPU_MP_DATA pointer, CpuBist.c's BIST record (a pool and the HOB:
 *   12 + 8 per CPU), SmmRelocationLib's SMRAM block split in three, its stack page and the IDT pool.
 *
 * Checked: PeiCore dispatches PcdPeim, ReportStatusCodeRouterPei and StatusCodeHandlerPei in that
 * order (the apriori file's first, then the volume's). Assumed, as in OvmfPkg's builds (said in docs/newer-ovmf.md): PeiCore's
 * PPI and notify lists stay within their first growth step; the variable store has no unfinished
 * fault-tolerant write (FaultTolerantWritePei would add a HOB); the Q35 machine type has SMRAM at
 * the default SMBASE (QEMU's pc-q35-4.1 on); the PEIMs up to CpuMpPei are the ones
 * smm-pei-pages.ts accepts.
 */
import type { MachineDescription } from '../machine.ts';
import { ramLayout } from '../machine.ts';
import type { MemoryFv } from '../sec.ts';
import { QEMU_EXTENDED_TSEG_MBYTES } from './legacy-smm.ts';
import { PCD_PEIM_FILE_GUID, REPORT_STATUS_CODE_ROUTER_PEI_FILE_GUID, STATUS_CODE_HANDLER_PEI_FILE_GUID, peiHobImageFacts } from './pei-hob-facts.ts';
import type { PeiHobImageFacts } from './pei-hob-facts.ts';
import type { PeiPageAllocation } from './smm-pei-pages.ts';

/** A HOB's type, as the real lists name them (pei-hobs-*.txt). */
export type PeiHobKind = 'PHIT' | 'POOL' | 'GUID' | 'RESDESC' | 'MEMALLOC' | 'FV' | 'CPU';

/** One HOB of the modelled list. */
export interface PeiHob {
  readonly kind: PeiHobKind;
  /** HobLength. */
  readonly length: number;
  /** Who builds it and what it holds. */
  readonly what: string;
  /** A GUID HOB's name, a memory-allocation HOB's Name (upper case). */
  readonly guid?: string;
  /** A resource descriptor's type, start and length, where modelled. */
  readonly resource?: { readonly type: number; readonly start: bigint; readonly length: bigint };
  /** A memory-allocation HOB's length, where modelled (the page allocations). */
  readonly allocationLength?: number;
}

export type PeiHobList = { readonly hobs: readonly PeiHob[]; readonly idtPoolAboveBase: number } | { readonly unmodelled: string };

/** Releases whose PEI HOBs this model follows (read in edk2-stable202405 and 202502; 202408/202411 share their code). */
export const PEI_HOB_RELEASES = { from: 202405, to: 202502 } as const;
export const PHIT_ABOVE_BASE = 0x20000;
const ZERO_GUID = '00000000-0000-0000-0000-000000000000';
export const STACK_HOB_GUID = '4ED4BF27-4092-42E9-807D-527B1D00C9BD';
const MiB = 1024 * 1024;
const SMM_DEFAULT_SMBASE = 0x30000;
const MCH_DEFAULT_SMBASE_SIZE = 0x20000;
export const RES = { ram: 0, mmio: 1, io: 2, reserved: 5 } as const;

const align8 = (n: number): number => Math.ceil(n / 8) * 8;
export const pool = (bytes: number, what: string): PeiHob => ({ kind: 'POOL', length: 8 + align8(bytes), what });
export const guidHob = (guid: string, bytes: number, what: string): PeiHob => ({ kind: 'GUID', length: 24 + align8(bytes), what, guid });
export const memAlloc = (what: string, allocationLength?: number, guid = ZERO_GUID): PeiHob => ({ kind: 'MEMALLOC', length: 0x30, what, guid, ...(allocationLength === undefined ? {} : { allocationLength }) });
export const resource = (type: number, start: number | bigint, length: number | bigint, what: string): PeiHob => ({ kind: 'RESDESC', length: 0x30, what, resource: { type, start: BigInt(start), length: BigInt(length) } });

/** The inputs: PEIFV, the pointer width's architecture, the VM, the release, PEI's page allocations, the SMM IDT limit. */
export interface PeiHobListInput {
  readonly peiFv: MemoryFv;
  readonly arch: 'X64' | 'IA32';
  readonly machine: MachineDescription;
  readonly release: number | undefined;
  /** smm-pei-pages.ts's allocations, in order, the SMM init stack's page last. */
  readonly pages: readonly PeiPageAllocation[];
  /** gcSmmInitIdtr.Limit (smm-relocation-sites.ts). */
  readonly idtLimit: number;
}

/** PeiCore's pools before memory. */
export function peiCoreHobs(f: PeiHobImageFacts, w: number): PeiHob[] {
  const out = [
    pool(8 * w, 'PeiCore DispatchNotifyList (8 pointers)'),
    pool(64 * w, 'PeiCore PpiList (64 pointers)'),
    pool(8 * (6 * w + 8), 'PeiCore Fv table (8 PEI_CORE_FV_HANDLE)'),
    pool(32 * w, 'PeiCore CallbackNotifyList (32 pointers)'),
  ];
  if (f.delayedDispatch) out.push(guidHob('4B733449-8EFF-488C-921A-154ADA251807', 8 + 15 * (36 + w), 'PeiCore delayed-dispatch table'));
  for (let n = 32; n - 32 < f.dispatchFileCount; n += 32) {
    out.push(pool(n * w, `PeiCore TempFileHandles (${n})`), pool(n * 16, `PeiCore TempFileGuid (${n})`));
  }
  out.push(pool(f.dispatchFileCount, `PeiCore PeimState (${f.dispatchFileCount} files)`), pool(f.dispatchFileCount * w, 'PeiCore FvFileHandles'));
  return out;
}

/** PlatformPei's HOBs (normal boot, Q35 SMM build, QEMU 7.2's E820). */
export function platformPeiHobs(m: MachineDescription, w: number): PeiHob[] {
  const x64 = w === 8;
  const ram = ramLayout(m);
  const tseg = ram.belowFourG - QEMU_EXTENDED_TSEG_MBYTES * MiB;
  const out: PeiHob[] = [
    guidHob('DEC9B486-1F16-47C7-8F68-DF1A41888BA5', 153, 'PlatformPei EFI_HOB_PLATFORM_INFO'),
    // QemuInitializeRamBelow1gb: QEMU's Q35 (pc-q35-4.1 on) has SMRAM at the default SMBASE.
    resource(RES.ram, 0, SMM_DEFAULT_SMBASE, 'RAM below the default SMBASE'),
    resource(RES.reserved, SMM_DEFAULT_SMBASE, MCH_DEFAULT_SMBASE_SIZE, 'SMRAM at the default SMBASE'),
    resource(RES.ram, SMM_DEFAULT_SMBASE + MCH_DEFAULT_SMBASE_SIZE, 0xa0000 - SMM_DEFAULT_SMBASE - MCH_DEFAULT_SMBASE_SIZE, 'RAM to 640 KiB'),
    resource(RES.ram, MiB, tseg - MiB, 'RAM from 1 MiB to TSEG'),
    resource(RES.reserved, tseg, QEMU_EXTENDED_TSEG_MBYTES * MiB, 'TSEG'),
    guidHob(ZERO_GUID, 8 + 2 * 32, 'CreateSmmSmramMemoryHob SMRAM block (2 descriptors; SmmRelocationLib zeroes its GUID)'),
    guidHob('AF9FFD67-EC10-488A-9DFC-6CBF5EE22C2E', 32, 'gEfiAcpiVariableGuid (one SMRAM descriptor)'),
  ];
  // PlatformScanE820, in QEMU's E820 order: the AMD HyperTransport hole (AMD vCPU with 40+ physical
  // address bits, machine types 7.1 on), then RAM above 4 GiB.
  if (m.cpu.vendor === 'AuthenticAMD' && m.cpu.physBits >= 40) out.push(resource(RES.reserved, 0xfd00000000n, 0x300000000n, 'E820 reserved: AMD HyperTransport'));
  if (ram.aboveFourG > 0n) out.push(resource(RES.ram, 1n << 32n, ram.aboveFourG, 'E820 RAM above 4 GiB'));
  if (m.s3) {
    out.push(memAlloc('S3 reserved memory (ACPI NVS)'), memAlloc('SEC/PEI temporary RAM'), memAlloc('guided extract handler table'));
    if (x64) out.push(memAlloc('SEC page tables'));
  }
  out.push(memAlloc('TSEG'), memAlloc('SMRAM at the default SMBASE'));
  if (x64) out.push(memAlloc('OVMF work area'));
  out.push(memAlloc('PEIFV'), { kind: 'FV', length: 0x18, what: 'DXEFV' }, memAlloc('DXEFV'));
  if (m.s3) out.push(memAlloc('decompression scratch (S3 with SMM)'));
  out.push(pool(16 + 4 * w, 'PeiServicesInstallFvInfoPpi EFI_PEI_FIRMWARE_VOLUME_INFO_PPI'), pool(x64 ? 24 : 12, 'PeiServicesInstallFvInfoPpi EFI_PEI_PPI_DESCRIPTOR'));
  out.push(
    resource(RES.mmio, 0xa0000, 0x60000, 'MMIO 640 KiB..1 MiB'),
    { kind: 'RESDESC', length: 0x30, what: 'MMIO 32-bit PCI aperture (Uc32Base to PCIEXBAR)' },
    resource(RES.mmio, 0xfec00000, 0x1000, 'IOAPIC'),
    resource(RES.mmio, 0xfed00000, 0x400, 'HPET'),
    resource(RES.mmio, 0xfed1c000, 0x4000, 'ICH9 root complex'),
    { kind: 'RESDESC', length: 0x30, what: 'PCIEXBAR (reserved)' },
    memAlloc('PCIEXBAR'),
    resource(RES.mmio, 0xfee00000, 0x100000, 'local APIC'),
    resource(RES.io, 0x6000, 0xa000, 'PCI I/O'),
    { kind: 'CPU', length: 0x10, what: 'BuildCpuHob' }
  );
  return out;
}

/** HOBs built right after a page allocation of `pages` (its PEIM's entry, MpInitLib). */
export function hobsAfter(what: string, w: number, cpus: number): PeiHob[] {
  const x64 = w === 8;
  switch (what) {
    case 'DxeIpl':
      return [guidHob('86D70125-BAA3-4296-A62F-602BEBBB9081', 8 + 3 * w + 16 * (16 + 2 * w), 'DxeIpl ExtractGuidedSectionLib handler table')];
    case 'PeiVariable':
      return [
        guidHob('8CFDB8C8-D6B2-40F3-8E97-02307CC98B7C', x64 ? 272 : 256, 'PeiVariable VARIABLE_INDEX_TABLE'),
        guidHob('4C19049F-4137-4DD3-9C10-8B97A83FFDFA', 48, 'PlatformPei memory type information'),
      ];
    case 'CpuMpPei':
      return [
        pool(32 * (x64 ? 96 : 52), 'CpuExceptionHandlerLib RESERVED_VECTORS_DATA × 32'),
        pool(4 * w, 'CpuExceptionHandlerLib EXCEPTION_HANDLER_DATA'),
        pool(32 * w, 'CpuExceptionHandlerLib external interrupt handlers × 32'),
        pool(Math.ceil(18 / w) * w + w, 'CpuExceptionHandlerLib EXCEPTION0_STUB_HEADER'),
      ];
    case 'MpInitLib reset vector above 1 MiB':
      return [
        pool(24 + 8 * cpus, 'MpInitLib microcode patch HOB data'),
        guidHob('D178F11D-8716-418E-A131-967D2AC42843', 24 + 8 * cpus, 'gEdkiiMicrocodePatchHobGuid'),
        guidHob('11E2BD88-ED38-4ABD-A399-21F25FD07A60', 8 + 24 * cpus, 'MpInitLib MP_HAND_OFF'),
        guidHob('DABBD793-7B46-4144-8AD4-101C7C08EBFA', 8, 'MpInitLib MP_HAND_OFF_CONFIG'),
        guidHob('58EB6A19-3699-4C68-A836-DACD8EDCAD4A', 8, 'MpInitLib CPU_MP_DATA address'),
      ];
    default:
      return [];
  }
}

/** MpInitLib's AP code page above 1 MiB, as smm-pei-pages.ts names it (its 202405..202505 path, the later releases' mpTail). */
const AP_CODE_PAGES: readonly string[] = ['MpInitLib reset vector above 1 MiB', 'MpInitLib AP code above 1 MiB'];
/** smm-pei-pages.ts's page table that makes MpInitLib's AP code read-only (edk2-stable202508 on). */
const RO_AP_CODE_TABLE = "MpInitLib's read-only AP code: a page table splitting SEC's 2 MiB page";
const SMM_INIT_STACK = 'SmmRelocationLib SMM init stack';

/**
 * The HOBs of PEI's page allocations after PeiCore's stack HOB (smm-pei-pages.ts's, PeiCore's
 * memory bins aside) up to SmmRelocationLib's stack page: each memory-allocation HOB followed by
 * what its PEIM builds right after it (hobsAfter), CpuMpPei's PeiCpuExceptionHandlerLib pools
 * `cpuMpPools`, MpInitLib's microcode and hand-off HOBs after the page table that makes its AP code
 * read-only (ApplyRoProtection, edk2-stable202508 on) or, without one, after the AP code page
 * (202405..202505); then CpuMpPei's BIST record and SmmRelocationLib's SMRAM split before its stack
 * page. A string says why the pages do not fit.
 */
export function pageAllocationHobs(pages: readonly PeiPageAllocation[], w: number, cpus: number, cpuMpPools: readonly PeiHob[]): PeiHob[] | string {
  const last = pages[pages.length - 1];
  const apCode = pages.filter((p) => AP_CODE_PAGES.includes(p.what));
  const microcodeAfter = pages.some((p) => p.what === RO_AP_CODE_TABLE) ? RO_AP_CODE_TABLE : apCode[0]?.what;
  if (last?.what !== SMM_INIT_STACK || apCode.length !== 1 || microcodeAfter === undefined) {
    return `PEI page allocations without one MpInitLib AP code page before the SMM init stack (${pages.map((p) => p.what).join(', ')})`;
  }
  const out: PeiHob[] = [];
  for (const p of pages.slice(0, -1)) {
    out.push(memAlloc(p.what, p.pages * 0x1000));
    if (p.what === 'CpuMpPei') out.push(...cpuMpPools);
    else if (p.what === microcodeAfter) out.push(...hobsAfter('MpInitLib reset vector above 1 MiB', w, cpus));
    else if (!AP_CODE_PAGES.includes(p.what)) out.push(...hobsAfter(p.what, w, cpus));
  }
  out.push(
    pool(12 + 8 * cpus, 'CpuMpPei BIST record'),
    guidHob('9E9F374B-8F16-4230-9824-5846EE766A97', 12 + 8 * cpus, 'CpuMpPei gEfiSecPlatformInformation2PpiGuid (BIST)'),
    guidHob('6DADF1D1-D4CC-4910-BB6E-82B1FD80FF3D', 8 + 3 * 32, 'SmmRelocationLib SMRAM block split (3 descriptors)'),
    memAlloc(last.what, last.pages * 0x1000)
  );
  return out;
}

/** PEI's HOBs up to and including SmmRelocationInit's IDT pool. */
export function peiHobList(input: PeiHobListInput): PeiHobList {
  const { arch, machine: m, release, pages } = input;
  if (release === undefined || release < PEI_HOB_RELEASES.from || release > PEI_HOB_RELEASES.to) {
    return { unmodelled: `PEI's HOB list of ${release === undefined ? 'an unknown release' : `edk2-stable${release}`} (modelled for edk2-stable${PEI_HOB_RELEASES.from} to ${PEI_HOB_RELEASES.to})` };
  }
  if (m.machine !== 'q35') return { unmodelled: `PEI's HOB list on machine ${m.machine} (modelled for q35)` };
  const f = peiHobImageFacts(input.peiFv.volume);
  if (typeof f.pcdDatabase === 'string') return { unmodelled: `PcdPeim's database HOB (${f.pcdDatabase})` };
  if (!f.reportStatusCodeRouter) return { unmodelled: 'PEI status code without ReportStatusCodeRouterPei' };
  // Their HOBs in PeiCore's dispatch order, OvmfPkg's: PcdPeim (apriori), ReportStatusCodeRouterPei, StatusCodeHandlerPei.
  const order = [PCD_PEIM_FILE_GUID, REPORT_STATUS_CODE_ROUTER_PEI_FILE_GUID, STATUS_CODE_HANDLER_PEI_FILE_GUID].map((g) => f.dispatchOrder.indexOf(g));
  if (order.some((i, k) => i < 0 || (k > 0 && i < (order[k - 1] ?? 0)))) return { unmodelled: 'the pre-memory PEIMs\' dispatch order (not PcdPeim, ReportStatusCodeRouterPei, StatusCodeHandlerPei)' };
  const w = arch === 'X64' ? 8 : 4;
  const hobs: PeiHob[] = [{ kind: 'PHIT', length: 0x38, what: 'PHIT' }, ...peiCoreHobs(f, w)];
  hobs.push(
    guidHob('EA296D92-0B69-423C-8C28-33B4E0A91268', f.pcdDatabase.length + f.pcdDatabase.uninitDataBaseSize, 'PcdPeim PEI PCD database'),
    guidHob('9B3ADA4F-AE56-4C24-8DEA-F03B7558AE50', f.pcdDatabase.localTokenCount * w * 8, 'PcdPeim callback table'),
    guidHob('E701458C-4900-4CA5-B772-3D37949F7927', 65 * w, 'ReportStatusCodeRouterPei callback table')
  );
  if (f.memoryStatusCode) hobs.push(guidHob('060CC026-4C0D-4DDA-8F41-595FEF00A502', 1024 + 8, 'StatusCodeHandlerPei memory status codes'));
  hobs.push(...platformPeiHobs(m, w), memAlloc('PeiCore stack', undefined, STACK_HOB_GUID));
  const rest = pageAllocationHobs(pages, w, m.cpus, hobsAfter('CpuMpPei', w, m.cpus));
  if (typeof rest === 'string') return { unmodelled: rest };
  hobs.push(...rest);
  const before = hobs.reduce((s, h) => s + h.length, 0);
  hobs.push(pool(input.idtLimit + 1 + w, 'SmmRelocationLib SMM IDT'));
  return { hobs, idtPoolAboveBase: PHIT_ABOVE_BASE + before + 8 };
}
