/**
 * Where SmmRelocationLib (UefiCpuPkg/Library/SmmRelocationLib, linked into OVMF's PlatformPei
 * from edk2-stable202405) writes inside PlatformPei's image, which executes in place in PEIFV,
 * found by code and data patterns of X64/SmmInit.nasm and SmmRelocationLib.c (X64 PEI only):
 *
 * | Site | Found by |
 * |---|---|
 * | gPatchSmmInitCr3 | `66 B8 imm32 0F 22 D8` (o32 mov eax, imm32; mov cr3, eax) in SmmStartup |
 * | gPatchSmmInitCr4 | `66 B8 imm32 80 CC 02 0F 22 E0` (…; or ah, 2; mov cr4, eax) |
 * | gPatchSmmInitCr0 | `66 B8 imm32 0F 22 C0 66 EA imm32 38 00` (…; mov cr0, eax; jmp 0x38:@LongMode) |
 * | the far jump's offset | the imm32 of that `66 EA`: SmmInitFixupAddress writes @LongMode's address |
 * | gPatchSmmInitStack | `48 BC imm64` (mov rsp, imm64) at @LongMode |
 * | gcSmmInitTemplate's SmmStartup pointer | the qword after `66 FF E5` (jmp ebp), after `66 81 ED 00 00 03 00` (sub ebp, 0x30000) |
 * | gPatchRebasedFlagAddr32, gPatchSmmRelocationOriginalAddressPtr32 | SmmRelocationSemaphoreComplete32: `50 B8 imm32 C6 00 01 58 FF 25 imm32` |
 * | mRebasedFlag, mSmmRelocationOriginalAddress | SmmRelocationSemaphoreComplete: `50 48 8B 05 rel32 C6 00 01 58 FF 25 rel32` |
 * | mRebased | SemaphoreHook: `lea rax, [rip+mRebased]; mov [rip+mRebasedFlag], rax` |
 * | mSmBase | SmmRelocateBases: `mov byte [rip+mRebased], 0` followed by `mov [rip+mSmBase], r64` |
 * | gcSmmInitIdtr (limit, base) | InitSmmIdt: `mov word [rip+g], imm16` (the limit) with `lidt [rip+g]` |
 * | mNumberOfCpus, mMaxNumberOfCpus | `lea rdx, [rip+n]` (GetNumberOfProcessors' out parameter) at a `.data` UINTN of 1, mMaxNumberOfCpus the UINTN of 1 before it |
 * | the BSP's interrupted RIP | SendSmiIpi: `mov edx, 0x4200` (ICR: SMI, assert), `mov rcx, r`, `call`: the return address |
 */
import { findBytes } from './x86-mem-refs.ts';

/** Offsets (in the image, = PEIFV offset minus the image's) of each write. */
export interface SmmRelocationSites {
  readonly cr3: number;
  readonly cr4: number;
  readonly cr0: number;
  readonly longModeJump: number;
  /** Where @LongMode starts (the far jump's target). */
  readonly longMode: number;
  readonly stack: number;
  readonly smmStartupPointer: number;
  /** SmmStartup (the `mov eax, 0x80000001; cpuid` before the CR3 patch). */
  readonly smmStartup: number;
  readonly rebasedFlagAddr32: number;
  readonly originalAddressPtr32: number;
  readonly rebasedFlag: number;
  readonly originalAddress: number;
  readonly rebased: number;
  readonly smBase: number;
  readonly idtr: number;
  readonly idtLimit: number;
  readonly numberOfCpus: number;
  readonly maxNumberOfCpus: number;
  /** Offset of the instruction after the SMI IPI's ICR write call. */
  readonly smiReturn: number;
}

/** Why the sites were not all found. */
export interface SmmRelocationSitesMissing {
  readonly missing: readonly string[];
}

function u16(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
}
function i32(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24);
}
function u64Is1(b: Uint8Array, at: number): boolean {
  if (at < 0 || at + 8 > b.length || b[at] !== 1) return false;
  for (let k = 1; k < 8; k++) if (b[at + k] !== 0) return false;
  return true;
}

/** The single hit of `needle` whose `check` holds, or undefined. */
function only(b: Uint8Array, needle: readonly (number | undefined)[], check: (at: number) => boolean = () => true): number | undefined {
  const fixed = needle.map((x) => x ?? -1);
  const hits: number[] = [];
  outer: for (let i = 0; i + fixed.length <= b.length; i++) {
    for (let k = 0; k < fixed.length; k++) if (fixed[k] !== -1 && b[i + k] !== fixed[k]) continue outer;
    if (check(i)) hits.push(i);
  }
  return hits.length === 1 ? hits[0] : undefined;
}

const _ = undefined;

/**
 * Finds SmmRelocationLib's patch sites and globals in an X64 XIP image (`image` from its DOS
 * header; RVA = offset), `data` its `.data` range. Returns the missing names when any is absent.
 */
export function locateSmmRelocationSites(image: Uint8Array, data: { start: number; end: number }): SmmRelocationSites | SmmRelocationSitesMissing {
  const b = image;
  const inData = (rva: number, n: number): boolean => rva >= data.start && rva + n <= data.end;
  const found: Partial<Record<keyof SmmRelocationSites, number>> = {};
  const cr3At = only(b, [0x66, 0xb8, _, _, _, _, 0x0f, 0x22, 0xd8]);
  if (cr3At !== undefined) found.cr3 = cr3At + 2;
  const startup = cr3At === undefined ? undefined : findBytes(b.subarray(Math.max(0, cr3At - 24), cr3At), [0x66, 0xb8, 0x01, 0x00, 0x00, 0x80, 0x0f, 0xa2]).at(-1);
  if (cr3At !== undefined && startup !== undefined) found.smmStartup = Math.max(0, cr3At - 24) + startup;
  const cr4At = only(b, [0x66, 0xb8, _, _, _, _, 0x80, 0xcc, 0x02, 0x0f, 0x22, 0xe0]);
  if (cr4At !== undefined) found.cr4 = cr4At + 2;
  const cr0At = only(b, [0x66, 0xb8, _, _, _, _, 0x0f, 0x22, 0xc0, 0x66, 0xea, _, _, _, _, 0x38, 0x00]);
  if (cr0At !== undefined) {
    found.cr0 = cr0At + 2;
    found.longModeJump = cr0At + 11;
    found.longMode = cr0At + 17;
    if (b[cr0At + 17] === 0x48 && b[cr0At + 18] === 0xbc) found.stack = cr0At + 19;
  }
  const tmpl = only(b, [0x66, 0x81, 0xed, 0x00, 0x00, 0x03, 0x00, 0x66, 0xff, 0xe5]);
  if (tmpl !== undefined) found.smmStartupPointer = tmpl + 10;
  const sem32 = only(b, [0x50, 0xb8, _, _, _, _, 0xc6, 0x00, 0x01, 0x58, 0xff, 0x25]);
  if (sem32 !== undefined) {
    found.rebasedFlagAddr32 = sem32 + 2;
    found.originalAddressPtr32 = sem32 + 12;
  }
  const sem64 = only(b, [0x50, 0x48, 0x8b, 0x05, _, _, _, _, 0xc6, 0x00, 0x01, 0x58, 0xff, 0x25]);
  if (sem64 !== undefined) {
    const flag = sem64 + 8 + i32(b, sem64 + 4);
    const orig = sem64 + 18 + i32(b, sem64 + 14);
    if (inData(flag, 8) && inData(orig, 8)) {
      found.rebasedFlag = flag;
      found.originalAddress = orig;
    }
  }
  if (found.rebasedFlag !== undefined) {
    const flag = found.rebasedFlag;
    // lea rax, [rip+mRebased] (48 8D 05 rel32); mov [rip+mRebasedFlag], rax (48 89 05 rel32)
    const at = only(b, [0x48, 0x8d, 0x05, _, _, _, _, 0x48, 0x89, 0x05], (i) => i + 14 + i32(b, i + 10) === flag);
    if (at !== undefined && inData(at + 7 + i32(b, at + 3), 1)) found.rebased = at + 7 + i32(b, at + 3);
  }
  if (found.rebased !== undefined) {
    const rebased = found.rebased;
    // mov byte [rip+mRebased], 0 (C6 05 rel32 00); mov [rip+mSmBase], r64 (4C/48 89 modrm(00 r 101) rel32)
    const at = only(b, [0xc6, 0x05, _, _, _, _, 0x00], (i) => i + 7 + i32(b, i + 2) === rebased && ((b[i + 7] ?? 0) & 0xfb) === 0x48 && b[i + 8] === 0x89 && ((b[i + 9] ?? 0) & 0xc7) === 0x05);
    if (at !== undefined && inData(at + 14 + i32(b, at + 10), 8)) found.smBase = at + 14 + i32(b, at + 10);
  }
  const limitAt = only(b, [0x66, 0xc7, 0x05], (i) => {
    const g = i + 9 + i32(b, i + 3);
    return inData(g, 10) && findBytes(b, [0x0f, 0x01, 0x1d]).some((k) => k + 7 + i32(b, k + 3) === g);
  });
  if (limitAt !== undefined) {
    found.idtr = limitAt + 9 + i32(b, limitAt + 3);
    found.idtLimit = u16(b, limitAt + 7);
  }
  const numAt = only(b, [0x48, 0x8d, 0x15], (i) => {
    const g = i + 7 + i32(b, i + 3);
    return inData(g - 8, 16) && u64Is1(b, g) && u64Is1(b, g - 8);
  });
  if (numAt !== undefined) {
    found.numberOfCpus = numAt + 7 + i32(b, numAt + 3);
    found.maxNumberOfCpus = found.numberOfCpus - 8;
  }
  // mov edx, 0x4200; mov rcx, r64 (4C/48 89 C1+); call rel32
  const ipi = only(b, [0xba, 0x00, 0x42, 0x00, 0x00, _, 0x89, _, 0xe8], (i) => ((b[i + 5] ?? 0) & 0xfb) === 0x48 && ((b[i + 7] ?? 0) & 0xc7) === 0xc1);
  if (ipi !== undefined) found.smiReturn = ipi + 13;
  const names: readonly (keyof SmmRelocationSites)[] = [
    'cr3', 'cr4', 'cr0', 'longModeJump', 'longMode', 'stack', 'smmStartupPointer', 'smmStartup', 'rebasedFlagAddr32', 'originalAddressPtr32',
    'rebasedFlag', 'originalAddress', 'rebased', 'smBase', 'idtr', 'idtLimit', 'numberOfCpus', 'maxNumberOfCpus', 'smiReturn',
  ];
  const missing = names.filter((n) => found[n] === undefined);
  if (missing.length > 0) return { missing };
  return found as SmmRelocationSites;
}
