/**
 * A growable little/big-endian byte writer. Values out of range for their width are caller bugs
 * and throw RangeError.
 */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  #len = 0;

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(Math.max(16, initialCapacity));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
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
      this.#view = new DataView(next.buffer);
    }
    const at = this.#len;
    this.#len = need;
    return at;
  }

  u8(v: number): this {
    aint(v, 0xff, 'u8');
    const at = this.#reserve(1);
    this.#view.setUint8(at, v);
    return this;
  }
  u16le(v: number): this {
    aint(v, 0xffff, 'u16');
    const at = this.#reserve(2);
    this.#view.setUint16(at, v, true);
    return this;
  }
  u16be(v: number): this {
    aint(v, 0xffff, 'u16');
    const at = this.#reserve(2);
    this.#view.setUint16(at, v, false);
    return this;
  }
  u24le(v: number): this {
    aint(v, 0xffffff, 'u24');
    const at = this.#reserve(3);
    this.#view.setUint16(at, v & 0xffff, true);
    this.#view.setUint8(at + 2, v >>> 16);
    return this;
  }
  u32le(v: number): this {
    aint(v, 0xffffffff, 'u32');
    const at = this.#reserve(4);
    this.#view.setUint32(at, v, true);
    return this;
  }
  u32be(v: number): this {
    aint(v, 0xffffffff, 'u32');
    const at = this.#reserve(4);
    this.#view.setUint32(at, v, false);
    return this;
  }
  u64le(v: bigint): this {
    abig(v, 'u64');
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, v, true);
    return this;
  }
  u64be(v: bigint): this {
    abig(v, 'u64');
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, v, false);
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
    this.#view.setUint32(offset, v, false);
    return this;
  }
  /** Overwrites a u32 already written at `offset`, little-endian. */
  patchU32le(offset: number, v: number): this {
    aint(v, 0xffffffff, 'u32');
    if (offset < 0 || offset + 4 > this.#len) throw new RangeError(`patch offset ${offset} out of range`);
    this.#view.setUint32(offset, v, true);
    return this;
  }
  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
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
