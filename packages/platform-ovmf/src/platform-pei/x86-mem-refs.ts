/**
 * The few x86 instruction forms by which a XIP PEIM's code reads and writes its own globals:
 * an absolute address on IA32 (`[disp32]`, ModRM mod=00 r/m=101, or the `A1`/`A3` moffs forms)
 * and a RIP-relative one on X64 (the same ModRM, disp32 relative to the next instruction).
 * The scan is byte-wise, so a hit may be a misaligned decode; callers only trust a hit whose
 * target lies in `.data` and whose immediate or neighbourhood is the one they look for.
 */
import { parsePeImage, sectionName } from '@tcg2sim/uefi';
import type { PeImage } from '@tcg2sim/uefi';
import type { XipImage } from './locate.ts';

export const I386 = 0x014c;
export const X64 = 0x8664;

/** A PEIM's PE image and its `.data` section (where its globals live); undefined when `body` is no PE image or has no `.data`. */
export function peWithData(body: Uint8Array): { readonly pe: PeImage; readonly data: PeImage['sections'][number] } | undefined {
  let pe: PeImage;
  try {
    pe = parsePeImage(body);
  } catch {
    return undefined;
  }
  const data = pe.sections.find((s) => sectionName(s) === '.data');
  return data === undefined ? undefined : { pe, data };
}

/** What an instruction does with the global. */
export type MemRefKind = 'mov-imm' | 'cmp-imm' | 'store-reg' | 'load-reg';

/** One reference to a global: where the instruction is, its target (RVA), operand size. */
export interface MemRef {
  readonly at: number;
  /** Offset just after the instruction. */
  readonly end: number;
  /** Image-relative address (RVA = offset in a XIP image) of the global. */
  readonly target: number;
  readonly kind: MemRefKind;
  /** Operand size in bytes (1, 2, 4, 8). */
  readonly size: number;
  readonly imm?: number;
  /** Register number (0-15) of store-reg / load-reg. */
  readonly reg?: number;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}

function immOf(b: Uint8Array, at: number, size: number): number {
  if (size === 1) return b[at] ?? 0;
  if (size === 2) return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
  return u32(b, at);
}

/** Every global reference of the supported forms, in code order. */
export function scanMemRefs(img: XipImage): MemRef[] {
  const b = img.image;
  const x64 = img.machine === X64;
  const out: MemRef[] = [];
  const target = (dispAt: number, end: number): number => (x64 ? end + (u32(b, dispAt) | 0) : u32(b, dispAt) - img.imageBase);
  for (let i = 0; i + 6 <= b.length; i++) {
    let p = i;
    let opSize16 = false;
    let rexW = false;
    let rexR = 0;
    if (b[p] === 0x66) {
      opSize16 = true;
      p++;
    }
    if (x64 && ((b[p] ?? 0) & 0xf0) === 0x40) {
      rexW = ((b[p] ?? 0) & 8) !== 0;
      rexR = ((b[p] ?? 0) & 4) !== 0 ? 8 : 0;
      p++;
    }
    const op = b[p] ?? 0;
    const modrm = b[p + 1] ?? 0;
    const wide = rexW ? 8 : opSize16 ? 2 : 4;
    if (!x64 && op >= 0xa0 && op <= 0xa3 && !rexW) {
      // moffs forms: A0/A1 load AL/eAX, A2/A3 store AL/eAX.
      const end = p + 5;
      const size = op === 0xa0 || op === 0xa2 ? 1 : opSize16 ? 2 : 4;
      out.push({ at: i, end, target: u32(b, p + 1) - img.imageBase, kind: op >= 0xa2 ? 'store-reg' : 'load-reg', size, reg: 0 });
      continue;
    }
    if ((modrm & 0xc7) !== 0x05) continue;
    const reg = (modrm >> 3) & 7;
    const dispAt = p + 2;
    let ref: MemRef | undefined;
    if (op === 0xc6 && reg === 0) {
      const end = dispAt + 5;
      ref = { at: i, end, target: target(dispAt, end), kind: 'mov-imm', size: 1, imm: b[dispAt + 4] ?? 0 };
    } else if (op === 0xc7 && reg === 0) {
      const n = opSize16 ? 2 : 4;
      const end = dispAt + 4 + n;
      ref = { at: i, end, target: target(dispAt, end), kind: 'mov-imm', size: wide, imm: immOf(b, dispAt + 4, n) };
    } else if (op === 0x80 && reg === 7) {
      const end = dispAt + 5;
      ref = { at: i, end, target: target(dispAt, end), kind: 'cmp-imm', size: 1, imm: b[dispAt + 4] ?? 0 };
    } else if (op === 0x81 && reg === 7) {
      const n = opSize16 ? 2 : 4;
      const end = dispAt + 4 + n;
      ref = { at: i, end, target: target(dispAt, end), kind: 'cmp-imm', size: wide, imm: immOf(b, dispAt + 4, n) };
    } else if (op === 0x83 && reg === 7) {
      const end = dispAt + 5;
      ref = { at: i, end, target: target(dispAt, end), kind: 'cmp-imm', size: wide, imm: b[dispAt + 4] ?? 0 };
    } else if (op === 0x88 || op === 0x89 || op === 0x8b) {
      const end = dispAt + 4;
      ref = { at: i, end, target: target(dispAt, end), kind: op === 0x8b ? 'load-reg' : 'store-reg', size: op === 0x88 ? 1 : wide, reg: reg + rexR };
    }
    if (ref !== undefined) out.push(ref);
  }
  return out;
}

/** Offsets of `needle` in `b`. */
export function findBytes(b: Uint8Array, needle: readonly number[]): number[] {
  const hits: number[] = [];
  outer: for (let i = 0; i + needle.length <= b.length; i++) {
    for (let k = 0; k < needle.length; k++) if (b[i + k] !== needle[k]) continue outer;
    hits.push(i);
  }
  return hits;
}
