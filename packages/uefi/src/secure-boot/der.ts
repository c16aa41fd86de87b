/**
 * A small, bounded reader of DER (ITU-T X.690 §8, §10) for the structures Secure Boot
 * verification looks into: PKCS#7 SignedData, X.509 certificates, Authenticode content. It reads
 * one TLV at a time inside an explicit window; nothing is decoded that the caller does not ask
 * for, so depth is bounded by the caller's schema. Values are views into the input.
 *
 * Accepted: single-byte tags (low tag numbers 0-30), definite lengths in short form or long form
 * of up to 4 octets. Refused with a DecodeError: the high-tag-number form, the indefinite length
 * (BER, which OpenSSL's d2i would accept: a documented difference), lengths past the window.
 */
import { DecodeError } from '@tcg2sim/binary-codec';

/** ASN.1 tags (the identifier octet) used by the Secure Boot structures. */
export const DER_TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0] constructed (EXPLICIT content, IMPLICIT certificates / authenticatedAttributes). */
  CONTEXT_0: 0xa0,
  /** [1] constructed (crls, unauthenticatedAttributes). */
  CONTEXT_1: 0xa1,
  /** [3] constructed (X.509 v3 extensions). */
  CONTEXT_3: 0xa3,
} as const;

/** One TLV. `raw` is the whole encoding, `value` the contents octets; both are views. */
export interface DerNode {
  /** The identifier octet. */
  readonly tag: number;
  /** Offset of the identifier octet in the outermost buffer the reading started from. */
  readonly offset: number;
  /** Tag + length octets. */
  readonly headerLength: number;
  readonly raw: Uint8Array;
  readonly value: Uint8Array;
}

/** The most TLVs {@link derChildren} returns for one constructed value. */
export const DER_MAX_CHILDREN = 4096;

/**
 * Reads the TLV at `at` of `buf` (absolute offsets are reported relative to `base`).
 * @throws DecodeError `SHORT_BUFFER` (truncated), `UNSUPPORTED` (high tag number, indefinite or
 *   over-long length)
 */
export function readDer(buf: Uint8Array, at = 0, path: readonly (string | number)[] = ['DER'], base = 0): DerNode {
  const abs = base + at;
  if (at + 2 > buf.length) throw new DecodeError('SHORT_BUFFER', 'no room for a tag and a length', abs, path);
  const tag = buf[at] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new DecodeError('UNSUPPORTED', `high-tag-number form 0x${tag.toString(16)}`, abs, path);
  const l0 = buf[at + 1] ?? 0;
  let len: number;
  let hdr: number;
  if (l0 < 0x80) {
    len = l0;
    hdr = 2;
  } else {
    const n = l0 & 0x7f;
    if (n === 0) throw new DecodeError('UNSUPPORTED', 'indefinite length (BER) is not DER', abs + 1, path);
    if (n > 4) throw new DecodeError('UNSUPPORTED', `length of ${n} octets`, abs + 1, path);
    if (at + 2 + n > buf.length) throw new DecodeError('SHORT_BUFFER', 'truncated length octets', abs + 1, path);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[at + 2 + i] ?? 0);
    hdr = 2 + n;
  }
  if (at + hdr + len > buf.length) {
    throw new DecodeError('SHORT_BUFFER', `length ${len} runs past the end (${buf.length - at - hdr} left)`, abs + 1, path);
  }
  return {
    tag,
    offset: abs,
    headerLength: hdr,
    raw: buf.subarray(at, at + hdr + len),
    value: buf.subarray(at + hdr, at + hdr + len),
  };
}

/**
 * Reads a TLV and checks its tag.
 * @throws DecodeError `BAD_VALUE` on another tag, or as {@link readDer}
 */
export function expectDer(buf: Uint8Array, at: number, tag: number, path: readonly (string | number)[], base = 0): DerNode {
  const n = readDer(buf, at, path, base);
  if (n.tag !== tag) {
    throw new DecodeError('BAD_VALUE', `expected tag 0x${tag.toString(16)}, found 0x${n.tag.toString(16)}`, n.offset, path);
  }
  return n;
}

/**
 * The TLVs inside a constructed node, in order; they must fill its contents exactly.
 * @throws DecodeError `LIMIT_EXCEEDED` past `max` children, or as {@link readDer}
 */
export function derChildren(node: DerNode, path: readonly (string | number)[], max = DER_MAX_CHILDREN): DerNode[] {
  const out: DerNode[] = [];
  const base = node.offset + node.headerLength;
  let at = 0;
  while (at < node.value.length) {
    if (out.length >= max) throw new DecodeError('LIMIT_EXCEEDED', `more than ${max} elements`, base + at, path);
    const c = readDer(node.value, at, [...path, out.length], base);
    out.push(c);
    at += c.raw.length;
  }
  return out;
}

/** The children of `node`, which must carry `tag`; `min` of them at least. */
export function derSequence(node: DerNode, tag: number, min: number, path: readonly (string | number)[]): DerNode[] {
  if (node.tag !== tag) {
    throw new DecodeError('BAD_VALUE', `expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`, node.offset, path);
  }
  const kids = derChildren(node, path);
  if (kids.length < min) throw new DecodeError('SHORT_BUFFER', `${kids.length} elements, at least ${min} expected`, node.offset, path);
  return kids;
}

/** Child `i` of a list already checked to hold at least i+1 elements. */
export function at(kids: readonly DerNode[], i: number, path: readonly (string | number)[]): DerNode {
  const k = kids[i];
  if (k === undefined) throw new DecodeError('SHORT_BUFFER', `element ${i} missing`, 0, path);
  return k;
}

/** Dotted text of an OID's contents octets (for notes; comparisons use the bytes). */
export function oidToString(value: Uint8Array): string {
  if (value.length === 0) return '';
  const first = value[0] ?? 0;
  const parts: number[] = [Math.min(2, Math.floor(first / 40)), first - 40 * Math.min(2, Math.floor(first / 40))];
  let acc = 0;
  for (let i = 1; i < value.length; i++) {
    const b = value[i] ?? 0;
    acc = acc * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      parts.push(acc);
      acc = 0;
    }
  }
  return parts.join('.');
}

/** Contents octets of a dotted OID (arcs below 2^53). */
export function oidFromString(s: string): Uint8Array {
  const arcs = s.split('.').map(Number);
  const [a, b, ...rest] = arcs;
  if (a === undefined || b === undefined || arcs.some((x) => !Number.isSafeInteger(x) || x < 0)) throw new RangeError(`"oid" malformed: ${s}`);
  const out: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const groups: number[] = [];
    let v = arc;
    do {
      groups.unshift(v % 128);
      v = Math.floor(v / 128);
    } while (v > 0);
    groups.forEach((g, i) => out.push(i < groups.length - 1 ? g | 0x80 : g));
  }
  return Uint8Array.from(out);
}

/** A definite-length DER header for `tag` and a contents length (for building fixtures). */
export function derHeader(tag: number, length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(tag, length);
  const bytes: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Uint8Array.of(tag, 0x80 | bytes.length, ...bytes);
}
