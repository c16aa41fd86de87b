/**
 * Builds synthetic firmware volumes for the tests, straight from the PI Vol 3 layouts (the same
 * bytes EDK II's GenFv/GenFfs/GenSec produce for these inputs): headers, checksums, alignment.
 */
import { concatBytes, guidFromString } from '@tcg2sim/binary-codec';

export const FFS2 = '8C8CE578-8A3D-4F1C-9935-896185C32DD3';
export const FFS3 = '5473C07A-3DCB-4DCA-BD6F-1E9689E7349A';

const concat = (parts: readonly Uint8Array[]): Uint8Array => concatBytes(...parts);

function le(n: number, width: number): Uint8Array {
  const b = new Uint8Array(width);
  let v = BigInt(n);
  for (let i = 0; i < width; i++) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

export function ucs2z(s: string): Uint8Array {
  const b = new Uint8Array((s.length + 1) * 2);
  for (let i = 0; i < s.length; i++) {
    b[2 * i] = s.charCodeAt(i) & 0xff;
    b[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return b;
}

/** A section: common header (or header2 when `large`), type-specific `extra`, then `body`. */
export function section(type: number, body: Uint8Array, extra: Uint8Array = new Uint8Array(0), large = false): Uint8Array {
  const size = (large ? 8 : 4) + extra.length + body.length;
  const hdr = large ? concat([le(0xffffff, 3), new Uint8Array([type]), le(size, 4)]) : concat([le(size, 3), new Uint8Array([type])]);
  return concat([hdr, extra, body]);
}

/** Sections concatenated with 4-byte alignment padding between them. */
export function sections(list: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  list.forEach((s, i) => {
    if (i > 0 && n % 4 !== 0) {
      parts.push(new Uint8Array(4 - (n % 4)));
      n += 4 - (n % 4);
    }
    parts.push(s);
    n += s.length;
  });
  return concat(parts);
}

/** EFI_GUID_DEFINED_SECTION with `extra` header bytes before DataOffset. */
export function guidedSection(guid: string, attributes: number, data: Uint8Array, extra: Uint8Array = new Uint8Array(0)): Uint8Array {
  const dataOffset = 4 + 20 + extra.length;
  return section(0x02, data, concat([guidFromString(guid), le(dataOffset, 2), le(attributes, 2), extra]));
}

export interface FileSpec {
  guid: string;
  type: number;
  data: Uint8Array;
  attributes?: number;
  /** State byte as stored (default: EFI_FILE_DATA_VALID etc. under the volume polarity). */
  state?: number;
  large?: boolean;
}

/** An FFS file with correct header and data checksums. */
export function ffsFile(spec: FileSpec, erasePolarity: 0 | 1 = 1): Uint8Array {
  const attributes = (spec.attributes ?? 0) | (spec.large === true ? 0x01 : 0);
  const headerSize = spec.large === true ? 32 : 24;
  const size = headerSize + spec.data.length;
  const h = new Uint8Array(headerSize);
  h.set(guidFromString(spec.guid), 0);
  h[18] = spec.type;
  h[19] = attributes;
  if (spec.large === true) {
    h.set(le(0, 3), 20);
    h.set(le(size, 8), 24);
  } else {
    h.set(le(size, 3), 20);
  }
  // Header checksum with State and IntegrityCheck.File as zero.
  let s = 0;
  for (const b of h) s += b;
  h[16] = (0x100 - (s & 0xff)) & 0xff;
  if ((attributes & 0x40) !== 0) {
    let d = 0;
    for (const b of spec.data) d += b;
    h[17] = (0x100 - (d & 0xff)) & 0xff;
  } else {
    h[17] = 0xaa;
  }
  // HEADER_CONSTRUCTION | HEADER_VALID | DATA_VALID, inverted under erase polarity 1.
  h[23] = spec.state ?? (erasePolarity === 1 ? 0xf8 : 0x07);
  return concat([h, spec.data]);
}

export interface VolumeSpec {
  fileSystem?: string;
  files: readonly FileSpec[];
  /** Total FvLength (default: the files rounded up, plus `free` bytes). */
  length?: number;
  free?: number;
  erasePolarity?: 0 | 1;
  fvName?: string;
}

/** A firmware volume: header, one block-map entry, optional ext header, files, erased free space. */
export function volume(spec: VolumeSpec): Uint8Array {
  const polarity = spec.erasePolarity ?? 1;
  const erased = polarity === 1 ? 0xff : 0x00;
  const headerLength = 0x48;
  const ext = spec.fvName === undefined ? new Uint8Array(0) : concat([guidFromString(spec.fvName), le(20, 4)]);
  let body: Uint8Array = ext;
  const align = (b: Uint8Array): Uint8Array => (b.length % 8 === 0 ? b : concat([b, new Uint8Array(8 - (b.length % 8)).fill(erased)]));
  for (const f of spec.files) body = concat([align(body), ffsFile(f, polarity)]);
  const used = headerLength + body.length;
  const length = spec.length ?? Math.ceil((used + (spec.free ?? 0)) / 8) * 8;
  const fv = new Uint8Array(length).fill(erased);
  fv.set(new Uint8Array(16), 0);
  fv.set(guidFromString(spec.fileSystem ?? FFS2), 16);
  fv.set(le(length, 8), 32);
  fv.set([0x5f, 0x46, 0x56, 0x48], 40);
  fv.set(le(0x0004f6ff | (polarity === 1 ? 0x800 : 0), 4), 44);
  fv.set(le(headerLength, 2), 48);
  fv.set(le(0, 2), 50);
  fv.set(le(ext.length > 0 ? headerLength : 0, 2), 52);
  fv[54] = 0;
  fv[55] = 2;
  fv.set(le(length / 8, 4), 56);
  fv.set(le(8, 4), 60);
  fv.set(le(0, 8), 64);
  fv.set(body, headerLength);
  let sum = 0;
  for (let i = 0; i < headerLength; i += 2) sum += (fv[i] ?? 0) | ((fv[i + 1] ?? 0) << 8);
  fv.set(le((0x10000 - (sum & 0xffff)) & 0xffff, 2), 50);
  return fv;
}
