/**
 * MpInitLib's and CpuMpPei's page allocations of an IA32 PEI (OvmfPkgIa32X64: 32-bit PEI, X64
 * DXE) from edk2-stable202508, then SmmRelocationLib's stack page; the X64 form is
 * smm-pei-pages.ts's mpTail. Which allocations exist is read from CpuMpPei's code
 * (cpu-mp-pei-facts-ia32.ts), each from the edk2 source:
 * - MpInitLib's buffer (MpLib.c MpInitLibInitialize), counted exactly: the AP stacks (one more
 *   for alignment), the monitor filters (4 bytes per CPU: PcdCpuApLoopMode HLT), the reset vector
 *   below 1 MiB (ALIGN_VALUE (ModeTransitionOffset, 4) + sizeof (MP_CPU_EXCHANGE_INFO), 93 packed
 *   bytes on IA32), aligned to 8, then the BSP's IDT copy (SEC's IDT, 8-byte gates:
 *   OvmfPkg/Sec/SecMain.c's SEC_IDT_ENTRY_COUNT 34 to edk2-stable202602, X86_CPU_INTERRUPT_NUM 256
 *   from 202605, "OvmfPkg: SEC/SMM: Use 256 IDT Descriptors", with CpuMpPei's 256 vectors of
 *   "UefiCpuPkg: Set up 256 IDT Descs": told by CpuMpPei's vector count), CPU_MP_DATA (968 bytes
 *   on IA32 with -malign-double: its MTRR_SETTINGS alone 608) and per CPU CPU_AP_DATA (144) and the
 *   packed CPU_INFO_IN_HOB (20). With 256 vectors the 0x800-byte IDT still fits in the page after
 *   the stacks up to 4 CPUs (X64's 0x1000 does not).
 * - The AP code above 1 MiB (AllocateCodePage, one page), but no page table: IA32 PEI runs with
 *   paging off (SEC leaves CR0.PG clear), so MpLib.c skips RemoveNxProtection and
 *   ApplyRoProtection, which only allocate when CR0.PG is set (edk2-stable202508 on).
 * - Unless PeiMpLib.c InitMpGlobalData prepares the AP loop only on S3 (edk2-stable202511 on):
 *   PrepareApLoopCode's buffer (ACPI NVS: 128 bytes of AP safe stack per CPU rounded up to a page,
 *   and the loop code's page); IA32's CreatePageTable allocates nothing.
 * - CpuMpPei.c InitializeMpExceptionStackSwitchHandlers (every boot from edk2-stable202511): a
 *   page of EXCEPTION_STACK_SWITCH_CONTEXT (three 4-byte fields on IA32), freed again, then every
 *   started CPU's buffer in one allocation (Ia32/ArchExceptionHandler.c ArchSetupExceptionStack:
 *   the PcdCpuStackSwitchExceptionList's 2 known-good stacks of PcdCpuKnownGoodStackSize 2 KiB,
 *   an IA32_TSS_DESCRIPTOR (8 bytes) for alignment, a copy of the reset vector's 64-byte GDT
 *   (UefiCpuPkg/ResetVector/Vtf0/Ia16/Real16ToFlat32.asm: 8 descriptors), 3 TSS descriptors of
 *   8 bytes and 3 IA32_TASK_STATE_SEGMENTs of 0x68 bytes: the current task's and one per
 *   stack-switch exception).
 */
import type { MachineDescription } from '../machine.ts';
import type { CpuMpPeiFactsIa32 } from './cpu-mp-pei-facts-ia32.ts';
import type { PeiPageAllocation } from './smm-pei-pages.ts';

/**
 * IA32 PEI releases after edk2-stable202505 (OvmfPkgIa32X64 SMM builds): `modelled` from their
 * source (this file, pei-hob-list-202511-ia32.ts), `checked` those a real boot checked (each of
 * them, by local builds' boots: test/vectors/smm-relocation/local-edk2-ia32x64.json); a release
 * modelled but not checked stays INCOMPLETE, whatever its code reads.
 */
export const IA32_PEI_RELEASES = { modelled: [202508, 202511, 202602, 202605] as readonly number[], checked: [202508, 202511, 202602, 202605] as readonly number[] } as const;

/**
 * Why CpuMpPei's code facts (the allocations are derived from them) disagree with what the
 * release's source says, or undefined when they agree: the AP loop buffer only on S3 and the
 * exception stacks from edk2-stable202511, 256 vectors from 202605. The IA32 readers were checked
 * on Debian trixie's 2025.02 OVMF32 (neither) and the local GCC 12 builds of 202508 (neither, 32
 * vectors), 202602 (both, 32 vectors) and 202605 (both, 256 vectors), their boots' HOBs agreeing; a reader missing its
 * pattern in another compiler's code then leaves the prediction INCOMPLETE instead of deriving
 * 202502's pages.
 */
export function ia32MpFactsDisagree(release: number, vectors: number, mp: Exclude<CpuMpPeiFactsIa32, string>): string | undefined {
  const from202511 = release >= 202511;
  const want = { apLoopOnS3Only: from202511, exceptionStacks: from202511, vectors: release >= 202605 ? 256 : 32 };
  const got = { apLoopOnS3Only: mp.apLoopOnS3Only, exceptionStacks: mp.exceptionStacks, vectors };
  const off = (Object.keys(want) as (keyof typeof want)[]).filter((k) => want[k] !== got[k]);
  return off.length === 0 ? undefined : `CpuMpPei's IA32 code reads ${off.map((k) => `${k} ${String(got[k])}`).join(', ')}, edk2-stable${release}'s source ${off.map((k) => String(want[k])).join(', ')}`;
}

const PAGE = 0x1000;
/** SEC's IDT entries (OvmfPkg/Sec/SecMain.c) when CpuMpPei sets up 32 vectors (SEC_IDT_ENTRY_COUNT), and with 256 (X86_CPU_INTERRUPT_NUM). */
const SEC_IDT_ENTRIES_32 = 34;
const IA32_IDT_GATE = 8;
/** MpLib.h on IA32 (-malign-double, UINTN 4): sizeof (CPU_MP_DATA), CPU_AP_DATA, the packed CPU_INFO_IN_HOB and MP_CPU_EXCHANGE_INFO. */
const CPU_MP_DATA_IA32 = 968;
const CPU_AP_DATA_IA32 = 144;
const CPU_INFO_IN_HOB = 20;
const MP_CPU_EXCHANGE_INFO_IA32 = 93;
/** MpLib.c GetApLoopMode: HLT loop (PcdCpuApLoopMode 1), MonitorFilterSize = sizeof (UINT32). */
const MONITOR_FILTER_SIZE = 4;
const AP_SAFE_STACK_SIZE = 128;
/** sizeof (EXCEPTION_STACK_SWITCH_CONTEXT) on IA32: Buffer, BufferSize, Status. */
const STACK_SWITCH_CONTEXT_SIZE_IA32 = 12;
/** The stack-switch exceptions (PcdCpuStackSwitchExceptionList: #DF, #PF) and their stacks (PcdCpuKnownGoodStackSize). */
const STACK_SWITCH_EXCEPTIONS = 2;
const KNOWN_GOOD_STACK = 2048;
/** The reset vector's GDT (limit 0x3F). */
const RESET_VECTOR_GDT_BYTES = 0x40;
const IA32_TSS_DESCRIPTOR = 8;
const IA32_TASK_STATE_SEGMENT = 0x68;
/** Ia32 ArchSetupExceptionStack's NeedBufferSize per CPU. */
export const EXCEPTION_STACK_BYTES_PER_CPU_IA32 =
  STACK_SWITCH_EXCEPTIONS * KNOWN_GOOD_STACK + IA32_TSS_DESCRIPTOR + RESET_VECTOR_GDT_BYTES +
  (STACK_SWITCH_EXCEPTIONS + 1) * IA32_TSS_DESCRIPTOR + (STACK_SWITCH_EXCEPTIONS + 1) * IA32_TASK_STATE_SEGMENT;

const pagesOf = (bytes: number): number => Math.ceil(bytes / PAGE);
const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** MpInitLibInitialize's BufferSize on IA32 for `maxCpus` possible CPUs, `vectors` CpuMpPei vectors and AsmGetAddressMap's ModeTransitionOffset. */
export function mpInitLibBufferBytesIa32(apStackSize: number, maxCpus: number, vectors: number, modeTransitionOffset: number): number {
  const secIdt = (vectors > 32 ? 256 : SEC_IDT_ENTRIES_32) * IA32_IDT_GATE;
  const below1Mb = align(modeTransitionOffset, 4) + MP_CPU_EXCHANGE_INFO_IA32;
  return align(apStackSize * (maxCpus + 1) + MONITOR_FILTER_SIZE * maxCpus + below1Mb, 8) + secIdt + CPU_MP_DATA_IA32 + (CPU_AP_DATA_IA32 + CPU_INFO_IN_HOB) * maxCpus;
}

/** The IA32 allocations from MpInitLib's buffer to SmmRelocationLib's stack, as CpuMpPei's code says (`mp`), for its `vectors` IDT entries. */
export function mpTailIa32(m: MachineDescription, apStackSize: number, vectors: number, mp: Exclude<CpuMpPeiFactsIa32, string>): PeiPageAllocation[] {
  const maxCpus = m.maxCpus ?? m.cpus;
  const out: PeiPageAllocation[] = [
    { what: 'MpInitLib buffer', pages: pagesOf(mpInitLibBufferBytesIa32(apStackSize, maxCpus, vectors, mp.modeTransitionOffset)) },
    { what: 'MpInitLib AP code above 1 MiB', pages: 1 },
  ];
  if (!mp.apLoopOnS3Only) out.push({ what: 'MpInitLib AP loop buffer (ACPI NVS)', pages: pagesOf(m.cpus * AP_SAFE_STACK_SIZE) + 1 });
  if (mp.exceptionStacks) {
    out.push(
      { what: 'CpuMpPei stack-switch contexts (freed)', pages: pagesOf(m.cpus * STACK_SWITCH_CONTEXT_SIZE_IA32) },
      { what: 'CpuMpPei exception stacks, GDTs and TSSs', pages: pagesOf(m.cpus * EXCEPTION_STACK_BYTES_PER_CPU_IA32) }
    );
  }
  out.push({ what: 'SmmRelocationLib SMM init stack', pages: 1 });
  return out;
}
