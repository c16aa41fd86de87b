/**
 * What every fuzz target accepts as the outcome of one step on hostile bytes: a return, or a
 * typed error (a Tcg2Error subclass with a `code`: DecodeError, FvError, VarStoreError, …).
 * Anything else (TypeError, RangeError, a stack overflow, …) escapes and Jazzer.js reports it.
 */
import { Tcg2Error } from '@tcg2sim/binary-codec';

export function typed(step: () => unknown): void {
  try {
    step();
  } catch (err) {
    if (err instanceof Tcg2Error && typeof (err as Tcg2Error & { code?: unknown }).code === 'string') return;
    throw err;
  }
}

/** The input as a plain Uint8Array view (Jazzer.js passes a Buffer). */
export function plainBytes(data: Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
