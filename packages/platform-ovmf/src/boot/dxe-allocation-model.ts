/**
 * The share of DXE's top-down allocations above BDS's boot-file buffer that the image decides,
 * computed from DXEFV (docs/dxe-allocations.md §2, layers D1–D3 and E):
 *
 * - D1/D2, the section-stream copies: the DXE core keeps a pool copy of every driver file the
 *   dispatcher opens (started or not), of the SMM drivers PiSmmIpl hands over and of the
 *   applications BDS opens (UiApp, the Shell). Real boots show each copy's POOL_HEAD.Size as
 *   `ALIGN8(FFS file size + 8) + POOL_OVERHEAD`; a pool of more than 2688 bytes (the last pool
 *   list below 4 KiB, `mPoolSizeTable` in `MdeModulePkg/Core/Dxe/Mem/Pool.c`) is its own pages.
 * - D3, the boot-services drivers' images: `EFI_SIZE_TO_PAGES(SizeOfImage)` of every DXE driver
 *   (subsystem EFI_BOOT_SERVICE_DRIVER) that starts; runtime drivers go into the RT Code bin
 *   above (layer C), not here. A driver does not start when its DEPEX waits for a protocol
 *   nothing on the VM installs, or when its entry point fails on a QEMU VM without the feature
 *   it drives (the image is then unloaded): {@link NOT_STARTED}.
 * - E, the buffer itself: `EFI_SIZE_TO_PAGES(file + POOL_OVERHEAD)`.
 * - B6, DxeIpl's identity map (X64 DXE only): `CreateIdentityMappingPageTables`
 *   (`MdeModulePkg/Core/DxeIplPeim/X64/VirtualMemory.c`) takes PML4, PDPT and page-directory
 *   pages for the physical address width PlatformPei put in the CPU HOB, all at once, from a
 *   page-table pool of whole 2 MiB units (512 pages, the first page the pool's header): 1536
 *   pages for 40 bits with 2 MiB pages (2022.11 and later on QEMU's default CPU), 512 for 36
 *   bits (the width older PlatformPeis compute for a small VM). Seen in guest RAM: 0x600000 of
 *   BSData at 0x1F800000 (Debian 12), 0x200000 at 0x1FC00000 with a 36-bit CPU HOB (Debian 11).
 * - A and B1–B5, the 2 MiB unit above that pool (X64 DXE only): the pool is 2 MiB aligned, so
 *   PlatformPei's S3 reserve, the NV store copy, DxeCore and the PEI-time pages, the DXE stack and
 *   the alignment slack below them fill the top 2 MiB of low RAM (less TSEG), 512 pages, as long
 *   as PEI's allocations fit in it (385 pages in Debian 12's 1-CPU boots). Seen in guest RAM: the
 *   pool ends at 0x1FE00000 below a 0x20000000 top in Debian 11, 12 and 13 boots (512 MiB).
 *
 * - C and D4–D9, the memory-type bins and the drivers' fixed-size allocations (EBC stacks, CpuDxe's
 *   table pool, the variable runtime pools, q35's AHCI tables, the TCG logs): dxe-driver-allocations.ts.
 *
 * Every input is read from the image (FFS sizes, PE headers, DEPEX), keyed by a module's FILE_GUID
 * where a module's behaviour is the fact, never by an image hash. What remains of the distance
 * (PEI's allocations, the drivers' small allocations) is image-buffer.ts's remainder.
 */
import { efiImageInfo, EFI_SECTION, walkFv } from '@tcg2sim/uefi';
import type { FfsFile, FvSection } from '@tcg2sim/uefi';
import type { MemoryFv } from '../sec.ts';
import { driverAllocationPages, dxeDriverAllocations, LARGE_VOLATILE_STORE_MODULES } from './dxe-driver-allocations.ts';
import type { DxeDriverAllocations, DxeDriverVm } from './dxe-driver-allocations.ts';

const PAGE = 0x1000;
/** The largest pool list below the 4 KiB granularity (mPoolSizeTable[6]): larger pools are pages. */
const LARGEST_POOL_LIST = 2688;
/** DxeIpl's page-table pool unit, 2 MiB. */
const PAGE_TABLE_POOL_UNIT_PAGES = 512;
/** The bytes a section-stream copy adds to the FFS file size before ALIGN_VARIABLE (measured, X64 and IA32 alike). */
const STREAM_COPY_EXTRA = 8;
const EFI_RNG_PROTOCOL = '3152BCA5-EADE-433D-862E-C01CDC291F44';
/** gEfiMpInitLibUpDepProtocolGuid: PlatformPei installs it only for SEV-ES guests (else the MP variant). */
const MP_INIT_LIB_UP_DEP = 'A9E7CEF1-5682-42CC-B123-9930973F4A9F';
const EFI_SUBSYSTEM_BOOT_SERVICE_DRIVER = 11;
const IMAGE_FILE_MACHINE_I386 = 0x014c;
/** FFS file types the DXE core opens a section stream of: DRIVER, APPLICATION, MM, COMBINED_MM_DXE, MM_CORE. */
const COPIED_FILE_TYPES: ReadonlySet<number> = new Set([0x07, 0x09, 0x0a, 0x0c, 0x0d]);
const FFS_DRIVER = 0x07;
const FFS_DXE_CORE = 0x05;

/**
 * DXE drivers whose entry point fails on a QEMU VM without the feature (by module FILE_GUID), so
 * DxeCore unloads them: seen unloaded in every real boot's LOADED_IMAGE list (Debian 12 and 13).
 */
export const NOT_STARTED: ReadonlyMap<string, string> = new Map([
  ['806040CA-DAD9-4978-A3B4-2D2AB0C8A48F', 'QemuKernelLoaderFsDxe: no -kernel (fw_cfg kernel size 0)'],
  ['DCE1B094-7DC6-45D0-9FDD-D7FC3CC3E4EF', 'QemuRamfbDxe: no ramfb device'],
  ['2EC9DA37-EE35-4DE9-86C5-6D9A81DC38A7', 'AmdSevDxe: not an SEV guest'],
  ['A5683620-7998-4BB2-A377-1C1E31E1E215', 'TcgDxe: no TPM 1.2'],
  ['F062221E-C607-44C2-B0B4-C3886331D351', 'TdTcg2Dxe: not a TDX guest'],
  ['B981A835-6EE8-4F4C-AE0B-210AA0BFBF01', "RngDxe: no RDRAND on QEMU's default CPU"],
]);

/** What the model derives from DXEFV for a boot. */
export interface DxeDerivedAllocations {
  /** Pages of the page-granular section-stream copies (D1 + D2). */
  readonly ffsCopyPages: number;
  /** Pages of the started boot-services drivers' images (D3). */
  readonly driverImagePages: number;
  /** Pages of DxeIpl's page-table pool for the identity map (B6; 0 for an IA32 DXE). */
  readonly identityMapPages: number;
  /** The top 2 MiB unit above that pool (A, B1–B5: 512 pages; 0 for an IA32 DXE). */
  readonly topUnitPages: number;
  /** The boot-services drivers that start, by FILE_GUID. */
  readonly startedDrivers: number;
  /** DXE's POOL_HEAD size (0x18 X64, 0x10 IA32): the buffer's data starts this far in. */
  readonly poolHead: number;
  /** POOL_HEAD + POOL_TAIL (0x20 X64, 0x1C IA32). */
  readonly poolOverhead: number;
  /** Driver files whose PE/TE image could not be read (not counted). */
  readonly unreadable: readonly string[];
  /** The bins and the drivers' fixed-size allocations (C, D4–D9). */
  readonly drivers: DxeDriverAllocations;
  /** What the build says of its EDK II release: picks the remainder of builds without a measured one (image-buffer.ts). */
  readonly release: BuildRelease;
}

/** The build's EDK II release as the image shows it. */
export interface BuildRelease {
  /** From PcdFirmwareVersionString (edk2-stableYYYYMM as YYYYMM), when the build has one. */
  readonly release?: number;
  /** PlatformPei takes the address width from CPUID (edk2-stable202211 and later): false for older PlatformPeis. */
  readonly cpuidAddressWidth: boolean;
}

/** The VM facts the dispatched set depends on. */
export interface DxeDispatchVm {
  /** The VM has an RNG OVMF drives (virtio-rng): EFI_RNG_PROTOCOL is installed. */
  readonly rng: boolean;
  /** The physical address width PlatformPei computes for the VM (mPlatformInfoHob.PhysMemAddressWidth). */
  readonly physBits: number;
  /** The VM's CPU has 1 GiB pages (pdpe1gb): DxeIpl then maps without page directories. */
  readonly page1g: boolean;
}

/** Pages of DxeIpl's page-table pool for a 4-level identity map of `physBits` bits (whole 2 MiB units). */
export function identityMapPoolPages(physBits: number, page1g: boolean): number {
  const pdpt = 2 ** Math.max(0, physBits - 39);
  const pd = page1g ? 0 : 2 ** Math.max(0, Math.min(physBits, 48) - 30);
  const tables = 1 + pdpt + pd;
  return Math.ceil((tables + 1) / 512) * 512;
}

const pages = (bytes: number): number => Math.ceil(bytes / PAGE);

/** The GUIDs a driver's DEPEX pushes (the top-level DXE_DEPEX section; a nested one when encapsulated). */
function depexGuids(f: FfsFile): string[] {
  const top = f.sections?.find((s) => s.type === EFI_SECTION.DXE_DEPEX);
  const ops = top?.depex ?? nestedDepex(f);
  const out: string[] = [];
  for (const op of ops ?? []) if ('guid' in op) out.push(op.guid.toUpperCase());
  return out;
}

function nestedDepex(f: FfsFile): FvSection['depex'] {
  for (const n of walkFv(f)) if (n.kind === 'section' && n.depex !== undefined) return n.depex;
  return undefined;
}

function peOf(f: FfsFile): Uint8Array | undefined {
  return f.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
}

/** Whether a DXE driver starts on this VM (DEPEX satisfiable, entry point succeeds). */
export function driverStarts(f: FfsFile, vm: DxeDispatchVm): boolean {
  if (NOT_STARTED.has(f.guid.toUpperCase())) return false;
  const deps = depexGuids(f);
  if (deps.includes(MP_INIT_LIB_UP_DEP)) return false;
  return vm.rng || !deps.includes(EFI_RNG_PROTOCOL);
}

/** Pool bytes (POOL_HEAD.Size) of a section-stream copy of an FFS file of `size` bytes. */
export function streamCopyPoolSize(size: number, overhead: number, align: number): number {
  return Math.ceil((size + STREAM_COPY_EXTRA) / align) * align + overhead;
}

/** What the DXEFV's files alone decide (for one answer to "is there an RNG"): computed once per volume. */
interface DxeFvLayers {
  readonly ffsCopyPages: number;
  readonly driverImagePages: number;
  readonly startedDrivers: number;
  readonly ia32: boolean;
  readonly unreadable: readonly string[];
  readonly started: ReadonlySet<string>;
  readonly largeVolatileStore: boolean;
}

const fvLayersCache = new WeakMap<MemoryFv, Map<boolean, DxeFvLayers>>();

function dxeFvLayers(dxeFv: MemoryFv, rng: boolean): DxeFvLayers {
  const cached = fvLayersCache.get(dxeFv)?.get(rng);
  if (cached !== undefined) return cached;
  const files = dxeFv.volume.files;
  const core = files.find((f) => f.type === FFS_DXE_CORE);
  let ia32 = false;
  const corePe = core === undefined ? undefined : peOf(core);
  if (corePe !== undefined) {
    try {
      ia32 = efiImageInfo(corePe).machine === IMAGE_FILE_MACHINE_I386;
    } catch {
      ia32 = false;
    }
  }
  const poolOverhead = ia32 ? 0x1c : 0x20;
  const align = ia32 ? 4 : 8;
  let ffsCopyPages = 0;
  let driverImagePages = 0;
  let startedDrivers = 0;
  const unreadable: string[] = [];
  const started = new Set<string>();
  for (const f of files) {
    if (!COPIED_FILE_TYPES.has(f.type)) continue;
    const copy = streamCopyPoolSize(f.size, poolOverhead, align);
    if (copy > LARGEST_POOL_LIST) ffsCopyPages += pages(copy);
    if (f.type !== FFS_DRIVER) continue;
    if (!driverStarts(f, { rng, physBits: 0, page1g: false })) continue;
    started.add(f.guid.toUpperCase());
    const pe = peOf(f);
    if (pe === undefined) continue;
    let sizeOfImage: number;
    let subsystem: number;
    try {
      // Only SizeOfImage and Subsystem: no section table decoded (efiImageInfo, the same checks as parseEfiImage).
      const img = efiImageInfo(pe);
      if (img.format === 'te') {
        unreadable.push(f.guid);
        continue;
      }
      sizeOfImage = img.sizeOfImage;
      subsystem = img.subsystem;
    } catch {
      unreadable.push(f.guid);
      continue;
    }
    if (subsystem !== EFI_SUBSYSTEM_BOOT_SERVICE_DRIVER) continue;
    driverImagePages += pages(sizeOfImage);
    startedDrivers += 1;
  }
  // The 0xC0000-byte volatile variable store: TlsDxe or SecureBootConfigDxe in DXEFV (dxe-driver-allocations.ts D6).
  const largeVolatileStore = files.some((f) => LARGE_VOLATILE_STORE_MODULES.has(f.guid.toUpperCase()));
  const layers: DxeFvLayers = { ffsCopyPages, driverImagePages, startedDrivers, ia32, unreadable, started, largeVolatileStore };
  const perRng = fvLayersCache.get(dxeFv) ?? new Map<boolean, DxeFvLayers>();
  perRng.set(rng, layers);
  fvLayersCache.set(dxeFv, perRng);
  return layers;
}

/** The image-derived layers of DXE's allocations above BDS's file buffer. */
export function dxeDerivedAllocations(dxeFv: MemoryFv, vm: DxeDispatchVm, pei: { readonly peiFv: MemoryFv; readonly vm: DxeDriverVm; readonly release?: BuildRelease }): DxeDerivedAllocations {
  const { ffsCopyPages, driverImagePages, startedDrivers, ia32, unreadable, started, largeVolatileStore } = dxeFvLayers(dxeFv, vm.rng);
  const poolHead = ia32 ? 0x10 : 0x18;
  const poolOverhead = ia32 ? 0x1c : 0x20;
  const identityMapPages = ia32 ? 0 : identityMapPoolPages(vm.physBits, vm.page1g);
  const topUnitPages = ia32 ? 0 : PAGE_TABLE_POOL_UNIT_PAGES;
  const drivers = dxeDriverAllocations(started, pei.peiFv, { ...pei.vm, largeVolatileStore });
  return { ffsCopyPages, driverImagePages, identityMapPages, topUnitPages, startedDrivers, poolHead, poolOverhead, unreadable: [...unreadable], drivers, release: pei.release ?? { cpuidAddressWidth: true } };
}

/** Pages of the derived layers for a boot file of `fileSize` bytes (A–B6 + C + D1–D9 + E). */
export function derivedPages(d: DxeDerivedAllocations, fileSize: number): number {
  return d.topUnitPages + d.identityMapPages + d.ffsCopyPages + d.driverImagePages + driverAllocationPages(d.drivers) + pages(fileSize + d.poolOverhead);
}
