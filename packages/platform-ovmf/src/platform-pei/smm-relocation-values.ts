/**
 * What SmmRelocationLib leaves at the sites smm-relocation-sites.ts finds, for a VM (X64 PEI),
 * from UefiCpuPkg/Library/SmmRelocationLib (SmmRelocationLib.c, X64/SmmInit.nasm,
 * X64/Semaphore.c) and OvmfPkg/PlatformPei (MemDetect.c PublishPeiMemory / GetPeiMemoryCap):
 *
 * - CR3/CR4/CR0: PEI's control registers when CpuMpPei's MP Services2 PPI notifies PlatformPei:
 *   SEC's page tables (PcdOvmfSecPageTablesBase 0x800000), CR4 0x660 (PAE, MCE, OSFXSR,
 *   OSXMMEXCPT; CET clear), CR0 0x80000033 (PG, NE, ET, MP, PE). Seen in guest RAM of Debian
 *   trixie's and sid's builds under KVM.
 * - The far jump (@LongMode), the template's SmmStartup pointer, the semaphore's two 32-bit
 *   pointers and mRebasedFlag: addresses in PlatformPei's image in PEIFV.
 * - mSmBase: the BSP's (index 0) new SMBASE, the last one set: SmmRelocationStart - 0x8000, the
 *   start being TSEG's second SMRAM descriptor (TSEG + 4 KiB: OVMF keeps TSEG's first page for
 *   the S3 resume state). mRebased is TRUE; mNumberOfCpus, mMaxNumberOfCpus the boot and possible
 *   CPU counts (PcdCpuHotPlugSupport is TRUE in SMM builds).
 * - mSmmRelocationOriginalAddress: where the BSP's SMI interrupted it, the return address of the
 *   call that writes the ICR (seen in every boot).
 * - The SMM init stack (gPatchSmmInitStack = SmmStacks + 4 KiB - 8, AllocatePages(1)) and the
 *   SMM IDT base (AllocateZeroPool + 8): PEI allocations. Page allocations grow down from the top
 *   of PEI memory (below TSEG and the S3 reservation, 512 KiB + 32 KiB per possible CPU); pool
 *   allocations are HOBs, above PEI's 128 KiB stack at the bottom of PEI memory (the top minus
 *   GetPeiMemoryCap: 64 MiB + the page tables for the address width + 32 KiB per possible CPU).
 *   The pages before the stack's are derived from the image (smm-pei-pages.ts); the HOBs before
 *   the IDT's pool are not modelled: each value is taken from `allocations` when given, else the
 *   prediction is incomplete.
 */
import { ramLayout } from '../machine.ts';
import type { MachineDescription } from '../machine.ts';
import { QEMU_EXTENDED_TSEG_MBYTES } from './legacy-smm.ts';
import { DEBIAN_2022_11_BUILD, computePlatformInfo } from './platform-info.ts';
import type { SmmRelocationSites } from './smm-relocation-sites.ts';

/** PEI's allocations before SmmRelocationInit, below the top and above the bottom of PEI memory. */
export interface SmmRelocationAllocations {
  /** Bytes of page allocations below the top of PEI memory, SmmStacks' page included (smm-pei-pages.ts derives it). */
  readonly pagesBelowTop?: number | undefined;
  /** Offset of the IDT's pool allocation (its data, before the 8-byte PEI Services pointer) above the bottom of PEI memory. */
  readonly idtPoolAboveBase?: number | undefined;
}

/** PEI's control registers: X64 (SEC's page tables, long mode) and IA32 (no paging). */
const PEI_CR = { X64: { cr3: 0x800000, cr4: 0x660, cr0: 0x80000033 }, IA32: { cr3: 0, cr4: 0x640, cr0: 0x33 } } as const;
const AP_STACK = 0x8000;
const MiB = 1024 * 1024;

/** Top and bottom of PEI memory (OvmfPkg/PlatformPei/MemDetect.c, normal boot, SMM build). */
export function peiMemoryBounds(m: MachineDescription, longModeDxe = true): { top: number; base: number; tseg: number } {
  const maxCpus = m.maxCpus ?? m.cpus;
  const tseg = ramLayout(m).belowFourG - QEMU_EXTENDED_TSEG_MBYTES * MiB;
  const top = m.s3 ? tseg - (0x80000 + maxCpus * AP_STACK) : tseg;
  // GetPeiMemoryCap: page tables for PlatformPei's PhysMemAddressWidth (PlatformAddressWidthInitialization:
  // CPUID's when QEMU's quirk accepts it, at most 40 without 1 GiB pages, else from FirstNonAddress,
  // the 64-bit PCI aperture of OvmfPkg's PcdPciMmio64Size above RAM: 36 for an Intel vCPU
  // reporting 40 bits, as `-cpu kvm64`).
  const width = computePlatformInfo(m, { ...DEBIAN_2022_11_BUILD, smmSmramRequire: true }).physMemAddressWidth;
  const l2 = m.cpu.page1g ? 0 : 2 ** (width - 30);
  const l3 = Math.max(Math.floor(2 ** (width - 30) / 512), 1);
  const l4 = Math.max(Math.floor(l3 / 512), 1);
  // An IA32 DXE (no switch to long mode) caps PEI memory at 64 MiB.
  const cap = longModeDxe ? (1 + l4 + l3 + l2) * 4096 + maxCpus * AP_STACK + 64 * MiB : 64 * MiB;
  return { top, base: top - cap, tseg };
}

/** One write: where in PEIFV, how wide, what value (undefined: not modelled). */
export interface SmmRelocationWrite {
  readonly name: string;
  readonly offsetInFv: number;
  readonly size: 1 | 2 | 4 | 8;
  readonly value: bigint | undefined;
}

/** Every write SmmRelocationLib makes into PEIFV, with its value for `m`. */
export function smmRelocationWrites(
  s: SmmRelocationSites, arch: 'X64' | 'IA32', imageOffsetInFv: number, peiFvBase: bigint, m: MachineDescription,
  longModeDxe: boolean, allocations?: SmmRelocationAllocations
): SmmRelocationWrite[] {
  const at = (rva: number): number => imageOffsetInFv + rva;
  const addr = (rva: number): bigint => peiFvBase + BigInt(imageOffsetInFv + rva);
  const w = arch === 'X64' ? 8 : 4;
  const mem = peiMemoryBounds(m, longModeDxe);
  const pages = allocations?.pagesBelowTop;
  const pool = allocations?.idtPoolAboveBase;
  const stack = pages === undefined ? undefined : BigInt(mem.top - pages + 4096 - w);
  const idt = pool === undefined ? undefined : BigInt(mem.base + pool + w);
  const cr = PEI_CR[arch];
  const x64Only: SmmRelocationWrite[] = [];
  if (s.longModeJump !== undefined && s.longMode !== undefined) x64Only.push({ name: 'far jump to @LongMode', offsetInFv: at(s.longModeJump), size: 4, value: addr(s.longMode) });
  if (s.smmStartupPointer !== undefined) x64Only.push({ name: 'gcSmmInitTemplate SmmStartup', offsetInFv: at(s.smmStartupPointer), size: 8, value: addr(s.smmStartup) });
  if (s.rebasedFlagAddr32 !== undefined) x64Only.push({ name: 'gPatchRebasedFlagAddr32', offsetInFv: at(s.rebasedFlagAddr32), size: 4, value: addr(s.rebased) });
  if (s.originalAddressPtr32 !== undefined) x64Only.push({ name: 'gPatchSmmRelocationOriginalAddressPtr32', offsetInFv: at(s.originalAddressPtr32), size: 4, value: addr(s.originalAddress) });
  return [
    { name: 'gPatchSmmInitCr3', offsetInFv: at(s.cr3), size: 4, value: BigInt(cr.cr3) },
    { name: 'gPatchSmmInitCr4', offsetInFv: at(s.cr4), size: 4, value: BigInt(cr.cr4) },
    { name: 'gPatchSmmInitCr0', offsetInFv: at(s.cr0), size: 4, value: BigInt(cr.cr0) },
    { name: 'gPatchSmmInitStack', offsetInFv: at(s.stack), size: w, value: stack },
    ...x64Only,
    { name: 'mSmmRelocationOriginalAddress', offsetInFv: at(s.originalAddress), size: w, value: addr(s.smiReturn) },
    { name: 'mRebasedFlag', offsetInFv: at(s.rebasedFlag), size: w, value: addr(s.rebased) },
    { name: 'mRebased', offsetInFv: at(s.rebased), size: 1, value: 1n },
    { name: 'mSmBase', offsetInFv: at(s.smBase), size: 8, value: BigInt(mem.tseg + 0x1000 - 0x8000) },
    { name: 'mMaxNumberOfCpus', offsetInFv: at(s.maxNumberOfCpus), size: w, value: BigInt(m.maxCpus ?? m.cpus) },
    { name: 'mNumberOfCpus', offsetInFv: at(s.numberOfCpus), size: w, value: BigInt(m.cpus) },
    { name: 'gcSmmInitIdtr.Limit', offsetInFv: at(s.idtr), size: 2, value: BigInt(s.idtLimit) },
    { name: 'gcSmmInitIdtr.Base', offsetInFv: at(s.idtr + 2), size: w, value: idt },
  ];
}

/** Writes the modelled values into `bytes` (PEIFV); returns the names left unmodelled. */
export function applySmmRelocationWrites(bytes: Uint8Array, writes: readonly SmmRelocationWrite[]): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const left: string[] = [];
  for (const w of writes) {
    if (w.value === undefined) {
      left.push(w.name);
      continue;
    }
    if (w.size === 1) view.setUint8(w.offsetInFv, Number(w.value));
    else if (w.size === 2) view.setUint16(w.offsetInFv, Number(w.value), true);
    else if (w.size === 4) view.setUint32(w.offsetInFv, Number(w.value & 0xffffffffn), true);
    else view.setBigUint64(w.offsetInFv, w.value, true);
  }
  return left;
}
