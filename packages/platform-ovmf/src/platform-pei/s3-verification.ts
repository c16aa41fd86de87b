/**
 * S3Verification (OvmfPkg/PlatformPei/Platform.c up to edk2-stable202305; removed by edk2 commit
 * 098c557023 "OvmfPkg/PlatformPei: drop S3Verification()", first in edk2-stable202308): in a
 * PlatformPei built for X64 (`#if defined (MDE_CPU_X64)`, OvmfPkgX64.dsc) with SMM_REQUIRE,
 *
 *     if (SmmSmramRequire && S3Supported) { DEBUG (…"S3Resume2Pei doesn't support X64 PEI +
 *       SMM yet"…); ASSERT (FALSE); CpuDeadLoop (); }
 *
 * runs before the boot mode PPI is installed, so nothing after PlatformPei (Tcg2Pei, DXE) ever
 * starts when QEMU offers S3 (fw_cfg `etc/system-states`, on by default; off with
 * `-global ICH9-LPC.disable_s3=1`, libvirt's `<pm><suspend-to-mem enabled='no'/></pm>`).
 * Debian 11's, Debian 12's and Ubuntu 22.04's 2 MiB `OVMF_CODE.secboot.fd` are such builds
 * (their 4 MiB SMM images have IA32 PEI, where the check is compiled out). Real boots on QEMU 7.2:
 * with S3 the vCPU spins in CpuDeadLoop at PlatformPei's `pause; jmp` for as long as one waits,
 * no serial output, no TPM command from Tcg2Pei; with S3 disabled the images boot to the Shell.
 * A local 2 MiB X64 SMM build of edk2-stable202302 (the pointer form below; its boots in
 * test/vectors/x64-smm-no-s3/local-edk2-202302) spins likewise at PlatformPei's CpuDeadLoop.
 *
 * Found by code, not by release: a call to CpuDeadLoop (BaseLib's `volatile UINTN Index; for
 * (Index = 0; Index == 0;) CpuPause ();`: a small function whose loop is `pause; jmp back`)
 * guarded by `cmp byte [S3Supported], 0` and a conditional jump past the call, where
 * S3Supported is where PlatformPei keeps it:
 * - the global `mPlatformInfoHob.S3Supported` (edk2-stable202211's EFI_HOB_PLATFORM_INFO in
 *   `.data`, locate.ts) or the pre-PlatformInitLib `mS3Supported` (legacy-globals.ts);
 * - from edk2-stable202302 (edk2 commits 4bc2c74851 "OvmfPkg/PlatformPei: Verification: stop
 *   using mPlatformInfoHob" and 862614e254 "OvmfPkg/PlatformPei: remove mPlatformInfoHob") to 202305,
 *   `PlatformInfoHob->S3Supported`: InitializePlatform's `PlatformInfoHob = BuildPlatformInfoHob
 *   ()` (GetFirstGuidHob (&gUefiOvmfPkgPlatformInfoGuid) plus GET_GUID_HOB_DATA, a HOB in RAM,
 *   not in PEIFV) and `S3Verification (PlatformInfoHob)`, both inlined: the GUID HOB's address
 *   is kept in a callee-saved register rB right after the call whose first argument is the
 *   GUID's address, and the test is `cmp byte [rB+0x3f], 0` (0x18 of HOB header plus
 *   S3Supported's offset 0x27; 0x27 when rB is set by `lea rB, [rax+0x18]`). Debian's 2023.05
 *   OVMF_CODE.fd (no SMM): `mov rbx, rax` after the call, `cmp byte [rbx+0x40], 0; je;
 *   cmp byte [rbx+0x3f], 0; je; call CpuDeadLoop`, whose loop reads its local through rbp.
 * PlatformPei's other CpuDeadLoop calls (not a Q35 host bridge, MemTypeInfo, SEV) are guarded
 * by other values.
 */
import { guidFromString } from '@tcg2sim/binary-codec';
import { EFI_SECTION, findFileByGuid, parsePeImage, sectionName } from '@tcg2sim/uefi';
import type { MemoryFv } from '../sec.ts';
import { VmNotBootableError } from '../errors.ts';
import { locatePlatformPeiGlobals, PlatformPeiLocateError } from './locate.ts';
import type { XipImage } from './locate.ts';
import { hasLegacyPlatformGlobals, locateLegacyPlatformGlobals } from './legacy-globals.ts';
import { findBytes, scanMemRefs, X64 } from './x86-mem-refs.ts';
import { PLATFORM_PEI_FILE_GUID, SMM_ACCESS_PEI_FILE_GUID } from './peifv.ts';
import { PLATFORM_INFO_HOB_GUID } from './pei-hob-facts-202608.ts';

/** Offset of S3Supported in EFI_HOB_PLATFORM_INFO (24-byte GUID HOB header, UINT16, UINT64, BOOLEAN, UINT32). */
const PLATFORM_INFO_S3_SUPPORTED = 24 + 2 + 8 + 1 + 4;

/** Where the dead loop is, as evidence for a message. */
export interface S3DeadLoop {
  /** PlatformPei's `call CpuDeadLoop` guarded by S3Supported, as an offset in PEIFV. */
  readonly callAt: number;
  /** CpuDeadLoop (the call's target), as an offset in PEIFV: where the vCPU spins. */
  readonly deadLoopAt: number;
  /** The guarding `cmp byte [S3Supported], 0`, as an offset in PEIFV. */
  readonly compareAt: number;
  /**
   * Where S3Supported is, as an offset in PEIFV, and which global it is; undefined when the code
   * reads it through PlatformInfoHob, its pointer to the EFI_HOB_PLATFORM_INFO HOB in RAM
   * (edk2-stable202302 to 202305), which `global` then names.
   */
  readonly s3SupportedAt: number | undefined;
  readonly global: 'mPlatformInfoHob.S3Supported' | 'mS3Supported' | 'PlatformInfoHob->S3Supported';
  /** One line for notes and errors. */
  readonly evidence: string;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function i32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) | 0;
}

/**
 * Whether the function at `t` is CpuDeadLoop (MdePkg/Library/BaseLib/CpuDeadLoop.c): within its
 * first 0x30 bytes a loop back to a place inside the function that reloads the volatile local
 * from the stack (`mov r, [rsp+d8]`) and stays there while it is 0, at most 0x18 bytes long and
 * free of call, return and port-I/O opcodes (E8, FF, C3, E4, E5, EC, ED: a delay loop reads a
 * timer port, a spin-wait calls a function). GCC's X64 code of edk2-stable202011 ends the loop
 * with `je back` (Debian 11); later BaseLib adds CpuPause (), `pause; jmp back` (Debian 12,
 * Ubuntu 22.04): `sub rsp, 0x18; xor eax, eax; mov [rsp+8], rax; loop: mov rax, [rsp+8];
 * test rax, rax; jne out; pause; jmp loop`.
 */
function isDeadLoop(b: Uint8Array, t: number): boolean {
  for (let p = t; p < t + 0x30 && p + 2 < b.length; p++) {
    let back: number;
    if (b[p] === 0xf3 && b[p + 1] === 0x90 && b[p + 2] === 0xeb) back = p + 4 + (((b[p + 3] ?? 0) << 24) >> 24);
    else if (b[p] === 0x74 && (b[p + 1] ?? 0) >= 0x80) back = p + 2 + (((b[p + 1] ?? 0) << 24) >> 24);
    else continue;
    if (back < t || back >= p || p - back > 0x18) continue;
    const body = b.subarray(back, p);
    if (body.some((x) => x === 0xe8 || x === 0xff || x === 0xc3 || x === 0xe4 || x === 0xe5 || x === 0xec || x === 0xed)) return false;
    // mov r, [rsp+disp8]: 8B, ModRM mod=01 r/m=100, SIB 0x24; or with a frame pointer
    // mov r, [rbp+disp8]: ModRM mod=01 r/m=101
    return body.some((x, k) => x === 0x8b && ((((body[k + 1] ?? 0) & 0xc7) === 0x44 && body[k + 2] === 0x24) || ((body[k + 1] ?? 0) & 0xc7) === 0x45));
  }
  return false;
}

/** A conditional jump (`jcc rel8` or `0F 8x rel32`) in [from, to) whose target lies beyond `past`. */
function jumpsPast(b: Uint8Array, from: number, to: number, past: number): boolean {
  for (let p = from; p < to; p++) {
    const op = b[p] ?? 0;
    if (op >= 0x70 && op <= 0x7f && p + 2 <= to && p + 2 + (((b[p + 1] ?? 0) << 24) >> 24) > past) return true;
    if (op === 0x0f && ((b[p + 1] ?? 0) & 0xf0) === 0x80 && p + 6 <= to && p + 6 + i32(b, p + 2) > past) return true;
  }
  return false;
}

/** The RVA of the S3Supported global in an X64 PlatformPei, and which it is. */
function s3SupportedGlobal(img: XipImage, data: { start: number; end: number }): { rva: number; global: S3DeadLoop['global'] } | undefined {
  try {
    return { rva: locatePlatformPeiGlobals(img).platformInfoOffset + PLATFORM_INFO_S3_SUPPORTED, global: 'mPlatformInfoHob.S3Supported' };
  } catch (e) {
    if (!(e instanceof PlatformPeiLocateError)) throw e;
  }
  if (!hasLegacyPlatformGlobals(img, data)) return undefined;
  const rva = locateLegacyPlatformGlobals(img, data).found.s3Supported;
  return rva === undefined ? undefined : { rva, global: 'mS3Supported' };
}

/** `call CpuDeadLoop` within 0x80 bytes after a guard ending at `from`, with a conditional jump past it: the call's and the loop's offsets in the image. */
function guardedDeadLoopCall(b: Uint8Array, from: number): { call: number; loop: number } | undefined {
  // the call within 0x80 bytes after the compare (a DEBUG build prints three lines first)
  for (let c = from; c + 5 <= b.length && c < from + 0x80; c++) {
    if (b[c] !== 0xe8) continue;
    const t = c + 5 + i32(b, c + 1);
    if (t < 0 || t >= b.length || !isDeadLoop(b, t) || !jumpsPast(b, from, c, c + 4)) continue;
    return { call: c, loop: t };
  }
  return undefined;
}

/** Callee-saved registers (numbers 0-15) a function keeps a pointer in across calls. */
const CALLEE_SAVED = [3, 5, 6, 7, 12, 13, 14, 15];
const REG_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Offset of S3Supported in the HOB GetFirstGuidHob returns: the GUID HOB header, then the EFI_HOB_PLATFORM_INFO copy. */
const GUID_HOB_HEADER = 24;

/** Where the PlatformInfo pointer comes from: register `reg` holds the GUID HOB (`bias` 0x18) or its data (`bias` 0), set at `at`. */
interface HobPointer {
  readonly at: number;
  readonly end: number;
  readonly reg: number;
  readonly bias: number;
}

/** `mov rD, rax` (REX.W 89 /r or 8B /r), or `lea rD, [rax+0x18]`, at `p`: the destination and the HOB data's offset from it. */
function keepsRax(b: Uint8Array, p: number): { reg: number; bias: number; end: number } | undefined {
  const rex = b[p] ?? 0;
  if ((rex & 0xf8) !== 0x48) return undefined;
  const op = b[p + 1];
  const m = b[p + 2] ?? 0;
  if (op === 0x89 && (m & 0xf8) === 0xc0 && (rex & 0x04) === 0) return { reg: (m & 7) + ((rex & 0x01) !== 0 ? 8 : 0), bias: GUID_HOB_HEADER, end: p + 3 };
  if (op === 0x8b && (m & 0xc7) === 0xc0 && (rex & 0x01) === 0) return { reg: ((m >> 3) & 7) + ((rex & 0x04) !== 0 ? 8 : 0), bias: GUID_HOB_HEADER, end: p + 3 };
  if (op === 0x8d && (m & 0xc7) === 0x40 && (rex & 0x01) === 0 && b[p + 3] === GUID_HOB_HEADER) return { reg: ((m >> 3) & 7) + ((rex & 0x04) !== 0 ? 8 : 0), bias: 0, end: p + 4 };
  return undefined;
}

/**
 * PlatformPei's pointer to EFI_HOB_PLATFORM_INFO (edk2-stable202302 to 202305: InitializePlatform's
 * `PlatformInfoHob = BuildPlatformInfoHob ()`, inlined: `GetFirstGuidHob (&gUefiOvmfPkgPlatformInfoGuid)`
 * plus GET_GUID_HOB_DATA): a call whose first argument (rcx) is the GUID's address, loaded by
 * `lea rcx, [rip+guid]` or `lea rG, [rip+guid]` … `mov rcx, rG` within 0x40 bytes before it,
 * right after which the result is kept in a callee-saved register.
 */
function platformInfoPointers(img: XipImage): HobPointer[] {
  const b = img.image;
  const out: HobPointer[] = [];
  for (const guid of findBytes(b, [...guidFromString(PLATFORM_INFO_HOB_GUID)])) {
    for (let i = 0; i + 7 <= b.length; i++) {
      // lea r64, [rip+d]: REX.W (R for r8-r15) 8D, ModRM mod=00 r/m=101
      if (((b[i] ?? 0) & 0xfb) !== 0x48 || b[i + 1] !== 0x8d || ((b[i + 2] ?? 0) & 0xc7) !== 0x05 || i + 7 + i32(b, i + 3) !== guid) continue;
      const g = (((b[i + 2] ?? 0) >> 3) & 7) + (((b[i] ?? 0) & 0x04) !== 0 ? 8 : 0);
      for (let c = i + 7; c + 5 <= b.length && c < i + 7 + 0x40; c++) {
        if (b[c] !== 0xe8) continue;
        // rcx holds the GUID: loaded into rcx, or `mov rcx, rG` (REX.W 89 /r, 8B /r) just before the call
        const rcx = g === 1 || (g < 8 && b[c - 3] === 0x48 && ((b[c - 2] === 0x89 && b[c - 1] === (0xc1 | (g << 3))) || (b[c - 2] === 0x8b && b[c - 1] === (0xc8 | g))));
        if (!rcx) continue;
        const kept = keepsRax(b, c + 5);
        if (kept !== undefined && CALLEE_SAVED.includes(kept.reg)) out.push({ at: c + 5, end: kept.end, reg: kept.reg, bias: kept.bias });
      }
    }
  }
  return out;
}

/** `cmp byte [rB+disp8], 0` at `p` (80 /7 ib, ModRM mod=01; SIB 0x24 for r12): its displacement and end. */
function cmpByteZero(b: Uint8Array, p: number, reg: number): { disp: number; end: number } | undefined {
  let q = p;
  if (reg >= 8) {
    if (b[q] !== 0x41) return undefined;
    q++;
  }
  if (b[q] !== 0x80 || b[q + 1] !== (0x78 | (reg & 7))) return undefined;
  q += 2;
  if ((reg & 7) === 4) {
    if (b[q] !== 0x24) return undefined;
    q++;
  }
  if (b[q + 1] !== 0) return undefined;
  return { disp: b[q] ?? 0, end: q + 2 };
}

/**
 * The pointer form (edk2-stable202302 to 202305): `S3Verification (PlatformInfoHob)` tests
 * `PlatformInfoHob->S3Supported`, inlined into InitializePlatform as `cmp byte [rB+d], 0` where
 * rB is the register PlatformInfoHob's value is kept in (platformInfoPointers) and d is
 * S3Supported's offset (plus the GUID HOB header when rB holds GetFirstGuidHob's result), within
 * 0x400 bytes after rB is set, followed by the guarded CpuDeadLoop call.
 */
function pointerGuard(img: XipImage): { compare: number; call: number; loop: number; reg: number } | undefined {
  const b = img.image;
  for (const ptr of platformInfoPointers(img)) {
    const want = ptr.bias + PLATFORM_INFO_S3_SUPPORTED;
    for (let p = ptr.end; p < ptr.end + 0x400 && p + 4 <= b.length; p++) {
      const cmp = cmpByteZero(b, p, ptr.reg);
      if (cmp === undefined || cmp.disp !== want) continue;
      const hit = guardedDeadLoopCall(b, cmp.end);
      if (hit !== undefined) return { compare: p, call: hit.call, loop: hit.loop, reg: ptr.reg };
    }
  }
  return undefined;
}

/**
 * S3Verification's dead loop in PEIFV's PlatformPei (see the module comment), or undefined: no
 * SmmAccessPei (no SMM_REQUIRE), no PlatformPei, not X64, no such call (IA32 PEI,
 * edk2-stable202308 and later), or the S3Supported global not found.
 */
export function findS3DeadLoop(peiFv: MemoryFv): S3DeadLoop | undefined {
  if (findFileByGuid(peiFv.volume, SMM_ACCESS_PEI_FILE_GUID) === undefined) return undefined;
  return findS3VerificationCode(peiFv);
}

/**
 * S3Verification's compare and CpuDeadLoop call in an X64 PlatformPei whether or not the build
 * has SMM: a build without SMM_REQUIRE holds the same code (SmmSmramRequire is a field tested at
 * run time), never taken. findS3DeadLoop is this for builds with SmmAccessPei.
 */
export function findS3VerificationCode(peiFv: MemoryFv): S3DeadLoop | undefined {
  const file = findFileByGuid(peiFv.volume, PLATFORM_PEI_FILE_GUID);
  const pe32 = file?.sections?.find((s) => s.type === EFI_SECTION.PE32);
  if (pe32 === undefined) return undefined;
  let img: XipImage;
  let data: { start: number; end: number };
  try {
    const pe = parsePeImage(pe32.body);
    const d = pe.sections.find((s) => sectionName(s) === '.data');
    if (pe.fileHeader.machine !== X64 || d === undefined) return undefined;
    data = { start: d.virtualAddress, end: d.virtualAddress + d.virtualSize };
    img = {
      machine: pe.fileHeader.machine,
      imageBase: Number(pe.optionalHeader.imageBase),
      sections: pe.sections.map((s) => ({ name: sectionName(s), virtualAddress: s.virtualAddress, virtualSize: s.virtualSize })),
      image: pe32.body,
    };
  } catch {
    return undefined; // not a PE image PlatformPei's model reads either (peifv.ts says so)
  }
  const peOffsetInFv = pe32.offset + pe32.headerSize - peiFv.volume.offset;
  const s3 = s3SupportedGlobal(img, data);
  if (s3 === undefined) {
    const hit = pointerGuard(img);
    if (hit === undefined) return undefined;
    const global = 'PlatformInfoHob->S3Supported';
    return {
      callAt: peOffsetInFv + hit.call,
      deadLoopAt: peOffsetInFv + hit.loop,
      compareAt: peOffsetInFv + hit.compare,
      s3SupportedAt: undefined,
      global,
      evidence: `PlatformPei (X64) calls CpuDeadLoop (PEIFV+${hex(peOffsetInFv + hit.loop)}) at PEIFV+${hex(peOffsetInFv + hit.call)} when ${global} (the HOB GetFirstGuidHob (&gUefiOvmfPkgPlatformInfoGuid) returned, kept in ${REG_NAMES[hit.reg] ?? '?'}, compared at PEIFV+${hex(peOffsetInFv + hit.compare)}) is set`,
    };
  }
  const guards = scanMemRefs(img).filter((r) => r.kind === 'cmp-imm' && r.size === 1 && r.imm === 0 && r.target === s3.rva);
  for (const g of guards) {
    const hit = guardedDeadLoopCall(img.image, g.end);
    if (hit === undefined) continue;
    return {
      callAt: peOffsetInFv + hit.call,
      deadLoopAt: peOffsetInFv + hit.loop,
      compareAt: peOffsetInFv + g.at,
      s3SupportedAt: peOffsetInFv + s3.rva,
      global: s3.global,
      evidence: `PlatformPei (X64) calls CpuDeadLoop (PEIFV+${hex(peOffsetInFv + hit.loop)}) at PEIFV+${hex(peOffsetInFv + hit.call)} when ${s3.global} (PEIFV+${hex(peOffsetInFv + s3.rva)}, compared at PEIFV+${hex(peOffsetInFv + g.at)}) is set`,
    };
  }
  return undefined;
}

/** How a VM is run without S3: what the refusal tells the user. */
export const S3_DISABLED_HOW = "QEMU -global ICH9-LPC.disable_s3=1 (pc: PIIX4_PM.disable_s3=1), libvirt <pm><suspend-to-mem enabled='no'/></pm>";

/**
 * Throws VmNotBootableError when `peiFv`'s PlatformPei dead-loops on a VM that offers S3 (`s3`):
 * such a VM never gets past PEI (no measurement, no boot), so nothing is predicted or captured.
 */
export function refuseS3DeadLoop(peiFv: MemoryFv, s3: boolean): void {
  if (!s3) return;
  const loop = findS3DeadLoop(peiFv);
  if (loop === undefined) return;
  throw new VmNotBootableError(
    'S3_DEAD_LOOP',
    `this X64-PEI SMM build never boots on a VM that offers S3: PlatformPei's S3Verification ("S3Resume2Pei doesn't support X64 PEI + SMM yet", edk2 before edk2-stable202308) stops in CpuDeadLoop before Tcg2Pei measures anything (${loop.evidence}); run the VM with S3 disabled (${S3_DISABLED_HOW})`
  );
}
