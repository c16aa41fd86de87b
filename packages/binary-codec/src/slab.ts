/**
 * Small byte arrays cut from shared ArrayBuffers ("slabs"), as Node's Buffer pool does, for the
 * buffers made once per TPM command and response. V8 gives every typed array above 64 bytes an
 * ArrayBuffer of its own (external memory, about 0.25 µs and garbage-collector pressure each), and
 * moves a small one off its heap as soon as a view of it is made (decoders make views): a view of
 * a slab costs neither.
 *
 * Each array is zero-filled (a slab's bytes are handed out once, never reused) and is a copy no
 * one else writes to. Its `buffer` is the shared slab: code that wraps it in a DataView must pass
 * `byteOffset` and `byteLength`. A slab stays in memory while any array cut from it does.
 */

/** Bytes per slab. */
const SLAB_SIZE = 16384;
/** Larger arrays get an ArrayBuffer of their own. */
const MAX_FROM_SLAB = 1024;

let slab = new ArrayBuffer(SLAB_SIZE);
let used = 0;

/** A zero-filled Uint8Array of `n` bytes, cut from a shared slab when small. */
export function allocBytes(n: number): Uint8Array {
  if (n > MAX_FROM_SLAB) return new Uint8Array(n);
  if (used + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  const out = new Uint8Array(slab, used, n);
  used = (used + n + 7) & ~7; // 8-byte aligned starts
  return out;
}
