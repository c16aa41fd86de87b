/**
 * A minimal walk over an OVMF authenticated variable store, for tests only (the package's variable
 * store parser lives elsewhere): FV header (HeaderLength at 0x30), VARIABLE_STORE_HEADER (28
 * bytes), then AUTHENTICATED_VARIABLE_HEADER records (StartId 0x55AA, State, Attributes,
 * MonotonicCount, TimeStamp, PubKeyIndex, NameSize, DataSize, VendorGuid; 60 bytes) with the name
 * and data after each, every record 4-byte aligned.
 */
import { guidToString } from '@tcg2sim/binary-codec';

export interface ScannedVariable {
  readonly name: string;
  readonly guid: string;
  readonly state: number;
  readonly data: Uint8Array;
}

/** VAR_ADDED: the state of a live variable. */
export const VAR_ADDED = 0x3f;

export function walkVariables(store: Uint8Array): ScannedVariable[] {
  const dv = new DataView(store.buffer, store.byteOffset, store.byteLength);
  let at = dv.getUint16(0x30, true) + 28;
  const out: ScannedVariable[] = [];
  while (at + 60 <= store.length && dv.getUint16(at, true) === 0x55aa) {
    const nameSize = dv.getUint32(at + 36, true);
    const dataSize = dv.getUint32(at + 40, true);
    const end = at + 60 + nameSize + dataSize;
    if (end > store.length) break;
    const name = Buffer.from(store.subarray(at + 60, at + 60 + nameSize)).toString('utf16le').replace(/\0+$/, '');
    out.push({ name, guid: guidToString(store.subarray(at + 44, at + 60)), state: store[at + 2] ?? 0, data: store.subarray(at + 60 + nameSize, end) });
    at = (end + 3) & ~3;
  }
  return out;
}

/**
 * Appends live (VAR_ADDED) non-volatile variables after the last record of the store, in its
 * free (0xFF) space, as the variable driver itself would (no timestamp, no key index). Test-only:
 * enough to hand OVMF boot options before it boots.
 */
export function appendVariables(store: Uint8Array, vars: readonly { name: string; guid: Uint8Array; attributes: number; data: Uint8Array }[]): Uint8Array {
  const out = store.slice();
  const dv = new DataView(out.buffer);
  let at = dv.getUint16(0x30, true) + 28;
  while (at + 60 <= out.length && dv.getUint16(at, true) === 0x55aa) {
    at = (at + 60 + dv.getUint32(at + 36, true) + dv.getUint32(at + 40, true) + 3) & ~3;
  }
  for (const v of vars) {
    const name = Buffer.from(`${v.name}\0`, 'utf16le');
    const end = at + 60 + name.length + v.data.length;
    if (end > out.length || out.subarray(at, end).some((b) => b !== 0xff)) throw new Error('no free space for the variable');
    out.fill(0, at, at + 60);
    dv.setUint16(at, 0x55aa, true);
    out[at + 2] = VAR_ADDED;
    dv.setUint32(at + 4, v.attributes, true);
    dv.setUint32(at + 36, name.length, true);
    dv.setUint32(at + 40, v.data.length, true);
    out.set(v.guid, at + 44);
    out.set(name, at + 60);
    out.set(v.data, at + 60 + name.length);
    at = (end + 3) & ~3;
  }
  return out;
}
