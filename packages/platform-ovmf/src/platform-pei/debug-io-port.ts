/**
 * DEBUG builds (e.g. the unRAID 2020 build): OvmfPkg's PlatformDebugLibIoPort caches whether
 * QEMU's debug console answers at PcdDebugIoPort (reading the port gives 0xE9) in two globals of
 * each module that prints: `mDebugIoPortFound` and `mDebugIoPortFoundChecked`. PeiCore and
 * PlatformPei print while they execute in place from PEIFV, before permanent memory (PEIMs
 * dispatched later are shadowed to RAM), so their copies are written into PEIFV before Tcg2Pei
 * measures it: checked = 1, found = 0 on a VM without `-debugcon` (the VMs tcg2sim models). Seen
 * in guest RAM of a real boot of that build: exactly these bytes in PeiCore and PlatformPei.
 *
 * Found by code: the module holds `cmp al, 0xE9; sete al` (the port probe) and the store pair
 * `mov byte [checked], 1; mov [found], al` to adjacent `.data` bytes; or (builds with the
 * confidential-computing probe, e.g. github.com/stultusverus/si-stultum's 2022-05 DEBUG build)
 * `mov byte [checked], 1` and `cmp al, 0xE9` (either order), then `sete byte [found]`, the
 * stores rip-relative (X64) or absolute (IA32). Seen in that build's guest RAM: PeiCore's and PlatformPei's checked bytes 1.
 */
import { EFI_SECTION } from '@tcg2sim/uefi';
import type { FfsFile } from '@tcg2sim/uefi';
import type { MemoryFv } from '../sec.ts';
import { findBytes, peWithData, scanMemRefs, X64 } from './x86-mem-refs.ts';

const PROBE = [0x3c, 0xe9, 0x0f, 0x94, 0xc0];
/** PeiCore and PlatformPei FILE_GUIDs: the modules that print before permanent memory. */
const PRE_MEMORY_PRINTERS = ['52C05B14-0B98-496C-BC3B-04B50211D680', '222C386D-5ABC-4FB4-B124-FBB82488ACF4'] as const;

/** Offsets in PEIFV of one module's two flags. */
export interface DebugIoPortFlags {
  readonly module: string;
  readonly checked: number;
  readonly found: number;
}

/**
 * `mov byte [m32], 1` and `cmp al, 0xE9` (either order), then `sete byte [m32]`: the two targets
 * as RVAs (adjacent bytes), or undefined.
 */
function setFlagsForm(body: Uint8Array, x64: boolean, imageBase: number): { checked: number; found: number } | undefined {
  const i32 = (at: number): number => new DataView(body.buffer, body.byteOffset + at, 4).getInt32(0, true);
  const movAt = (m: number): boolean => m >= 0 && body[m] === 0xc6 && body[m + 1] === 0x05 && body[m + 6] === 1;
  for (const i of findBytes(body, [0x0f, 0x94, 0x05])) {
    if (i < 9 || i + 7 > body.length) continue;
    const cmpFirst = body[i - 9] === 0x3c && body[i - 8] === 0xe9 && movAt(i - 7);
    const movFirst = movAt(i - 9) && body[i - 2] === 0x3c && body[i - 1] === 0xe9;
    if (!cmpFirst && !movFirst) continue;
    const m = cmpFirst ? i - 7 : i - 9;
    const checked = x64 ? m + 7 + i32(m + 2) : (i32(m + 2) >>> 0) - imageBase;
    const found = x64 ? i + 7 + i32(i + 3) : (i32(i + 3) >>> 0) - imageBase;
    if (Math.abs(checked - found) === 1) return { checked, found };
  }
  return undefined;
}

function flagsOf(file: FfsFile, fvOffset: number): DebugIoPortFlags | undefined {
  const pe32 = file.sections?.find((s) => s.type === EFI_SECTION.PE32);
  if (pe32 === undefined) return undefined;
  const probe = findBytes(pe32.body, PROBE).length > 0;
  if (!probe && findBytes(pe32.body, [0x3c, 0xe9]).length === 0) return undefined;
  const xip = peWithData(pe32.body);
  if (xip === undefined) return undefined;
  const { pe, data } = xip;
  const base = pe32.offset + pe32.headerSize - fvOffset;
  const name = file.sections?.find((s) => s.type === EFI_SECTION.USER_INTERFACE)?.userInterface ?? file.guid;
  const inData = (t: number): boolean => t >= data.virtualAddress && t < data.virtualAddress + data.virtualSize;
  if (!probe) {
    const f = setFlagsForm(pe32.body, pe.fileHeader.machine === X64, Number(pe.optionalHeader.imageBase));
    return f !== undefined && inData(f.checked) && inData(f.found) ? { module: name, checked: base + f.checked, found: base + f.found } : undefined;
  }
  const img = { machine: pe.fileHeader.machine, imageBase: Number(pe.optionalHeader.imageBase), sections: [], image: pe32.body };
  const refs = scanMemRefs(img).filter((r) => inData(r.target));
  for (let k = 0; k + 1 < refs.length; k++) {
    const a = refs[k];
    const c = refs[k + 1];
    if (a === undefined || c === undefined) continue;
    if (a.kind === 'mov-imm' && a.size === 1 && a.imm === 1 && c.kind === 'store-reg' && c.size === 1 && c.reg === 0 && c.at === a.end && Math.abs(c.target - a.target) === 1) {
      return { module: name, checked: base + a.target, found: base + c.target };
    }
  }
  return undefined;
}

/** The flags of PeiCore and PlatformPei, where their images have them. */
export function locateDebugIoPortFlags(peiFv: MemoryFv): DebugIoPortFlags[] {
  const out: DebugIoPortFlags[] = [];
  for (const guid of PRE_MEMORY_PRINTERS) {
    const f = peiFv.volume.files.find((x) => x.guid === guid);
    const flags = f === undefined ? undefined : flagsOf(f, peiFv.volume.offset);
    if (flags !== undefined) out.push(flags);
  }
  return out;
}

/**
 * The caching probe: `mov edx|ecx, 0x402` or `mov dx, 0x402` (PcdDebugIoPort), `cmp al, 0xE9`
 * within 48 bytes after it, and `mov byte [m32], 1` within 32 bytes of the compare (the checked
 * flag). Fedora 38's PlatformRomDebugLibIoPort probes on every print and caches nothing.
 */
function hasCachingPortProbe(body: Uint8Array): boolean {
  const loads = [...findBytes(body, [0xba, 0x02, 0x04, 0x00, 0x00]), ...findBytes(body, [0xb9, 0x02, 0x04, 0x00, 0x00]), ...findBytes(body, [0x66, 0xba, 0x02, 0x04])];
  const cmps = findBytes(body, [0x3c, 0xe9]).filter((c) => loads.some((l) => c > l && c - l <= 48));
  const sets = findBytes(body, [0xc6, 0x05]).filter((m) => body[m + 6] === 1);
  return cmps.some((c) => sets.some((m) => Math.abs(m - c) <= 32));
}

/**
 * PeiCore or PlatformPei images that probe QEMU's debug console and cache the answer (the 0x402
 * port read compared with 0xE9, a byte set to 1) but whose two flags were not found: their writes into PEIFV are not understood, so
 * PCR0 is not predicted (the caller says INCOMPLETE). Empty when every probe's flags are known.
 */
export function unlocatedDebugIoPortFlags(peiFv: MemoryFv): string[] {
  const out: string[] = [];
  for (const guid of PRE_MEMORY_PRINTERS) {
    const f = peiFv.volume.files.find((x) => x.guid === guid);
    const pe32 = f?.sections?.find((s) => s.type === EFI_SECTION.PE32);
    if (f === undefined || pe32 === undefined || !hasCachingPortProbe(pe32.body) || flagsOf(f, peiFv.volume.offset) !== undefined) continue;
    out.push(f.sections?.find((s) => s.type === EFI_SECTION.USER_INTERFACE)?.userInterface ?? f.guid);
  }
  return out;
}

/** Writes checked = 1, found = 0 for each module; returns notes. */
export function applyDebugIoPortFlags(bytes: Uint8Array, peiFv: MemoryFv): string[] {
  return locateDebugIoPortFlags(peiFv).map((g) => {
    bytes[g.checked] = 1;
    bytes[g.found] = 0;
    return `${g.module}: PlatformDebugLibIoPort flags at PEIFV+0x${g.checked.toString(16)} (checked = 1), +0x${g.found.toString(16)} (found = 0: no -debugcon; a VM with QEMU's debug console at 0x402 is not modelled)`;
  });
}
