/**
 * An AML encoder (ACPI 6.5 §20.2, the AML grammar) with the encoding choices QEMU's AML builder
 * makes: integers as ZeroOp/OneOp or the shortest Byte/Word/DWord/QWord prefix, package lengths
 * in the fewest bytes that hold the length including themselves, name strings with '_' padded
 * segments (DualNamePrefix for two, MultiNamePrefix for more), an absent target as NullName.
 * A term is the bytes it encodes to.
 */
import { concatBytes } from '@tcg2sim/binary-codec';
import { QemuAcpiError } from '../errors.ts';

export type Aml = Uint8Array;

export const cat = (...parts: readonly (Aml | readonly number[])[]): Aml =>
  concatBytes(...parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));
const bytes = (...b: number[]): Aml => Uint8Array.from(b);

/** PkgLength (§20.2.4) of a body of `length` bytes, counting itself. */
export function pkgLength(length: number): Aml {
  if (length + 1 < 1 << 6) return bytes(length + 1);
  const n = length + 2 < 1 << 12 ? 2 : length + 3 < 1 << 20 ? 3 : 4;
  const total = length + n;
  const out = [((n - 1) << 6) | (total & 0xf)];
  for (let i = 1; i < n; i++) out.push((total >>> (4 + 8 * (i - 1))) & 0xff);
  return Uint8Array.from(out);
}
/** PkgLength as a field element's bit count (not counting itself). */
function fieldLength(bits: number): Aml {
  if (bits < 1 << 6) return bytes(bits);
  const n = bits < 1 << 12 ? 2 : bits < 1 << 20 ? 3 : 4;
  const out = [((n - 1) << 6) | (bits & 0xf)];
  for (let i = 1; i < n; i++) out.push((bits >>> (4 + 8 * (i - 1))) & 0xff);
  return Uint8Array.from(out);
}
const withPkg = (op: readonly number[], ...body: Aml[]): Aml => {
  const b = cat(...body);
  return cat(op, pkgLength(b.length), b);
};

function seg(s: string): number[] {
  if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(s)) throw new QemuAcpiError('BAD_AML', `AML: '${s}' is not a name segment`);
  return [...Buffer.from(s.padEnd(4, '_'), 'latin1')];
}

/** NameString: `\`, `^` prefixes and dot-separated segments ("\\_SB.PCI0", "^PCI0", "\\"). */
export function name(path: string): Aml {
  let p = path;
  const prefix: number[] = [];
  if (p.startsWith('\\')) {
    prefix.push(0x5c);
    p = p.slice(1);
  }
  while (p.startsWith('^')) {
    prefix.push(0x5e);
    p = p.slice(1);
  }
  if (p === '') return bytes(...prefix, 0x00);
  const segs = p.split('.');
  if (segs.length === 1) return bytes(...prefix, ...seg(segs[0] ?? ''));
  if (segs.length === 2) return bytes(...prefix, 0x2e, ...segs.flatMap(seg));
  return bytes(...prefix, 0x2f, segs.length, ...segs.flatMap(seg));
}

/** An integer constant. */
export function int(v: number | bigint): Aml {
  const n = BigInt(v);
  if (n === 0n) return bytes(0x00);
  if (n === 1n) return bytes(0x01);
  const le = (k: number): number[] => Array.from({ length: k }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
  if (n <= 0xffn) return bytes(0x0a, ...le(1));
  if (n <= 0xffffn) return bytes(0x0b, ...le(2));
  if (n <= 0xffffffffn) return bytes(0x0c, ...le(4));
  return bytes(0x0e, ...le(8));
}
export const str = (s: string): Aml => cat([0x0d], Buffer.from(s, 'latin1'), [0x00]);
export const local = (n: number): Aml => bytes(0x60 + n);
export const arg = (n: number): Aml => bytes(0x68 + n);
export const DEBUG = bytes(0x5b, 0x31);
const NULL_NAME = bytes(0x00);
const target = (t?: Aml): Aml => t ?? NULL_NAME;

export const nameDecl = (n: string, value: Aml): Aml => cat([0x08], name(n), value);
export const scope = (n: string, ...terms: Aml[]): Aml => withPkg([0x10], name(n), ...terms);
export const device = (n: string, ...terms: Aml[]): Aml => withPkg([0x5b, 0x82], name(n), ...terms);
export const method = (n: string, args: number, serialized: boolean, ...terms: Aml[]): Aml => withPkg([0x14], name(n), bytes(args | (serialized ? 8 : 0)), ...terms);
export const processor = (n: string, id: number, ...terms: Aml[]): Aml => withPkg([0x5b, 0x83], name(n), bytes(id, 0, 0, 0, 0, 0), ...terms);
export const iff = (predicate: Aml, ...terms: Aml[]): Aml => withPkg([0xa0], predicate, ...terms);
export const elseDo = (...terms: Aml[]): Aml => withPkg([0xa1], ...terms);
export const whileDo = (predicate: Aml, ...terms: Aml[]): Aml => withPkg([0xa2], predicate, ...terms);
export const ret = (v: Aml): Aml => cat([0xa4], v);
export const BREAK = bytes(0xa5);
export const store = (v: Aml, t: Aml): Aml => cat([0x70], v, t);
const binary = (op: number) => (a: Aml, b: Aml, t?: Aml): Aml => cat([op], a, b, target(t));
export const add = binary(0x72);
export const subtract = binary(0x74);
export const shiftLeft = binary(0x79);
export const shiftRight = binary(0x7a);
export const and = binary(0x7b);
export const or = binary(0x7d);
export const index = binary(0x88);
export const increment = (t: Aml): Aml => cat([0x75], t);
export const derefOf = (v: Aml): Aml => cat([0x83], v);
export const sizeOf = (v: Aml): Aml => cat([0x87], v);
export const toHexString = (v: Aml, t?: Aml): Aml => cat([0x98], v, target(t));
export const toBuffer = (v: Aml, t?: Aml): Aml => cat([0x96], v, target(t));
export const notify = (o: Aml, v: Aml): Aml => cat([0x86], o, v);
export const lAnd = (a: Aml, b: Aml): Aml => cat([0x90], a, b);
export const lOr = (a: Aml, b: Aml): Aml => cat([0x91], a, b);
export const lNot = (a: Aml): Aml => cat([0x92], a);
export const lEqual = (a: Aml, b: Aml): Aml => cat([0x93], a, b);
export const lGreater = (a: Aml, b: Aml): Aml => cat([0x94], a, b);
export const lLess = (a: Aml, b: Aml): Aml => cat([0x95], a, b);
export const lNotEqual = (a: Aml, b: Aml): Aml => lNot(lEqual(a, b));
export const lGreaterEqual = (a: Aml, b: Aml): Aml => lNot(lLess(a, b));
/** A method call: the name, then the arguments. */
export const call = (n: string, ...args: Aml[]): Aml => cat(name(n), ...args);

/** Buffer of `data` (BufferSize an integer of its length, or `size`). */
export const buffer = (data: Aml | readonly number[], size = data.length): Aml => withPkg([0x11], int(size), Uint8Array.from(data));
/** Package of `elements` (NumElements `count`, default their number). */
export const pkg = (elements: readonly Aml[], count = elements.length): Aml => withPkg([0x12], bytes(count), ...elements);
/** VarPackage (§20.2.5.4: VarPackageOp) of `elements`, NumElements an integer term. */
export const varPackage = (elements: readonly Aml[]): Aml => withPkg([0x13], int(elements.length), ...elements);
/** Unicode (ASL macro): a Buffer of the string's UTF-16LE code units and a NUL. */
export const unicode = (s: string): Aml => buffer(cat(Buffer.from(s, 'utf16le'), [0, 0]));
/** EISA ID ("PNP0A03") as a DWord. */
export function eisaId(id: string): Aml {
  const c = (i: number): number => (id.charCodeAt(i) - 0x40) & 0x1f;
  const h = Number.parseInt(id.slice(3), 16);
  return bytes(0x0c, (c(0) << 2) | (c(1) >> 3), ((c(1) & 7) << 5) | c(2), (h >> 8) & 0xff, h & 0xff);
}
/** ToUUID: a 16-byte buffer in GUID byte order. */
export function touuid(uuid: string): Aml {
  const h = uuid.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  const le = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15].map((i) => b[i] ?? 0);
  return buffer(le);
}

export const REGION_SYSTEM_MEMORY = 0;
export const REGION_SYSTEM_IO = 1;
export const REGION_PCI_CONFIG = 2;
export const opRegion = (n: string, space: number, offset: Aml, length: Aml): Aml => cat([0x5b, 0x80], name(n), [space], offset, length);
/** A field element: a named field of `bits`, or a jump to byte `offset`. */
export type FieldElement = { readonly name: string; readonly bits: number } | { readonly offset: number };
export const ACCESS = { any: 0, byte: 1, word: 2, dword: 3 } as const;
export const UPDATE = { preserve: 0, writeAsOnes: 1, writeAsZeros: 2 } as const;
export function field(region: string, access: number, lock: boolean, update: number, elements: readonly FieldElement[]): Aml {
  let bit = 0;
  const list: Aml[] = [];
  for (const e of elements) {
    if ('offset' in e) {
      list.push(cat([0x00], fieldLength(e.offset * 8 - bit)));
      bit = e.offset * 8;
    } else {
      list.push(cat(seg(e.name), fieldLength(e.bits)));
      bit += e.bits;
    }
  }
  return withPkg([0x5b, 0x81], name(region), bytes(access | (lock ? 0x10 : 0) | (update << 5)), ...list);
}
export const mutex = (n: string, sync: number): Aml => cat([0x5b, 0x01], name(n), [sync]);
export const acquire = (m: Aml, timeout: number): Aml => cat([0x5b, 0x23], m, [timeout & 0xff, timeout >> 8]);
export const release = (m: Aml): Aml => cat([0x5b, 0x27], m);
export const createDWordField = (src: Aml, byteIndex: Aml, n: string): Aml => cat([0x8a], src, byteIndex, name(n));
