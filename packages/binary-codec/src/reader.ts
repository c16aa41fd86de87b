import { DecodeError } from './errors.ts';

/**
 * A bounds-checked cursor over bytes. Every read checks the remaining length first and throws
 * `DecodeError('SHORT_BUFFER')` with the absolute offset; nothing reads past `end`.
 *
 * Byte fields returned by {@link ByteReader.bytes} are views (`subarray`) into the input:
 * copy them before mutating. Integers are assembled from bytes, with no DataView (a view would
 * make V8 give even a small input its own ArrayBuffer).
 */
export class ByteReader {
  readonly #buf: Uint8Array;
  readonly #end: number;
  #pos: number;

  /**
   * @param buf the bytes to read
   * @param start absolute offset to start at (default 0)
   * @param end absolute offset one past the last readable byte (default buf.length)
   */
  constructor(buf: Uint8Array, start = 0, end: number = buf.length) {
    if (start < 0 || end > buf.length || start > end) {
      throw new RangeError(`ByteReader: window [${start}, ${end}) outside buffer of ${buf.length}`);
    }
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.#pos;
  }

  /** Absolute end offset (exclusive). */
  get end(): number {
    return this.#end;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.#end - this.#pos;
  }

  /** The whole underlying buffer (for error reporting and raw-slice capture). */
  get buffer(): Uint8Array {
    return this.#buf;
  }

  #take(n: number, what: string): number {
    if (!Number.isInteger(n) || n < 0) {
      throw new DecodeError('BAD_VALUE', `${what}: invalid length ${n}`, this.#pos);
    }
    if (n > this.#end - this.#pos) {
      throw new DecodeError(
        'SHORT_BUFFER',
        `${what}: need ${n} bytes, ${this.#end - this.#pos} left`,
        this.#pos
      );
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  u8(): number {
    return this.#buf[this.#take(1, 'u8')] ?? 0;
  }
  u16le(): number {
    const at = this.#take(2, 'u16');
    const b = this.#buf;
    return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
  }
  u16be(): number {
    const at = this.#take(2, 'u16');
    const b = this.#buf;
    return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
  }
  u24le(): number {
    const at = this.#take(3, 'u24');
    const b = this.#buf;
    return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16);
  }
  u32le(): number {
    return get32le(this.#buf, this.#take(4, 'u32'));
  }
  u32be(): number {
    return get32be(this.#buf, this.#take(4, 'u32'));
  }
  u64le(): bigint {
    const at = this.#take(8, 'u64');
    return (BigInt(get32le(this.#buf, at + 4)) << 32n) | BigInt(get32le(this.#buf, at));
  }
  u64be(): bigint {
    const at = this.#take(8, 'u64');
    return (BigInt(get32be(this.#buf, at)) << 32n) | BigInt(get32be(this.#buf, at + 4));
  }

  /** `n` bytes as a view into the input. */
  bytes(n: number): Uint8Array {
    const at = this.#take(n, 'bytes');
    return this.#buf.subarray(at, at + n);
  }

  /** Everything up to `end`, as a view. */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.#take(n, 'skip');
  }

  /** A reader over the next `n` bytes (same absolute offsets); advances this reader past them. */
  sub(n: number): ByteReader {
    const at = this.#take(n, 'sub');
    return new ByteReader(this.#buf, at, at + n);
  }

  /** A reader over the same window positioned at the same offset, to look ahead. */
  fork(): ByteReader {
    return new ByteReader(this.#buf, this.#pos, this.#end);
  }

  /** Moves to an absolute offset inside the window. */
  seek(offset: number): void {
    if (offset < 0 || offset > this.#end) {
      throw new DecodeError('SHORT_BUFFER', `seek to ${offset} outside window`, this.#pos);
    }
    this.#pos = offset;
  }
}

/** Unsigned big-endian UINT32 at `at` (in bounds: the caller has taken the bytes). */
function get32be(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) * 0x1000000 + (((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0));
}

/** Unsigned little-endian UINT32 at `at`. */
function get32le(b: Uint8Array, at: number): number {
  return (b[at + 3] ?? 0) * 0x1000000 + (((b[at + 2] ?? 0) << 16) | ((b[at + 1] ?? 0) << 8) | (b[at] ?? 0));
}
