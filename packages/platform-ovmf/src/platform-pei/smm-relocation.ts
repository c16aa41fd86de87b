/**
 * Whether an SMM build's PlatformPei relocates SMBASE itself, writing into its `.data` in PEIFV
 * before Tcg2Pei measures it. From edk2-stable202405 OvmfPkg's PlatformPei links
 * SmmRelocationLib (UefiCpuPkg/Library/SmmRelocationLib: SMBASE relocation moved from PiSmmCpuDxeSmm
 * into PEI); with PcdSmmSmramRequire it runs in PEI and fills globals (GDT/IDT descriptors, the
 * relocated SMBASEs, RAM pointers) that sit in PEIFV: seen in guest RAM of Ubuntu's 2024.05 and
 * Debian 13's secboot builds, and absent from Ubuntu's 2024.02 and Fedora 38's (exact).
 *
 * Found by its SMI entry template (SmmInit.nasm): the return-stack-buffer stuffing loop
 * (`pause; lfence; jmp $-5`: F3 90 0F AE E8 EB F9) shortly before `rsm` (0F AA). Non-SMM builds
 * link the library too but never run it.
 */
import { EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { MachineDescription } from '../machine.ts';
import type { MemoryFv } from '../sec.ts';
import type { XipImage } from './locate.ts';
import { PLATFORM_PEI_FILE_GUID } from './peifv.ts';
import { edk2ReleaseOf } from './release.ts';
import { readFirmwareVersionString } from './firmware-version.ts';
import { locateMemoryTypeInformation, MEMORY_TYPE_INFO_ARRAY_SIZE } from './mem-type-info.ts';
import { peiHobList } from './pei-hob-list.ts';
import type { PeiHobListInput } from './pei-hob-list.ts';
import { peiHobList202608 } from './pei-hob-list-202608.ts';
import { hasFwCfgCacheList } from './pei-hob-facts-202608.ts';
import type { QemuFwCfgFile } from './qemu-fw-cfg-files.ts';
import { peiHobList202511Ia32 } from './pei-hob-list-202511-ia32.ts';
import { smmPeiPages } from './smm-pei-pages.ts';
import { locateSmmRelocationSites } from './smm-relocation-sites.ts';
import { applySmmRelocationWrites, peiMemoryBounds, smmRelocationWrites } from './smm-relocation-values.ts';
import type { SmmRelocationAllocations, SmmRelocationWrite } from './smm-relocation-values.ts';
import { I386, X64 } from './x86-mem-refs.ts';

const STUFF_RSB_LOOP = Buffer.from([0xf3, 0x90, 0x0f, 0xae, 0xe8, 0xeb, 0xf9]);
const RSM = Buffer.from([0x0f, 0xaa]);

/** True when PlatformPei holds SmmRelocationLib's SMI entry code. */
export function hasPeiSmmRelocation(peiFv: MemoryFv): boolean {
  const img = findFileByGuid(peiFv.volume, PLATFORM_PEI_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
  if (img === undefined) return false;
  const b = Buffer.from(img.buffer, img.byteOffset, img.byteLength);
  for (let i = b.indexOf(STUFF_RSB_LOOP); i >= 0; i = b.indexOf(STUFF_RSB_LOOP, i + 1)) {
    const rsm = b.indexOf(RSM, i + STUFF_RSB_LOOP.length);
    if (rsm >= 0 && rsm - i < 48) return true;
  }
  return false;
}

/** What modelling SmmRelocationLib's writes did (undefined from {@link applyPeiSmmRelocation}: no SmmRelocationLib). */
export interface PeiSmmRelocationApplied {
  readonly notes: readonly string[];
  /** Every write found, with its value (undefined where not modelled); absent when the sites were not all found. */
  readonly writes?: readonly SmmRelocationWrite[];
  readonly unmodelled?: string;
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

/** The pages of PlatformPei's mMemoryTypeInformation as it is in `bytes` (raised from the variable already), undefined when not found. */
function memoryTypeInfoPages(bytes: Uint8Array, peOffsetInFv: number, data: { start: number; end: number }): number | undefined {
  const region = bytes.subarray(peOffsetInFv + data.start, peOffsetInFv + data.end);
  const at = locateMemoryTypeInformation(region);
  if (at === undefined) return undefined;
  const view = new DataView(region.buffer, region.byteOffset + at, MEMORY_TYPE_INFO_ARRAY_SIZE);
  let pages = 0;
  for (let i = 0; i + 8 < MEMORY_TYPE_INFO_ARRAY_SIZE; i += 8) pages += view.getUint32(i + 4, true);
  return pages;
}

/**
 * Writes SmmRelocationLib's patches and globals into `bytes` (PEIFV) for `machine`, when
 * PlatformPei (its XIP image at `peOffsetInFv`) holds the library; undefined when it does not.
 */
export function applyPeiSmmRelocation(
  bytes: Uint8Array, peOffsetInFv: number, peiFv: MemoryFv, img: XipImage, data: { start: number; end: number },
  machine: MachineDescription, longModeDxe: boolean, apStackSize: number, allocations?: SmmRelocationAllocations,
  fwCfgFiles?: readonly QemuFwCfgFile[]
): PeiSmmRelocationApplied | undefined {
  if (!hasPeiSmmRelocation(peiFv)) return undefined;
  if (img.machine !== X64 && img.machine !== I386) return undefined;
  const arch = img.machine === X64 ? 'X64' : 'IA32';
  const sites = locateSmmRelocationSites(img.image, data, arch, img.imageBase);
  if ('missing' in sites) {
    return { notes: [`SmmRelocationLib sites not all found: ${sites.missing.join(', ')}`], unmodelled: `SmmRelocationLib's writes into PEIFV (SMBASE relocation in PEI; not found: ${sites.missing.join(', ')}; PCR0)` };
  }
  // The release from Tcg2Pei's PcdFirmwareVersionString literal (PEIFV alone: DXEFV only corroborates).
  // Without DXEFV to corroborate, the literal's start may take in one stray UTF-16 character before it
  // (Ubuntu 2025.11's Tcg2Pei: L"@2025.11-3ubuntu7"): the release is the YYYY.MM after at most one such.
  const version = readFirmwareVersionString(peiFv.volume, peiFv.volume);
  const release = edk2ReleaseOf({ ...version, value: version.value.replace(/^[^0-9](?=20\d\d\.)/, '') }).release;
  const pages = smmPeiPages(peiFv, arch, machine, release, peiMemoryBounds(machine, longModeDxe).top, apStackSize, memoryTypeInfoPages(bytes, peOffsetInFv, data));
  const notes: string[] = [];
  let pagesBelowTop = allocations?.pagesBelowTop;
  if (pagesBelowTop === undefined && 'pagesBelowTop' in pages) {
    pagesBelowTop = pages.pagesBelowTop;
    notes.push(`PEI pages before the SMM init stack (smm-pei-pages.ts): ${pages.allocations.map((a) => `${a.what} ${a.pages}`).join(', ')} = ${hex(pages.pagesBelowTop)} below the top of PEI memory`);
  } else if ('unmodelled' in pages) notes.push(`PEI pages before the SMM init stack not modelled: ${pages.unmodelled}`);
  let idtPoolAboveBase = allocations?.idtPoolAboveBase;
  if (idtPoolAboveBase === undefined) {
    // The list with QemuFwCfgLib's cache HOBs when PlatformPei holds the cache list (edk2-stable202505 on,
    // data read alike in X64 and IA32 images): pei-hob-list-202608.ts for X64, pei-hob-list-202511-ia32.ts for IA32.
    const fwCfgCacheList = hasFwCfgCacheList(peiFv.volume);
    const hobInput: PeiHobListInput | undefined = 'allocations' in pages ? { peiFv, arch, machine, release, pages: pages.allocations, idtLimit: sites.idtLimit } : undefined;
    const hobs = hobInput === undefined
      ? { unmodelled: 'PEI\'s page allocations' }
      : fwCfgCacheList && arch === 'IA32' ? peiHobList202511Ia32({ ...hobInput, peiMemoryTop: peiMemoryBounds(machine, longModeDxe).top, ...(fwCfgFiles === undefined ? {} : { fwCfgFiles }) })
      : fwCfgCacheList ? peiHobList202608({ ...hobInput, peiMemoryTop: peiMemoryBounds(machine, longModeDxe).top, ...(fwCfgFiles === undefined ? {} : { fwCfgFiles }) }) : peiHobList(hobInput);
    if ('hobs' in hobs) {
      idtPoolAboveBase = hobs.idtPoolAboveBase;
      notes.push(`PEI HOB list before the SMM IDT pool (${fwCfgCacheList ? (arch === 'IA32' ? 'pei-hob-list-202511-ia32.ts' : 'pei-hob-list-202608.ts') : 'pei-hob-list.ts'}): ${hobs.hobs.length - 1} HOBs, the IDT pool's data at ${hex(hobs.idtPoolAboveBase)} above PEI memory's bottom`);
    } else notes.push(`PEI HOB list before the SMM IDT pool not modelled: ${hobs.unmodelled}`);
  }
  const writes = smmRelocationWrites(sites, arch, peOffsetInFv, peiFv.base, machine, longModeDxe, { pagesBelowTop, idtPoolAboveBase });
  const left = applySmmRelocationWrites(bytes, writes);
  const where = writes.map((w) => `${w.name} PEIFV+${hex(w.offsetInFv)}=${w.value === undefined ? '?' : hex(w.value)}`).join(', ');
  notes.unshift(`SmmRelocationLib (SMBASE relocation in PEI, smm-relocation-sites.ts): ${where}`);
  if (left.length === 0) return { notes, writes };
  return {
    notes: [...notes, `not modelled: ${left.join(', ')} (${left.includes('gPatchSmmInitStack') ? 'PEI\'s page allocations' : 'the HOBs PEI builds'} before SmmRelocationInit)`],
    writes,
    unmodelled: `SmmRelocationLib's ${left.join(' and ')} in PEIFV (${left.length === 1 ? 'the address of a PEI allocation' : 'addresses of PEI allocations'}: SMBASE relocation in PEI; PCR0)`,
  };
}
