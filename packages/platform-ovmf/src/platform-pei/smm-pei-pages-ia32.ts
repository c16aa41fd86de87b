/**
 * MpInitLib's and CpuMpPei's page allocations of an IA32 PEI (OvmfPkgIa32X64: 32-bit PEI, X64
 * DXE) from edk2-stable202511, then SmmRelocationLib's stack page; the X64 form is
 * smm-pei-pages.ts's mpTail. What differs from X64, each from the edk2-stable202511 source:
 * - MpInitLib's buffer (MpLib.c MpInitLibInitialize): the AP stacks (one more for alignment),
 *   then in its last page the BSP's IDT copy with 8-byte IA32 gate descriptors (CpuMpPei's
 *   vector count × 8: 32 vectors take 0x100 bytes), CPU_MP_DATA and the per-CPU data, which fit
 *   in one page up to 4 CPUs (smm-pei-pages.ts checks no more).
 * - The AP code above 1 MiB (AllocateCodePage, one page), but no page table: IA32 PEI runs with
 *   paging off (SEC leaves CR0.PG clear), so MpLib.c skips RemoveNxProtection and
 *   ApplyRoProtection, which only allocate when CR0.PG is set.
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
import type { PeiPageAllocation } from './smm-pei-pages.ts';

const PAGE = 0x1000;
/** The IDT copy's 32 IA32 gate descriptors (8 bytes each) that share MpInitLib's last buffer page with CPU_MP_DATA. */
const BASE_IDT_BYTES_IA32 = 32 * 8;
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

/** The IA32 allocations from MpInitLib's buffer to SmmRelocationLib's stack, for `vectors` IDT entries (CpuMpPei's). */
export function mpTailIa32(m: MachineDescription, apStackSize: number, vectors: number): PeiPageAllocation[] {
  const maxCpus = m.maxCpus ?? m.cpus;
  return [
    { what: 'MpInitLib buffer', pages: pagesOf(apStackSize * (maxCpus + 1)) + 1 + pagesOf(Math.max(0, vectors * 8 - BASE_IDT_BYTES_IA32)) },
    { what: 'MpInitLib AP code above 1 MiB', pages: 1 },
    { what: 'CpuMpPei stack-switch contexts (freed)', pages: pagesOf(m.cpus * STACK_SWITCH_CONTEXT_SIZE_IA32) },
    { what: 'CpuMpPei exception stacks, GDTs and TSSs', pages: pagesOf(m.cpus * EXCEPTION_STACK_BYTES_PER_CPU_IA32) },
    { what: 'SmmRelocationLib SMM init stack', pages: 1 },
  ];
}
