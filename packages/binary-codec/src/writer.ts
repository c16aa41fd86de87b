/**
 * A growable little/big-endian byte writer. Values out of range for their width are caller bugs
 * and throw RangeError.
 *
 * Integers are written byte by byte, with no DataView: a view would make V8 give even a small
 * buffer its own ArrayBuffer, which costs more than the writes (this is on every TPM command).
 */
export class ByteWriter {
  #buf: Uint8Array;
  #len = 0;

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  /** Bytes the writer holds before it must grow. */
  get capacity(): number {
    return this.#buf.length;
  }

  /** Reserves `n` bytes and returns the offset where they start. Grows before returning. */
  #reserve(n: number): number {
    const need = this.#len + n;
    if (need > this.#buf.length) {
      let cap = this.#buf.length * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    const at = this.#len;
    this.#len = need;
    return at;
  }

  u8(v: number): this {
    aint(v, 0xff, 'u8');
    const at = this.#reserve(1);
    this.#buf[at] = v;
    return this;
  }
  u16le(v: number): this {
    aint(v, 0xffff, 'u16');
    const at = this.#reserve(2);
    const b = this.#buf;
    b[at] = v;
    b[at + 1] = v >>> 8;
    return this;
  }
  u16be(v: number): this {
    aint(v, 0xffff, 'u16');
    const at = this.#reserve(2);
    const b = this.#buf;
    b[at] = v >>> 8;
    b[at + 1] = v;
    return this;
  }
  u24le(v: number): this {
    aint(v, 0xffffff, 'u24');
    const at = this.#reserve(3);
    const b = this.#buf;
    b[at] = v;
    b[at + 1] = v >>> 8;
    b[at + 2] = v >>> 16;
    return this;
  }
  u32le(v: number): this {
    aint(v, 0xffffffff, 'u32');
    const at = this.#reserve(4); // may replace #buf: reserve before reading it
    put32le(this.#buf, at, v);
    return this;
  }
  u32be(v: number): this {
    aint(v, 0xffffffff, 'u32');
    const at = this.#reserve(4); // may replace #buf: reserve before reading it
    put32be(this.#buf, at, v);
    return this;
  }
  u64le(v: bigint): this {
    abig(v, 'u64');
    const at = this.#reserve(8);
    put32le(this.#buf, at, Number(v & 0xffffffffn));
    put32le(this.#buf, at + 4, Number(v >> 32n));
    return this;
  }
  u64be(v: bigint): this {
    abig(v, 'u64');
    const at = this.#reserve(8);
    put32be(this.#buf, at, Number(v >> 32n));
    put32be(this.#buf, at + 4, Number(v & 0xffffffffn));
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.#reserve(b.length);
    this.#buf.set(b, at);
    return this;
  }
  /** Writes `n` copies of `value`. */
  fill(n: number, value = 0): this {
    aint(value, 0xff, 'fill');
    const at = this.#reserve(n);
    this.#buf.fill(value, at, at + n);
    return this;
  }
  /** Overwrites a u32 already written at `offset` (for back-patched sizes). */
  patchU32be(offset: number, v: number): this {
    aint(v, 0xffffffff, 'u32');
    if (offset < 0 || offset + 4 > this.#len) throw new RangeError(`patch offset ${offset} out of range`);
    put32be(this.#buf, offset, v);
    return this;
  }
  /** Overwrites a u32 already written at `offset`, little-endian. */
  patchU32le(offset: number, v: number): this {
    aint(v, 0xffffffff, 'u32');
    if (offset < 0 || offset + 4 > this.#len) throw new RangeError(`patch offset ${offset} out of range`);
    put32le(this.#buf, offset, v);
    return this;
  }
  /**
   * Forgets the bytes written, keeping the capacity: a writer reused for one encode after another
   * allocates nothing until it needs more room than before.
   */
  reset(): this {
    this.#len = 0;
    return this;
  }
  /**
   * The bytes written so far as a view of the writer's own buffer, valid until the next write or
   * reset (to copy them somewhere without an intermediate array; finish() gives a copy).
   */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

function put32be(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

function put32le(b: Uint8Array, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

function aint(v: number, max: number, what: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`"${what}" expected integer 0..${max}, got ${String(v)}`);
  }
}

function abig(v: bigint, what: string): void {
  if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) {
    throw new RangeError(`"${what}" expected bigint 0..2^64-1, got ${String(v)}`);
  }
}
