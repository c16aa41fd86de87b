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

/** Concatenate two byte arrays (sequence data grows by appending). */
function append(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Put a new sequence in the first free slot; its handle, or undefined when all are taken. */
export function createSequence(vol: VolatileState, kind: 'hash' | 'event', hashAlg: number, auth: Uint8Array): number | undefined {
  const slot = vol.objects.indexOf(null);
  if (slot < 0) return undefined;
  vol.objects[slot] = { kind, hashAlg, auth: Uint8Array.from(auth), data: new Uint8Array(0), firstBlock: false, ticketSafe: false };
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

/** Feed bytes to a sequence. */
export function sequenceUpdate(seq: SequenceObject, data: Uint8Array): void {
  if (data.length > 0) seq.data = append(seq.data, data);
}

/** The digest of a hash sequence so far plus `last`. */
export function sequenceDigest(seq: SequenceObject, alg: number, last: Uint8Array): Uint8Array {
  return digestOf(alg, seq.data, last);
}

/** Every bank's digest of an event sequence plus `last`, in HASH_COUNT order. */
export function eventDigests(seq: SequenceObject, last: Uint8Array): Array<{ alg: number; digest: Uint8Array }> {
  return HASH_COUNT_ALGS.map((alg) => ({ alg, digest: digestOf(alg, seq.data, last) }));
}
