/**
 * Builds small, well-formed PE32/PE32+ files for tests (not a linker: sections hold arbitrary
 * bytes). The layout choices (raw-data order, trailing data, certificate table, data directory
 * count) are parameters so property tests can explore the quirks of the image hash.
 */
import { ByteWriter } from '@tcg2sim/binary-codec';

export interface PeSectionSpec {
  readonly name: string;
  readonly data: Uint8Array;
}

export interface PeSpec {
  readonly format: 'pe32' | 'pe32+';
  readonly machine?: number;
  readonly subsystem?: number;
  readonly sections: readonly PeSectionSpec[];
  /** File placement order of the sections' raw data (a permutation of indexes); default table order. */
  readonly placement?: readonly number[];
  /** Bytes after the last section (before any certificate table). */
  readonly trailing?: Uint8Array;
  /** WIN_CERTIFICATE payload appended at the end and named by the Security directory. */
  readonly certificate?: Uint8Array;
  /** NumberOfRvaAndSizes (default 16). */
  readonly numberOfRvaAndSizes?: number;
  readonly checkSum?: number;
  readonly imageBase?: bigint;
  /** e_lfanew (default 0x80). */
  readonly lfanew?: number;
  /**
   * Raw data alignment (default 0x20). With `gaps`, SizeOfRawData is the unpadded length, so the
   * file has holes between sections (not what linkers produce; it shows the SUM quirk).
   */
  readonly gaps?: boolean;
}

const align = (v: number, a: number): number => Math.ceil(v / a) * a;

/** A complete PE file for `spec`. */
export function buildPe(spec: PeSpec): Uint8Array {
  const nDirs = spec.numberOfRvaAndSizes ?? 16;
  const pe32 = spec.format === 'pe32';
  const optSize = (pe32 ? 96 : 112) + 8 * nDirs;
  const lfanew = spec.lfanew ?? 0x80;
  const secTable = lfanew + 24 + optSize;
  const sizeOfHeaders = align(secTable + 40 * spec.sections.length, 0x200);
  const placement = spec.placement ?? spec.sections.map((_, i) => i);
  // Raw data offsets in placement order.
  const rawAt = new Array<number>(spec.sections.length).fill(0);
  const rawSize = (i: number): number => {
    const n = spec.sections[i]?.data.length ?? 0;
    return spec.gaps ? n : align(n, 0x20);
  };
  let at = sizeOfHeaders;
  for (const i of placement) {
    rawAt[i] = at;
    at = align(at + (spec.sections[i]?.data.length ?? 0), 0x20);
  }
  const trailing = spec.trailing ?? new Uint8Array();
  const endOfSections = at;
  let certAt = 0;
  let certLen = 0;
  let fileLen = endOfSections + trailing.length;
  if (spec.certificate) {
    certAt = align(fileLen, 8);
    certLen = align(8 + spec.certificate.length, 8);
    fileLen = certAt + certLen;
  }
  const va = (i: number): number => 0x1000 * (i + 1) + align(sizeOfHeaders, 0x1000) - 0x1000;
  const sizeOfImage = va(spec.sections.length) + 0x1000;

  const w = new ByteWriter(fileLen);
  // IMAGE_DOS_HEADER + stub.
  w.u16le(0x5a4d).fill(58, 0x11).u32le(lfanew).fill(lfanew - 64, 0xcc);
  w.u32le(0x00004550);
  // IMAGE_FILE_HEADER
  w.u16le(spec.machine ?? (pe32 ? 0x14c : 0x8664)).u16le(spec.sections.length).u32le(0x12345678).u32le(0).u32le(0).u16le(optSize).u16le(0x2022);
  // Optional header
  w.u16le(pe32 ? 0x10b : 0x20b).u8(14).u8(0).u32le(0x1000).u32le(0x800).u32le(0).u32le(va(0)).u32le(va(0));
  if (pe32) w.u32le(va(0)).u32le(Number(spec.imageBase ?? 0x10000n));
  else w.u64le(spec.imageBase ?? 0x140000000n);
  w.u32le(0x1000).u32le(0x20).fill(12).u32le(0).u32le(sizeOfImage).u32le(sizeOfHeaders).u32le(spec.checkSum ?? 0);
  w.u16le(spec.subsystem ?? 10).u16le(0);
  if (pe32) w.u32le(0x10000).u32le(0x1000).u32le(0x10000).u32le(0x1000);
  else w.u64le(0x10000n).u64le(0x1000n).u64le(0x10000n).u64le(0x1000n);
  w.u32le(0).u32le(nDirs);
  for (let d = 0; d < nDirs; d++) {
    if (d === 4 && spec.certificate) w.u32le(certAt).u32le(certLen);
    else if (d === 5 && spec.sections.length > 0) w.u32le(va(0)).u32le(0);
    else w.u32le(0).u32le(0);
  }
  // Section table
  spec.sections.forEach((s, i) => {
    const name = new Uint8Array(8);
    name.set(new TextEncoder().encode(s.name).subarray(0, 8));
    w.bytes(name).u32le(s.data.length).u32le(va(i)).u32le(rawSize(i)).u32le(s.data.length === 0 ? 0 : (rawAt[i] ?? 0));
    w.u32le(0).u32le(0).u16le(0).u16le(0).u32le(0x60000020);
  });
  w.fill(sizeOfHeaders - w.length);
  for (const i of placement) {
    const s = spec.sections[i];
    if (!s) continue;
    w.fill((rawAt[i] ?? 0) - w.length);
    w.bytes(s.data);
  }
  w.fill(endOfSections - w.length);
  w.bytes(trailing);
  if (spec.certificate) {
    w.fill(certAt - w.length);
    w.u32le(certLen).u16le(0x0200).u16le(0x0002).bytes(spec.certificate);
    w.fill(fileLen - w.length);
  }
  return w.finish();
}
