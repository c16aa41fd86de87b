/**
 * A deterministic random bit generator: SHA-256(seed || counter) blocks. The soft TPM takes its
 * seed from the caller, so tests get the same "random" bytes every run, and the generator's state
 * is two plain values that serialize with the rest of the TPM.
 */
import { digestOf } from './algs.ts';
import type { PersistentState } from './state.ts';

/** The next `n` bytes of the generator kept in `p` (advances its counter). */
export function randomBytes(p: PersistentState, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const ctr = new Uint8Array(8);
    new DataView(ctr.buffer).setBigUint64(0, BigInt(p.rngCounter));
    p.rngCounter += 1;
    const block = digestOf(0x000b, p.rngSeed, ctr);
    const take = Math.min(block.length, n - off);
    out.set(block.subarray(0, take), off);
    off += take;
  }
  return out;
}
