/**
 * Hash and event sequence objects (libtpms Object.c: AllocateSequenceSlot,
 * ObjectCreateHashSequence, ObjectCreateEventSequence). They live in the three transient object
 * slots (MAX_LOADED_OBJECTS = 3) at handles 0x80000000 + slot; a fourth is TPM_RC_OBJECT_MEMORY.
 * The H-CRTM / DRTM sequence of _TPM_Hash_Start takes a slot too, and evicts the first occupied
 * slot when none is free.
 */
import { HASH_COUNT_ALGS, digestOf } from './algs.ts';
import { HR } from './constants.ts';
import type { SequenceObject, VolatileState } from './state.ts';

/**
 * The most a sequence keeps (256 MiB). libtpms hashes as it goes and has no limit; the soft TPM
 * keeps the bytes to stay serializable, and answers TPM_RC_MEMORY beyond this bound.
 */
export const MAX_SEQUENCE_BYTES = 256 * 1024 * 1024;

/** Put a new sequence in the first free slot; its handle, or undefined when all are taken. */
export function createSequence(vol: VolatileState, kind: 'hash' | 'event', hashAlg: number, auth: Uint8Array): number | undefined {
  const slot = vol.objects.indexOf(null);
  if (slot < 0) return undefined;
  vol.objects[slot] = { kind, hashAlg, auth: Uint8Array.from(auth), chunks: [], size: 0, firstBlock: false, ticketSafe: false };
  return HR.TRANSIENT_FIRST + slot;
}

/** The sequence at a transient handle, or undefined when that slot is empty. */
export function sequenceAt(vol: VolatileState, handle: number): SequenceObject | undefined {
  const slot = handle - HR.TRANSIENT_FIRST;
  if (slot < 0 || slot >= vol.objects.length) return undefined;
  return vol.objects[slot] ?? undefined;
}

/** Drop the object at a transient handle. */
export function flushObject(vol: VolatileState, handle: number): void {
  const slot = handle - HR.TRANSIENT_FIRST;
  if (slot >= 0 && slot < vol.objects.length) vol.objects[slot] = null;
}

/** Feed bytes to a sequence; false (nothing kept) when that would pass MAX_SEQUENCE_BYTES. */
export function sequenceUpdate(seq: SequenceObject, data: Uint8Array): boolean {
  if (seq.size + data.length > MAX_SEQUENCE_BYTES) return false;
  if (data.length > 0) {
    seq.chunks.push(Uint8Array.from(data));
    seq.size += data.length;
  }
  return true;
}

/** Every byte of the sequence so far. */
export function sequenceBytes(seq: SequenceObject): Uint8Array {
  if (seq.chunks.length === 1 && seq.chunks[0] !== undefined) return seq.chunks[0];
  const out = new Uint8Array(seq.size);
  let off = 0;
  for (const c of seq.chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** The digest of a hash sequence so far plus `last`. */
export function sequenceDigest(seq: SequenceObject, alg: number, last: Uint8Array): Uint8Array {
  return digestOf(alg, sequenceBytes(seq), last);
}

/** Every bank's digest of an event sequence plus `last`, in HASH_COUNT order. */
export function eventDigests(seq: SequenceObject, last: Uint8Array): Array<{ alg: number; digest: Uint8Array }> {
  const data = sequenceBytes(seq);
  return HASH_COUNT_ALGS.map((alg) => ({ alg, digest: digestOf(alg, data, last) }));
}
