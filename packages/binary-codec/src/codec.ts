import { DecodeError, withPath, withPath2 } from './errors.ts';
import { ByteReader } from './reader.ts';
import { ByteWriter } from './writer.ts';

/**
 * A wire layout declared once: the same value encodes, decodes and names errors.
 * Methods (not function properties) so that `Codec<number>` is usable where `Codec<unknown>`
 * is expected inside the combinators.
 */
export interface Codec<T> {
  /** Spec identifier, used in error paths. */
  readonly name: string;
  encode(w: ByteWriter, value: T): void;
  decode(r: ByteReader): T;
}

/** The TypeScript type a codec encodes and decodes. */
export type Infer<C> = C extends Codec<infer T> ? T : never;

function codec<T>(name: string, encode: (w: ByteWriter, v: T) => void, decode: (r: ByteReader) => T): Codec<T> {
  return { name, encode, decode };
}

// The decoders below catch and re-path errors with try/catch rather than through inPath's
// closures: the success path (every TPM response, every log record) then allocates no closures.
// The paths, offsets and codes are the same as with nested inPath calls.

/** Runs `fn`, prepending `segment` to the path of any DecodeError it throws. */
export function inPath<T>(segment: string | number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw withPath(err, segment);
  }
}

// ---------------------------------------------------------------------------------------------
// Integers

export const u8: Codec<number> = codec('u8', (w, v) => w.u8(v), (r) => r.u8());
export const u16le: Codec<number> = codec('u16le', (w, v) => w.u16le(v), (r) => r.u16le());
export const u16be: Codec<number> = codec('u16be', (w, v) => w.u16be(v), (r) => r.u16be());
export const u24le: Codec<number> = codec('u24le', (w, v) => w.u24le(v), (r) => r.u24le());
export const u32le: Codec<number> = codec('u32le', (w, v) => w.u32le(v), (r) => r.u32le());
export const u32be: Codec<number> = codec('u32be', (w, v) => w.u32be(v), (r) => r.u32be());
export const u64le: Codec<bigint> = codec('u64le', (w, v) => w.u64le(v), (r) => r.u64le());
export const u64be: Codec<bigint> = codec('u64be', (w, v) => w.u64be(v), (r) => r.u64be());

/** One byte order's integer codecs, for structs declared once and used in both orders. */
export interface IntCodecs {
  readonly u8: Codec<number>;
  readonly u16: Codec<number>;
  readonly u32: Codec<number>;
  readonly u64: Codec<bigint>;
}
/** Little-endian (UEFI, TCG event log). */
export const LE: IntCodecs = { u8, u16: u16le, u32: u32le, u64: u64le };
/** Big-endian (TPM 2.0 command and response buffers). */
export const BE: IntCodecs = { u8, u16: u16be, u32: u32be, u64: u64be };

// ---------------------------------------------------------------------------------------------
// Bytes

/** Exactly `n` bytes. Decoded values are views into the input. */
export function fixedBytes(name: string, n: number): Codec<Uint8Array> {
  return codec(
    name,
    (w, v) => {
      abytes(v, name, n);
      w.bytes(v);
    },
    (r) => {
      try {
        return r.bytes(n);
      } catch (err) {
        throw withPath(err, name);
      }
    }
  );
}

/** All bytes left in the reader's window, at most `max`. */
export function restBytes(name: string, max: number): Codec<Uint8Array> {
  return codec(
    name,
    (w, v) => {
      abytes(v, name);
      if (v.length > max) throw new RangeError(`"${name}" longer than ${max}`);
      w.bytes(v);
    },
    (r) => {
      if (r.remaining > max) {
        throw new DecodeError('LIMIT_EXCEEDED', `${r.remaining} bytes exceed the limit ${max}`, r.offset, [name]);
      }
      return r.rest();
    }
  );
}

/** A byte buffer preceded by its length (TPM2B_*, UINT32-sized blobs). `max` bounds the length. */
export function sized(name: string, length: Codec<number>, max: number): Codec<Uint8Array> {
  return codec(
    name,
    (w, v) => {
      abytes(v, name);
      if (v.length > max) throw new RangeError(`"${name}" length ${v.length} exceeds ${max}`);
      length.encode(w, v.length);
      w.bytes(v);
    },
    (r) => {
      const at = r.offset;
      try {
        const n = length.decode(r);
        if (n > max) throw new DecodeError('LIMIT_EXCEEDED', `size ${n} exceeds the limit ${max}`, at);
        return r.bytes(n);
      } catch (err) {
        throw withPath(err, name);
      }
    }
  );
}

/**
 * A structure preceded by its size in bytes (TPM2B_PUBLIC, …). The inner codec must consume
 * exactly `size` bytes.
 */
export function sizedStruct<T>(name: string, length: Codec<number>, inner: Codec<T>, max: number): Codec<T> {
  return codec(
    name,
    (w, v) => {
      const body = encode(inner, v);
      if (body.length > max) throw new RangeError(`"${name}" size ${body.length} exceeds ${max}`);
      length.encode(w, body.length);
      w.bytes(body);
    },
    (r) =>
      inPath(name, () => {
        const at = r.offset;
        const n = length.decode(r);
        if (n > max) throw new DecodeError('LIMIT_EXCEEDED', `size ${n} exceeds the limit ${max}`, at);
        const sub = r.sub(n);
        const v = inner.decode(sub);
        if (sub.remaining !== 0) {
          throw new DecodeError('TRAILING_BYTES', `${sub.remaining} bytes left in sized ${inner.name}`, sub.offset);
        }
        return v;
      })
  );
}

// ---------------------------------------------------------------------------------------------
// Aggregates

/** A count followed by that many items (TPML_*). `max` bounds the count. */
export function list<T>(name: string, count: Codec<number>, item: Codec<T>, max: number): Codec<T[]> {
  return codec(
    name,
    (w, v) => {
      if (!Array.isArray(v)) throw new TypeError(`"${name}" expected an array`);
      if (v.length > max) throw new RangeError(`"${name}" count ${v.length} exceeds ${max}`);
      count.encode(w, v.length);
      for (const x of v) item.encode(w, x);
    },
    (r) => {
      const at = r.offset;
      let n: number;
      try {
        n = count.decode(r);
      } catch (err) {
        throw withPath(err, name);
      }
      if (n > max) throw new DecodeError('LIMIT_EXCEEDED', `count ${n} exceeds the limit ${max}`, at, [name]);
      return decodeItems(r, name, item, n);
    }
  );
}

/** Exactly `n` items, no count on the wire. */
export function array<T>(name: string, item: Codec<T>, n: number): Codec<T[]> {
  return codec(
    name,
    (w, v) => {
      if (!Array.isArray(v) || v.length !== n) throw new RangeError(`"${name}" expected ${n} items`);
      for (const x of v) item.encode(w, x);
    },
    (r) => decodeItems(r, name, item, n)
  );
}

/** `n` items of `item`; an error names the aggregate and the item's index. */
function decodeItems<T>(r: ByteReader, name: string, item: Codec<T>, n: number): T[] {
  const out: T[] = [];
  let i = 0;
  try {
    for (; i < n; i++) out.push(item.decode(r));
  } catch (err) {
    throw withPath2(err, name, i);
  }
  return out;
}

type FieldCodecs = Readonly<Record<string, Codec<unknown>>>;
/** The decoded shape of a struct's fields. */
export type StructValue<F extends FieldCodecs> = { [K in keyof F]: Infer<F[K]> };

/** Fields in wire order (object key order). Field names are the spec's, camelCased. */
export function struct<F extends FieldCodecs>(name: string, fields: F): Codec<StructValue<F>> {
  const entries = Object.entries(fields);
  const keys = entries.map(([k]) => k);
  const codecs = entries.map(([, c]) => c);
  return codec(
    name,
    (w, v) => {
      for (let i = 0; i < keys.length; i++) codecs[i]?.encode(w, (v as Record<string, unknown>)[keys[i] ?? '']);
    },
    (r) => {
      const out: Record<string, unknown> = {};
      let i = 0;
      try {
        for (; i < keys.length; i++) out[keys[i] ?? ''] = codecs[i]?.decode(r);
      } catch (err) {
        throw withPath2(err, name, keys[i] ?? '');
      }
      return out as StructValue<F>;
    }
  );
}

/**
 * A selector followed by the member it selects (TPMT_HA, TPMU_*). An unknown selector is
 * `UNKNOWN_SELECTOR`, never a silent skip.
 */
export function union<K extends string, S, V extends string, M>(
  name: string,
  selectorKey: K,
  selector: Codec<S>,
  valueKey: V,
  pick: (s: S) => Codec<M> | undefined
): Codec<Record<K, S> & Record<V, M>> {
  return codec(
    name,
    (w, v) => {
      const s = v[selectorKey];
      const m = pick(s);
      if (m === undefined) throw new RangeError(`"${name}" has no member for selector ${String(s)}`);
      selector.encode(w, s);
      m.encode(w, v[valueKey]);
    },
    (r) => {
      const at = r.offset;
      let s: S;
      try {
        s = selector.decode(r);
      } catch (err) {
        throw withPath2(err, name, selectorKey);
      }
      const m = pick(s);
      if (m === undefined) {
        throw new DecodeError('UNKNOWN_SELECTOR', `no ${valueKey} member for selector ${fmtSel(s)}`, at, [name, selectorKey]);
      }
      let value: M;
      try {
        value = m.decode(r);
      } catch (err) {
        throw withPath2(err, name, valueKey);
      }
      return { [selectorKey]: s, [valueKey]: value } as Record<K, S> & Record<V, M>;
    }
  );
}

function fmtSel(s: unknown): string {
  return typeof s === 'number' ? `0x${s.toString(16)}` : String(s);
}

/** An integer restricted to a set of values (TPMI_*). Others are `BAD_VALUE`. */
export function oneOf<T extends number>(name: string, base: Codec<number>, values: readonly T[]): Codec<T> {
  const allowed = new Set<number>(values);
  const isT = (v: number): v is T => allowed.has(v);
  return codec(
    name,
    (w, v) => {
      if (!allowed.has(v)) throw new RangeError(`"${name}" does not allow 0x${v.toString(16)}`);
      base.encode(w, v);
    },
    (r) => {
      const at = r.offset;
      const v = base.decode(r);
      if (!isT(v)) throw new DecodeError('BAD_VALUE', `0x${v.toString(16)} is not a valid ${name}`, at);
      return v;
    }
  );
}

/** A field that must hold one value (signatures, magic numbers, reserved zero fields). */
export function constant<T extends number | bigint>(name: string, base: Codec<T>, value: T): Codec<T> {
  return codec(
    name,
    (w) => {
      base.encode(w, value);
    },
    (r) => {
      const at = r.offset;
      const v = base.decode(r);
      if (v !== value) throw new DecodeError('BAD_VALUE', `${name} must be ${fmtSel(value)}, got ${fmtSel(v)}`, at, [name]);
      return v;
    }
  );
}

/** A codec whose value is transformed on the way in and out (e.g. bytes <-> string). */
export function mapped<W, T>(inner: Codec<W>, name: string, decode: (w: W, at: number) => T, encode: (t: T) => W): Codec<T> {
  return codec(
    name,
    (w, v) => {
      inner.encode(w, encode(v));
    },
    (r) => {
      const at = r.offset;
      return decode(inner.decode(r), at);
    }
  );
}

/** The decoded value together with the exact bytes it came from (for anything that is hashed). */
export interface WithRaw<T> {
  readonly value: T;
  readonly raw: Uint8Array;
}

/** Captures the raw bytes of `inner` on decode; encode writes `raw` verbatim. */
export function withRaw<T>(inner: Codec<T>): Codec<WithRaw<T>> {
  return codec(
    inner.name,
    (w, v) => {
      w.bytes(v.raw);
    },
    (r) => {
      const start = r.offset;
      const value = inner.decode(r);
      return { value, raw: r.buffer.subarray(start, r.offset) };
    }
  );
}

// ---------------------------------------------------------------------------------------------
// Top-level helpers

/** Encodes `value` to a new byte array. */
export function encode<T>(c: Codec<T>, value: T): Uint8Array {
  const w = new ByteWriter();
  c.encode(w, value);
  return w.finish();
}

/** Decodes `bytes`, which must hold exactly one value (`TRAILING_BYTES` otherwise). */
export function decode<T>(c: Codec<T>, bytes: Uint8Array): T {
  const r = new ByteReader(bytes);
  const v = c.decode(r);
  if (r.remaining !== 0) {
    throw new DecodeError('TRAILING_BYTES', `${r.remaining} bytes after ${c.name}`, r.offset, [c.name]);
  }
  return v;
}

/** Decodes the first value of a stream; returns it and the bytes after it. */
export function decodeFirst<T>(c: Codec<T>, bytes: Uint8Array): [T, Uint8Array] {
  const r = new ByteReader(bytes);
  const v = c.decode(r);
  return [v, bytes.subarray(r.offset)];
}

/** Asserts `v` is a Uint8Array (of length `len` when given); throws TypeError/RangeError. */
export function abytes(v: unknown, what: string, len?: number): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError(`"${what}" expected Uint8Array, got ${typeof v}`);
  if (len !== undefined && v.length !== len) {
    throw new RangeError(`"${what}" expected Uint8Array of length ${len}, got length=${v.length}`);
  }
}
