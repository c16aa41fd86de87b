/**
 * PeiCore's copy of OvmfPkg's AcpiTimerLib global (`mAcpiTimerIoAddr`, the ACPI PM timer port),
 * which later releases (Debian trixie's 2025.02) link into PeiCore. PeiCore executes in place
 * from PEIFV before permanent memory, so the library's constructor writes the port into PEIFV
 * before Tcg2Pei measures it: PMBASE + ACPI_TIMER_OFFSET (8), with PMBASE the value the
 * constructor itself programs (OvmfPkg/Include/OvmfPlatforms.h: ICH9 0x0600 on q35, PIIX4 0xB000
 * on pc). Checked against guest RAM of a real trixie boot: these four bytes are the only
 * difference between the decompressed PEIFV and the one measured.
 *
 * Found by code, not symbols: the constructor's Cloud Hypervisor branch stores the constant
 * 0x608 into the global (`mov dword [rip+disp32], 0x608` on X64: C7 05 disp32 08 06 00 00;
 * `mov dword [abs32], 0x608` on IA32: C7 05 abs32 08 06 00 00), and the Q35/PIIX4 branch stores
 * `PMBASE + 8` into the same address (`add r32, 8` followed by a store to it); or, X64, both
 * branches end in one store (`mov r32, 0x608; jmp` to `lea r32, [r + 8]; mov [rip+disp32], r32`).
 * GCC 12's IA32 PeiCore of edk2-stable202511 (OvmfPkgIa32X64) shares one store the same way:
 * `mov eax, 0x608; jmp` and `lea eax, [r32 + 8]` both reach `mov [abs32], eax` (ia32SharedStore);
 * the global is written before Tcg2Pei measures PEIFV there too (the only byte difference of a
 * real boot's PEIFV once SmmRelocationLib's writes are modelled).
 */
import { EFI_SECTION } from '@tcg2sim/uefi';
import type { MachineDescription } from '../machine.ts';
import type { MemoryFv } from '../sec.ts';
import { PEI_CORE_FILE_GUID } from '../boot/firmware-arch.ts';
import { I386, X64, peWithData } from './x86-mem-refs.ts';

/** PMBASE + ACPI_TIMER_OFFSET as OvmfPkg's AcpiTimerLib computes it, per machine. */
export const ACPI_TIMER_PORT: Readonly<Record<'q35' | 'pc', number>> = { q35: 0x0600 + 8, pc: 0xb000 + 8 };

function u32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}

/** Where the global sits in PEIFV, when PeiCore has it. */
export interface AcpiTimerGlobal {
  readonly offsetInFv: number;
  readonly evidence: string;
}

/**
 * The offset in PEIFV of PeiCore's `mAcpiTimerIoAddr`, or undefined when PeiCore has no such
 * global (edk2-stable202211: it uses the ROM-safe timer library without one).
 */
export function locatePeiCoreAcpiTimer(peiFv: MemoryFv): AcpiTimerGlobal | undefined {
  const file = peiFv.volume.files.find((f) => f.guid === PEI_CORE_FILE_GUID);
  const pe32 = file?.sections?.find((s) => s.type === EFI_SECTION.PE32);
  if (pe32 === undefined) return undefined;
  const xip = peWithData(pe32.body);
  if (xip === undefined) return undefined;
  const { pe, data } = xip;
  const machine = pe.fileHeader.machine;
  if (machine !== X64 && machine !== I386) return undefined;
  const imageBase = Number(pe.optionalHeader.imageBase);
  const b = pe32.body;
  const found = new Set<number>();
  for (let i = 0; i + 10 <= b.length; i++) {
    if (b[i] !== 0xc7 || b[i + 1] !== 0x05 || u32(b, i + 6) !== 0x608) continue;
    // XIP images: RVA = offset in the image (file alignment = section alignment).
    const rva = machine === X64 ? i + 10 + (u32(b, i + 2) | 0) : u32(b, i + 2) - imageBase;
    if (rva >= data.virtualAddress && rva + 4 <= data.virtualAddress + data.virtualSize) found.add(rva);
  }
  if (found.size === 0 && machine === X64) {
    const merged = mergedStoreX64(b, data);
    if (merged === undefined) return undefined;
    const offsetInFv = pe32.offset + pe32.headerSize - peiFv.volume.offset + merged;
    return { offsetInFv, evidence: `PeiCore's AcpiTimerLib global (0x608 or PMBASE+8, one store) at PEIFV+0x${offsetInFv.toString(16)}` };
  }
  if (found.size === 0 && machine === I386) {
    const rva = ia32SharedStore(b, imageBase, data.virtualAddress, data.virtualAddress + data.virtualSize);
    if (rva === undefined) return undefined;
    const offsetInFv = pe32.offset + pe32.headerSize - peiFv.volume.offset + rva;
    return { offsetInFv, evidence: `PeiCore's AcpiTimerLib global (mov eax, 0x608 and lea eax, [PMBASE+8] into one store) at PEIFV+0x${offsetInFv.toString(16)}` };
  }
  if (found.size !== 1) return undefined;
  const rva = [...found][0] ?? 0;
  // The PMBASE + 8 store to the same global: `add r32, 8` (83 C0+r 08), then within a few
  // instructions `mov [rip+disp32], r32` (89 modrm(00 r 101) disp32) on X64 or `mov [abs32], r32`.
  let corroborated = false;
  for (let i = 0; i + 3 <= b.length && !corroborated; i++) {
    if (b[i] !== 0x83 || ((b[i + 1] ?? 0) & 0xf8) !== 0xc0 || b[i + 2] !== 0x08) continue;
    const reg = (b[i + 1] ?? 0) & 7;
    for (let j = i + 3; j < i + 24 && j + 6 <= b.length; j++) {
      if (b[j] !== 0x89 || b[j + 1] !== (0x05 | (reg << 3))) continue;
      const target = machine === X64 ? j + 6 + (u32(b, j + 2) | 0) : u32(b, j + 2) - imageBase;
      if (target === rva) corroborated = true;
    }
  }
  if (!corroborated) return undefined;
  const offsetInFv = pe32.offset + pe32.headerSize - peiFv.volume.offset + rva;
  return { offsetInFv, evidence: `PeiCore's AcpiTimerLib global (stores 0x608 and PMBASE+8) at PEIFV+0x${offsetInFv.toString(16)}` };
}

/**
 * X64 code where both branches share one store (a local edk2-stable202508 RELEASE build's PeiCore):
 * `mov r32, 0x608` (B8+r imm32) then `jmp` (EB rel8 / E9 rel32) to `mov [rip+disp32], r32`, whose
 * other way in is `lea r32, [r32' + 8]` (8D, ModRM mod 01, disp8 8) right before it. The RVA of
 * the global in .data, or undefined.
 */
function mergedStoreX64(b: Uint8Array, data: { readonly virtualAddress: number; readonly virtualSize: number }): number | undefined {
  const found = new Set<number>();
  for (let i = 0; i + 7 <= b.length; i++) {
    const reg = (b[i] ?? 0) - 0xb8;
    if (reg < 0 || reg > 7 || u32(b, i + 1) !== 0x608) continue;
    const j = i + 5;
    const store = b[j] === 0xeb ? j + 2 + (((b[j + 1] ?? 0) << 24) >> 24) : b[j] === 0xe9 ? j + 5 + (u32(b, j + 1) | 0) : -1;
    if (store < 3 || store + 6 > b.length || b[store] !== 0x89 || b[store + 1] !== (0x05 | (reg << 3))) continue;
    const lea = store - 3;
    if (b[lea] !== 0x8d || ((b[lea + 1] ?? 0) & 0xf8) !== (0x40 | (reg << 3)) || ((b[lea + 1] ?? 0) & 7) === 4 || b[lea + 2] !== 0x08) continue;
    const rva = store + 6 + (u32(b, store + 2) | 0);
    if (rva >= data.virtualAddress && rva + 4 <= data.virtualAddress + data.virtualSize) found.add(rva);
  }
  return found.size === 1 ? [...found][0] : undefined;
}

/** Writes the PM timer port into `bytes` (PEIFV) where PeiCore keeps it; returns a note or undefined. */
export function applyPeiCoreAcpiTimer(bytes: Uint8Array, peiFv: MemoryFv, machine: MachineDescription): string | undefined {
  const g = locatePeiCoreAcpiTimer(peiFv);
  if (g === undefined) return undefined;
  const port = ACPI_TIMER_PORT[machine.machine];
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(g.offsetInFv, port, true);
  return `${g.evidence} = 0x${port.toString(16)}`;
}

/**
 * The IA32 form where both branches share one store (GCC 12, edk2-stable202511's OvmfPkgIa32X64
 * PeiCore): `mov eax, 0x608` (B8 08 06 00 00) then `jmp` to `mov [abs32], eax` (A3 abs32), which
 * the PMBASE branch reaches after `lea eax, [r32 + 8]` (8D 40+r 08). The store's RVA, when
 * exactly one such store into `.data` is found.
 */
function ia32SharedStore(b: Uint8Array, imageBase: number, dataStart: number, dataEnd: number): number | undefined {
  const found = new Set<number>();
  for (let i = 0; i + 7 <= b.length; i++) {
    if (b[i] !== 0xb8 || u32(b, i + 1) !== 0x608) continue;
    let target: number | undefined;
    if (b[i + 5] === 0xe9 && i + 10 <= b.length) target = i + 10 + (u32(b, i + 6) | 0);
    else if (b[i + 5] === 0xeb) target = i + 7 + (((b[i + 6] ?? 0) << 24) >> 24);
    if (target === undefined || target < 0) continue;
    for (let j = target; j < target + 16 && j + 5 <= b.length; j++) {
      if (b[j] !== 0xa3) continue;
      const rva = u32(b, j + 1) - imageBase;
      if (rva < dataStart || rva + 4 > dataEnd) continue;
      // The PMBASE branch: lea eax, [r32 + 8] shortly before the same store.
      for (let k = Math.max(0, j - 24); k + 3 <= j; k++) {
        if (b[k] === 0x8d && ((b[k + 1] ?? 0) & 0xf8) === 0x40 && b[k + 2] === 0x08) found.add(rva);
      }
      break;
    }
  }
  return found.size === 1 ? [...found][0] : undefined;
}
