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
