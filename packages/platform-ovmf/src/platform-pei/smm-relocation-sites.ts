/**
 * Where SmmRelocationLib (UefiCpuPkg/Library/SmmRelocationLib, linked into OVMF's PlatformPei
 * from edk2-stable202405) writes inside PlatformPei's image, which executes in place in PEIFV,
 * found by code and data patterns of X64/SmmInit.nasm, Ia32/SmmInit.nasm and SmmRelocationLib.c
 * (X64 forms; IA32 uses absolute addresses, and its template has no far-jump, template-pointer or
 * 32-bit semaphore patches: `mov esp, imm32` after `mov ss, edi` is its stack, `push 0x4200; push
 * r32; call` its ICR write, `push &mNumberOfCpus`, `mov dword [mRebasedFlag], &mRebased`):
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
  /** X64 only (IA32's far jump and template pointer are link-time constants). */
  readonly longModeJump?: number;
  /** Where @LongMode starts (the far jump's target). */
  readonly longMode?: number;
  readonly stack: number;
  readonly smmStartupPointer?: number;
  /** SmmStartup (the `mov eax, 0x80000001; cpuid` before the CR3 patch). */
  readonly smmStartup: number;
  /** X64 only: SmmRelocationSemaphoreComplete32's patched pointers. */
  readonly rebasedFlagAddr32?: number;
  readonly originalAddressPtr32?: number;
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
function uIs1(b: Uint8Array, at: number, w: number): boolean {
  if (at < 0 || at + w > b.length || b[at] !== 1) return false;
  for (let k = 1; k < w; k++) if (b[at + k] !== 0) return false;
  return true;
}

/** The single hit of `needle` whose `check` holds (the first of several when `first`), or undefined. */
function only(b: Uint8Array, needle: readonly (number | undefined)[], check: (at: number) => boolean = () => true, first = false): number | undefined {
  const fixed = needle.map((x) => x ?? -1);
  const hits: number[] = [];
  outer: for (let i = 0; i + fixed.length <= b.length; i++) {
    for (let k = 0; k < fixed.length; k++) if (fixed[k] !== -1 && b[i + k] !== fixed[k]) continue outer;
    if (check(i)) hits.push(i);
  }
  return hits.length === 1 || (first && hits.length > 1) ? hits[0] : undefined;
}

const _ = undefined;

/** The single hit of `needle` whose `check` holds, with `rel` the image-relative target reader. */
type Target = (dispAt: number, end: number) => number;

/**
 * Finds SmmRelocationLib's patch sites and globals in an XIP image (`image` from its DOS header;
 * RVA = offset; X64 or IA32 as `machine` says, `imageBase` for IA32's absolute addresses),
 * `data` its `.data` range. Returns the missing names when any is absent.
 */
export function locateSmmRelocationSites(
  image: Uint8Array, data: { start: number; end: number }, machine: 'X64' | 'IA32', imageBase: number
): SmmRelocationSites | SmmRelocationSitesMissing {
  const b = image;
  const x64 = machine === 'X64';
  const tgt: Target = (dispAt, end) => (x64 ? end + i32(b, dispAt) : (i32(b, dispAt) >>> 0) - imageBase);
  const inData = (rva: number, n: number): boolean => rva >= data.start && rva + n <= data.end;
  const found: Partial<Record<keyof SmmRelocationSites, number>> = {};
  const cr3At = only(b, [0x66, 0xb8, _, _, _, _, 0x0f, 0x22, 0xd8]);
  if (cr3At !== undefined) found.cr3 = cr3At + 2;
  const startup = cr3At === undefined ? undefined : findBytes(b.subarray(Math.max(0, cr3At - 32), cr3At), [0x66, 0xb8, 0x01, 0x00, 0x00, 0x80, 0x0f, 0xa2]).at(-1);
  if (cr3At !== undefined && startup !== undefined) found.smmStartup = Math.max(0, cr3At - 32) + startup;
  const cr4At = x64 ? only(b, [0x66, 0xb8, _, _, _, _, 0x80, 0xcc, 0x02, 0x0f, 0x22, 0xe0]) : only(b, [0x66, 0xb8, _, _, _, _, 0x0f, 0x22, 0xe0]);
  if (cr4At !== undefined) found.cr4 = cr4At + 2;
  if (x64) locateX64Template(b, found);
  else locateIa32Template(b, found);
  if (x64) {
    const sem32 = only(b, [0x50, 0xb8, _, _, _, _, 0xc6, 0x00, 0x01, 0x58, 0xff, 0x25]);
    if (sem32 !== undefined) {
      found.rebasedFlagAddr32 = sem32 + 2;
      found.originalAddressPtr32 = sem32 + 12;
    }
  }
  // SmmRelocationSemaphoreComplete: push rax; mov rax, [mRebasedFlag]; mov byte [rax], 1; pop rax; jmp [mSmmRelocationOriginalAddress]
  const sem = x64 ? only(b, [0x50, 0x48, 0x8b, 0x05, _, _, _, _, 0xc6, 0x00, 0x01, 0x58, 0xff, 0x25]) : only(b, [0x50, 0xa1, _, _, _, _, 0xc6, 0x00, 0x01, 0x58, 0xff, 0x25]);
  if (sem !== undefined) {
    const [f, o] = x64 ? [sem + 4, sem + 14] : [sem + 2, sem + 12];
    const flag = tgt(f, f + 4);
    const orig = tgt(o, o + 4);
    if (inData(flag, 4) && inData(orig, 4)) {
      found.rebasedFlag = flag;
      found.originalAddress = orig;
    }
  }
  const w = x64 ? 8 : 4;
  if (found.rebasedFlag !== undefined) {
    const flag = found.rebasedFlag;
    if (x64) {
      // lea rax, [rip+mRebased] (48 8D 05 rel32); mov [rip+mRebasedFlag], rax (48 89 05 rel32)
      const at = only(b, [0x48, 0x8d, 0x05, _, _, _, _, 0x48, 0x89, 0x05], (i) => tgt(i + 10, i + 14) === flag);
      if (at !== undefined && inData(tgt(at + 3, at + 7), 1)) found.rebased = tgt(at + 3, at + 7);
    } else {
      // mov dword [mRebasedFlag], &mRebased (C7 05 abs32 imm32)
      const at = only(b, [0xc7, 0x05], (i) => tgt(i + 2, i + 6) === flag && inData((i32(b, i + 6) >>> 0) - imageBase, 1), true);
      if (at !== undefined) found.rebased = (i32(b, at + 6) >>> 0) - imageBase;
    }
  }
  if (found.rebased !== undefined) {
    const rebased = found.rebased;
    // mov byte [mRebased], 0 (C6 05 disp32 00); the first store of a register to .data after it is mSmBase.
    const smBase = new Set<number>();
    for (const i of findBytes(b, [0xc6, 0x05])) {
      if (b[i + 6] !== 0 || tgt(i + 2, i + 7) !== rebased) continue;
      for (let j = i + 7; j < i + 7 + 12; j++) {
        const p = x64 && ((b[j] ?? 0) & 0xfb) === 0x48 ? j + 1 : j;
        if (b[p] !== 0x89 || ((b[p + 1] ?? 0) & 0xc7) !== 0x05) continue;
        const g = tgt(p + 2, p + 6);
        if (inData(g, 8)) {
          smBase.add(g);
          break;
        }
      }
    }
    const [only1] = smBase;
    if (smBase.size === 1 && only1 !== undefined) found.smBase = only1;
  }
  // InitSmmIdt: mov word [gcSmmInitIdtr], imm16 (the limit), the descriptor loaded by lidt.
  const limitAt = only(b, [0x66, 0xc7, 0x05], (i) => {
    const g = tgt(i + 3, i + 9);
    return inData(g, 2 + w) && findBytes(b, [0x0f, 0x01, 0x1d]).some((k) => tgt(k + 3, k + 7) === g);
  });
  if (limitAt !== undefined) {
    found.idtr = tgt(limitAt + 3, limitAt + 9);
    found.idtLimit = u16(b, limitAt + 7);
  }
  // GetNumberOfProcessors (MpServices2, &mNumberOfCpus, …): lea rdx, [rip+n] on X64, push n on IA32.
  const isOne = (g: number): boolean => inData(g - w, 2 * w) && uIs1(b, g, w) && uIs1(b, g - w, w);
  const numAt = x64 ? only(b, [0x48, 0x8d, 0x15], (i) => isOne(tgt(i + 3, i + 7))) : only(b, [0x68], (i) => isOne(tgt(i + 1, i + 5)));
  if (numAt !== undefined) {
    found.numberOfCpus = x64 ? tgt(numAt + 3, numAt + 7) : tgt(numAt + 1, numAt + 5);
    found.maxNumberOfCpus = found.numberOfCpus - w;
  }
  // SendSmiIpi's ICR write (SMI, assert: 0x4200): X64 `mov edx, 0x4200; mov rcx, r64; call`,
  // IA32 `push 0x4200; push r32; call`. The BSP's SMI returns to the instruction after the call.
  const ipi = x64
    ? only(b, [0xba, 0x00, 0x42, 0x00, 0x00, _, 0x89, _, 0xe8], (i) => ((b[i + 5] ?? 0) & 0xfb) === 0x48 && ((b[i + 7] ?? 0) & 0xc7) === 0xc1)
    : only(b, [0x68, 0x00, 0x42, 0x00, 0x00, _, 0xe8], (i) => ((b[i + 5] ?? 0) & 0xf8) === 0x50);
  if (ipi !== undefined) found.smiReturn = ipi + (x64 ? 13 : 11);
  const names: readonly (keyof SmmRelocationSites)[] = [
    'cr3', 'cr4', 'cr0', 'stack', 'smmStartup', 'rebasedFlag', 'originalAddress', 'rebased', 'smBase', 'idtr', 'idtLimit', 'numberOfCpus', 'maxNumberOfCpus', 'smiReturn',
    ...(x64 ? (['longModeJump', 'longMode', 'smmStartupPointer', 'rebasedFlagAddr32', 'originalAddressPtr32'] as const) : []),
  ];
  const missing = names.filter((n) => found[n] === undefined);
  if (missing.length > 0) return { missing };
  return found as SmmRelocationSites;
}

/** X64/SmmInit.nasm: CR0 with the far jump to @LongMode, the stack at @LongMode, the template's SmmStartup pointer. */
function locateX64Template(b: Uint8Array, found: Partial<Record<keyof SmmRelocationSites, number>>): void {
  const cr0At = only(b, [0x66, 0xb8, _, _, _, _, 0x0f, 0x22, 0xc0, 0x66, 0xea, _, _, _, _, 0x38, 0x00]);
  if (cr0At !== undefined) {
    found.cr0 = cr0At + 2;
    found.longModeJump = cr0At + 11;
    found.longMode = cr0At + 17;
    if (b[cr0At + 17] === 0x48 && b[cr0At + 18] === 0xbc) found.stack = cr0At + 19;
  }
  const tmpl = only(b, [0x66, 0x81, 0xed, 0x00, 0x00, 0x03, 0x00, 0x66, 0xff, 0xe5]);
  if (tmpl !== undefined) found.smmStartupPointer = tmpl + 10;
}

/** Ia32/SmmInit.nasm: `mov eax, imm32; mov di, PROTECT_MODE_DS; mov cr0, eax`, and `mov ss, edi; mov esp, imm32; call`. */
function locateIa32Template(b: Uint8Array, found: Partial<Record<keyof SmmRelocationSites, number>>): void {
  const cr0At = only(b, [0x66, 0xb8, _, _, _, _, 0xbf, _, _, 0x0f, 0x22, 0xc0]);
  if (cr0At !== undefined) found.cr0 = cr0At + 2;
  const esp = only(b, [0x8e, 0xd7, 0xbc, _, _, _, _, 0xe8]);
  if (esp !== undefined) found.stack = esp + 3;
}
