/**
 * The layers above the Shell's buffer that DXE drivers' code allocates in sizes fixed by their
 * code or PCDs, and the memory-type bins (docs/dxe-allocations.md §2 C and D4–D9, §7): each one
 * counted when the driver that allocates it is in DXEFV and starts on the VM, with the size read
 * in guest RAM of real boots (Debian 12 2022.11 and Debian 13 2025.02, the numbers below).
 *
 * - C, the memory-type bins: `CoreInitializeMemoryServices` (`MdeModulePkg/Core/Dxe/Gcd/Gcd.c`,
 *   `Mem/Page.c`) reserves PlatformPei's `mMemoryTypeInformation` (`OvmfPkg/PlatformPei/MemTypeInfo.c`,
 *   read from PlatformPei's image in PEIFV: ACPI NVS 0x80, ACPI Reclaim 0x12 (0x10 in 2020.11),
 *   Reserved 0x80, RT Code 0x100, RT Data 0x100 pages). The pristine defaults: the SMM builds'
 *   refresh from the `MemoryTypeInformation` variable is part of the used-store shift.
 * - D4, EbcDxe's four interpreter stacks (`MdeModulePkg/Universal/EbcDxe/EbcInt.c`,
 *   `InitializeStack`: STACK_POOL_SIZE 0xFF000 bytes each, a pool of 256 pages apiece).
 * - D5, CpuDxe's page-table pool (`UefiCpuPkg/CpuDxe/CpuPageTable.c`, `InitializePageTablePool`:
 *   PAGE_TABLE_POOL_UNIT_PAGES, 512 pages, 2 MiB aligned).
 * - D6, VariableRuntimeDxe's runtime pools that do not fit the RT Data bin (non-SMM builds; the
 *   SMM builds' variables live in SMRAM): the volatile store and its scratch buffer
 *   (`MdeModulePkg/Universal/Variable/RuntimeDxe/Variable.c`, VariableCommonInitialize:
 *   AllocateRuntimePool (PcdVariableStoreSize + the largest of PcdMaxVariableSize,
 *   PcdMaxAuthVariableSize and PcdMaxVolatileVariableSize)), 0xC0000 bytes in every non-SMM build
 *   measured: OvmfPkg's DSCs set PcdVariableStoreSize 0x80000 and PcdMaxVolatileVariableSize
 *   0x40000 with NETWORK_TLS_ENABLE (TlsDxe in DXEFV; later DSCs such as OvmfPkg/RiscVVirt's also with
 *   SECURE_BOOT_ENABLE, SecureBootConfigDxe in DXEFV): 0x80000 + 0x40000. With neither module the
 *   store is the flash varstore's size (0xE000 + 0x2800 on the 2 MiB layout, 0x40000 + 0x8400 on
 *   the 4 MiB one), taken to fit the bin (not measured: levi73159/LazyOS's OVMF.fd, 2 MiB with
 *   neither, is 18–20 pages off so, 193 more with the pool). The SECURE_BOOT_ENABLE half is kept
 *   because the unRAID 2020 DEBUG build (Secure Boot, no TLS) would move 193 pages further off
 *   without it. Fedora 38's OVMF_CODE.fd (TLS, no Secure Boot) allocates the store too (its code
 *   adds 0x80000 to a 0x40000 scratch size) but is 211 pages off with it and 18 without: with no
 *   AuthVariableLib its other RT data likely leaves the store room in the bin (docs/dxe-allocations.md
 *   §7; which pools overflow the bin is not modelled); and
 *   the NV store's cache (`AllocateRuntimeCopyPool (PcdFlashNvStorageVariableSize)`) of a 4 MiB
 *   flash layout (0x40000 bytes; a 2 MiB or 1 MiB layout's 0xE000 fits the bin). In 2025.02 the
 *   0x40000 cache was seen inside the bin, with as much more other RT data outside it (§3).
 * - D7, AtaAtapiPassThruDxe's AHCI command tables for q35's built-in ICH9 SATA controller
 *   (`MdeModulePkg/Bus/Ata/AtaAtapiPassThru/AhciMode.c`): 257 pages, q35 only.
 * - D9, Tcg2Dxe's event log areas: 2 × PcdTcgLogAreaMinLen (0x10000, the MdeModulePkg.dec default
 *   OvmfPkg keeps), TCG 1.2 and TCG 2.0 formats.
 */
import { EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { MemoryFv } from '../sec.ts';
import { locateMemoryTypeInformation, MEMORY_TYPE_INFO_ARRAY_SIZE } from '../platform-pei/mem-type-info.ts';

const EBC_DXE = '13AC6DD0-73D0-11D4-B06B-00AA00BD6DE7';
/** CpuDxe, and 2025.02's SEV-ES variant (its DEPEX decides which one starts). */
const CPU_DXE: ReadonlySet<string> = new Set(['1A1E4886-9517-440E-9FDE-3BE44CEE2136', '6490F1C5-EBCC-4665-8892-0075B9BB49B7']);
const VARIABLE_RUNTIME_DXE = 'CBD2E4D5-7068-4FF5-B462-9822B4AD8D60';
const ATA_ATAPI_PASS_THRU_DXE = '5E523CB4-D397-4986-87BD-A6DD8B22F455';
const TCG2_DXE = 'FDFF263D-5F68-4591-87BA-B768F445A9AF';
/**
 * TlsDxe (in DXEFV exactly when NETWORK_TLS_ENABLE) and SecureBootConfigDxe (SECURE_BOOT_ENABLE):
 * the builds whose volatile variable PCDs give D6's 0xC0000-byte pool.
 */
export const LARGE_VOLATILE_STORE_MODULES: ReadonlySet<string> = new Set(['3ACEB0C0-3C72-11E4-9A56-74D435052646', 'F0E6A44F-7195-41C3-AC64-54F202CD0A21']);
const PLATFORM_PEI = '222C386D-5ABC-4FB4-B124-FBB82488ACF4';

/** Four pools of 0xFF000 bytes (+ POOL_HEAD/TAIL): 256 pages each. */
export const EBC_STACK_PAGES = 4 * 256;
/** One PAGE_TABLE_POOL_UNIT (2 MiB). */
export const CPU_TABLE_POOL_PAGES = 512;
/** The 0xC0000-byte runtime pool (+ overhead): 193 pages. */
const VARIABLE_POOL_PAGES = 193;
/** The 4 MiB layout's 0x40000-byte NV store cache (+ overhead): 65 pages. */
const VARIABLE_NV_CACHE_PAGES = 65;
/** Flash images (code alone, or code and VARS) above this are the 4 MiB layout (OVMF_CODE_4M.fd is 0x37C000). */
const TWO_MIB_LAYOUT_MAX = 0x200000;
/** The AHCI command lists, FISes and tables of q35's ICH9 controller. */
export const AHCI_TABLE_PAGES = 257;
/** 2 × PcdTcgLogAreaMinLen (0x10000). */
export const TCG_LOG_PAGES = 32;

/** The VM facts these layers depend on. */
export interface DxeDriverVm {
  readonly machine: 'q35' | 'pc';
  /** Bytes of the flash image the code came from (code alone or code and VARS). */
  readonly flashBytes: number;
  /** The volatile variable store is the 0xC0000 bytes of a TLS or Secure Boot build (LARGE_VOLATILE_STORE_MODULES): D6's 193 pages. */
  readonly largeVolatileStore?: boolean;
}

/** The layers, in pages. */
export interface DxeDriverAllocations {
  readonly memoryTypeBinPages: number;
  readonly ebcStackPages: number;
  readonly cpuTablePoolPages: number;
  readonly variablePoolPages: number;
  readonly ahciTablePages: number;
  readonly tcgLogPages: number;
}

/** Their sum. */
export function driverAllocationPages(d: DxeDriverAllocations): number {
  return d.memoryTypeBinPages + d.ebcStackPages + d.cpuTablePoolPages + d.variablePoolPages + d.ahciTablePages + d.tcgLogPages;
}

/** The pages of PlatformPei's mMemoryTypeInformation defaults (0 when the array is not found). */
export function memoryTypeBinPages(peiFv: MemoryFv): number {
  const cached = binPagesCache.get(peiFv);
  if (cached !== undefined) return cached;
  const pages = memoryTypeBinPagesOf(peiFv);
  binPagesCache.set(peiFv, pages);
  return pages;
}

const binPagesCache = new WeakMap<MemoryFv, number>();

function memoryTypeBinPagesOf(peiFv: MemoryFv): number {
  const f = findFileByGuid(peiFv.volume, PLATFORM_PEI);
  const body = f?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
  if (body === undefined) return 0;
  const at = locateMemoryTypeInformation(body);
  if (at === undefined) return 0;
  const view = new DataView(body.buffer, body.byteOffset + at, MEMORY_TYPE_INFO_ARRAY_SIZE);
  let pages = 0;
  for (let i = 0; i + 8 < MEMORY_TYPE_INFO_ARRAY_SIZE; i += 8) pages += view.getUint32(i + 4, true);
  return pages;
}

/**
 * The driver-allocated layers for the DXE drivers that start (`started`: FILE_GUIDs, upper case,
 * the dispatch model's verdict) and PEIFV's bins.
 */
export function dxeDriverAllocations(started: ReadonlySet<string>, peiFv: MemoryFv, vm: DxeDriverVm): DxeDriverAllocations {
  const cpu = [...CPU_DXE].some((g) => started.has(g));
  const variable = started.has(VARIABLE_RUNTIME_DXE);
  return {
    memoryTypeBinPages: memoryTypeBinPages(peiFv),
    ebcStackPages: started.has(EBC_DXE) ? EBC_STACK_PAGES : 0,
    cpuTablePoolPages: cpu ? CPU_TABLE_POOL_PAGES : 0,
    variablePoolPages: variable ? (vm.largeVolatileStore === false ? 0 : VARIABLE_POOL_PAGES) + (vm.flashBytes > TWO_MIB_LAYOUT_MAX ? VARIABLE_NV_CACHE_PAGES : 0) : 0,
    ahciTablePages: vm.machine === 'q35' && started.has(ATA_ATAPI_PASS_THRU_DXE) ? AHCI_TABLE_PAGES : 0,
    tcgLogPages: started.has(TCG2_DXE) ? TCG_LOG_PAGES : 0,
  };
}
