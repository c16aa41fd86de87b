import { DecodeError } from './errors.ts';

/** Lower-case hex of `b`. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/**
 * Parses hex (whitespace allowed, optional 0x prefix). Odd length or non-hex characters are
 * `DecodeError('BAD_VALUE')` with the character offset.
 */
export function fromHex(s: string): Uint8Array {
  let t = s.replace(/\s+/g, '');
  if (t.startsWith('0x') || t.startsWith('0X')) t = t.slice(2);
  const bad = /[^0-9a-fA-F]/.exec(t);
  if (bad) throw new DecodeError('BAD_VALUE', `not a hex digit: ${JSON.stringify(bad[0])}`, bad.index, ['hex']);
  if (t.length % 2 !== 0) throw new DecodeError('BAD_VALUE', 'odd number of hex digits', t.length, ['hex']);
  return new Uint8Array(Buffer.from(t, 'hex'));
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte-wise equality. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
