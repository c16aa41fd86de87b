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
 *
 * Found by code, not by release: a call to CpuDeadLoop (BaseLib's `volatile UINTN Index; for
 * (Index = 0; Index == 0;) CpuPause ();`: a small function whose loop is `pause; jmp back`)
 * guarded by `cmp byte [S3Supported], 0` and a conditional jump past the call, where
 * S3Supported is the global PlatformPei keeps it in: `mPlatformInfoHob.S3Supported`
 * (edk2-stable202211's EFI_HOB_PLATFORM_INFO in `.data`, locate.ts) or the pre-PlatformInitLib
 * `mS3Supported` (legacy-globals.ts). PlatformPei's other CpuDeadLoop calls (not a Q35 host
 * bridge, MemTypeInfo, SEV) are guarded by other values.
 */
import { EFI_SECTION, findFileByGuid, parsePeImage, sectionName } from '@tcg2sim/uefi';
import type { MemoryFv } from '../sec.ts';
import { VmNotBootableError } from '../errors.ts';
import { locatePlatformPeiGlobals, PlatformPeiLocateError } from './locate.ts';
import type { XipImage } from './locate.ts';
import { hasLegacyPlatformGlobals, locateLegacyPlatformGlobals } from './legacy-globals.ts';
import { scanMemRefs, X64 } from './x86-mem-refs.ts';
import { PLATFORM_PEI_FILE_GUID, SMM_ACCESS_PEI_FILE_GUID } from './peifv.ts';

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
  /** Where S3Supported is, as an offset in PEIFV, and which global it is. */
  readonly s3SupportedAt: number;
  readonly global: 'mPlatformInfoHob.S3Supported' | 'mS3Supported';
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
    // mov r, [rsp+disp8]: 8B, ModRM mod=01 r/m=100, SIB 0x24
    return body.some((x, k) => x === 0x8b && ((body[k + 1] ?? 0) & 0xc7) === 0x44 && body[k + 2] === 0x24);
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

/**
 * S3Verification's dead loop in PEIFV's PlatformPei (see the module comment), or undefined: no
 * SmmAccessPei (no SMM_REQUIRE), no PlatformPei, not X64, no such call (IA32 PEI,
 * edk2-stable202308 and later), or the S3Supported global not found.
 */
export function findS3DeadLoop(peiFv: MemoryFv): S3DeadLoop | undefined {
  if (findFileByGuid(peiFv.volume, SMM_ACCESS_PEI_FILE_GUID) === undefined) return undefined;
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
  const s3 = s3SupportedGlobal(img, data);
  if (s3 === undefined) return undefined;
  const b = img.image;
  const peOffsetInFv = pe32.offset + pe32.headerSize - peiFv.volume.offset;
  const guards = scanMemRefs(img).filter((r) => r.kind === 'cmp-imm' && r.size === 1 && r.imm === 0 && r.target === s3.rva);
  for (const g of guards) {
    // the call within 0x80 bytes after the compare (a DEBUG build prints three lines first)
    for (let c = g.end; c + 5 <= b.length && c < g.end + 0x80; c++) {
      if (b[c] !== 0xe8) continue;
      const t = c + 5 + i32(b, c + 1);
      if (t < 0 || t >= b.length || !isDeadLoop(b, t) || !jumpsPast(b, g.end, c, c + 4)) continue;
      return {
        callAt: peOffsetInFv + c,
        deadLoopAt: peOffsetInFv + t,
        compareAt: peOffsetInFv + g.at,
        s3SupportedAt: peOffsetInFv + s3.rva,
        global: s3.global,
        evidence: `PlatformPei (X64) calls CpuDeadLoop (PEIFV+${hex(peOffsetInFv + t)}) at PEIFV+${hex(peOffsetInFv + c)} when ${s3.global} (PEIFV+${hex(peOffsetInFv + s3.rva)}, compared at PEIFV+${hex(peOffsetInFv + g.at)}) is set`,
      };
    }
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
