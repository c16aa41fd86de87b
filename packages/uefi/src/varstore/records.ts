/**
 * Walking the variable records of a store the way EDK II does (VariableParsing.c:
 * IsValidVariableHeader, NameSizeOfVariable, DataSizeOfVariable, GetNextVariablePtr).
 */
import { ByteReader, equalBytes } from '@tcg2sim/binary-codec';
import { AUTH_VARIABLE_HEADER_SIZE, VARIABLE_DATA, VARIABLE_HEADER_SIZE, VARIABLE_STORE_HEADER_SIZE } from './constants.ts';
import { VarStoreError } from './errors.ts';
import { AuthenticatedVariableHeader, VariableHeader } from './structures.ts';
import type { EFITime } from './structures.ts';
import type { NvLayout } from './layout.ts';
import { char16UpToNul } from '../char16.ts';

/** One record as found on flash. Byte fields are views into the image: copy before mutating. */
export interface VariableRecord {
  /** Absolute offset of the record header in the image. */
  readonly offset: number;
  readonly state: number;
  readonly attributes: number;
  /** Authenticated format only (0 / zero time / 0 otherwise). */
  readonly monotonicCount: bigint;
  readonly timeStamp: EFITime | undefined;
  readonly pubKeyIndex: number;
  /** NameSize / DataSize as stored. */
  readonly rawNameSize: number;
  readonly rawDataSize: number;
  readonly vendorGuid: string;
  /** Name bytes (UCS-2 with its NUL) and data, per EDK II's size rules (empty for State 0xFF). */
  readonly nameBytes: Uint8Array;
  readonly data: Uint8Array;
  /** Name decoded up to the first NUL. */
  readonly name: string;
  /** Offset of the next header (HEADER_ALIGN of the end of data). */
  readonly next: number;
}

/** All records of a store and where the free space starts. */
export interface StoreWalk {
  readonly records: readonly VariableRecord[];
  /** Absolute offset after the last walkable record (NonVolatileLastVariableOffset + store offset). */
  readonly lastOffset: number;
  /** True when every byte from `lastOffset` to the store end is 0xFF (no reclaim needed at boot). */
  readonly freeAreaClean: boolean;
  /** With `tolerant`, the error that stopped the walk early (records before it are listed). */
  readonly error?: VarStoreError | undefined;
}

/** HEADER_ALIGN: records start on 4-byte boundaries. */
export function headerAlign(n: number): number {
  return (n + 3) & ~3;
}

/** Header size of a store's record format. */
export function recordHeaderSize(authenticated: boolean): number {
  return authenticated ? AUTH_VARIABLE_HEADER_SIZE : VARIABLE_HEADER_SIZE;
}

/** UCS-2 LE bytes of `name` with its terminating NUL (StrSize). */
export function encodeVariableName(name: string): Uint8Array {
  const out = new Uint8Array((name.length + 1) * 2);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >>> 8;
  }
  return out;
}

/** Decodes a variable name: UCS-2 LE up to the first NUL (a trailing odd byte is ignored). */
export const decodeVariableName: (b: Uint8Array) => string = char16UpToNul;

/**
 * Walks the records from the first header to the first StartId that is not 0x55AA (or the store
 * end). Sizes follow NameSizeOfVariable/DataSizeOfVariable: a record whose State is 0xFF, or whose
 * NameSize, DataSize or Attributes is all ones, counts as header-only (a header cut mid-write).
 *
 * @param tolerant stop at a bad record and report it in `error` instead of throwing (for
 *   showing a store as it is, for example one caught in the middle of an FTW rewrite)
 * @throws VarStoreError RECORD_OVERRUN when a header, name or data reaches past the store end
 */
export function walkStore(image: Uint8Array, layout: NvLayout, tolerant = false): StoreWalk {
  const storeEnd = layout.storeOffset + layout.storeSize;
  const hs = recordHeaderSize(layout.authenticated);
  const records: VariableRecord[] = [];
  let pos = headerAlign(layout.storeOffset + VARIABLE_STORE_HEADER_SIZE);
  let error: VarStoreError | undefined;
  while (pos + 2 <= storeEnd && ((image[pos] ?? 0) | ((image[pos + 1] ?? 0) << 8)) === VARIABLE_DATA) {
    let rec: VariableRecord;
    try {
      rec = readRecord(image, pos, storeEnd, hs, layout.authenticated);
    } catch (err) {
      if (!tolerant || !(err instanceof VarStoreError)) throw err;
      error = err;
      break;
    }
    records.push(rec);
    pos = rec.next;
  }
  const lastOffset = Math.min(pos, storeEnd);
  let clean = true;
  for (let i = lastOffset; i < storeEnd; i++) {
    if (image[i] !== 0xff) {
      clean = false;
      break;
    }
  }
  return { records, lastOffset, freeAreaClean: clean, error };
}

function readRecord(image: Uint8Array, pos: number, storeEnd: number, hs: number, auth: boolean): VariableRecord {
  const structure = auth ? 'AUTHENTICATED_VARIABLE_HEADER' : 'VARIABLE_HEADER';
  if (pos + hs > storeEnd) throw new VarStoreError('RECORD_OVERRUN', structure, `record header needs ${hs} bytes, ${storeEnd - pos} left in the store`, pos);
  const r = new ByteReader(image, pos, pos + hs);
  let state: number, attributes: number, nameSize: number, dataSize: number, vendorGuid: string;
  let monotonicCount = 0n, timeStamp: EFITime | undefined, pubKeyIndex = 0;
  if (auth) {
    const h = AuthenticatedVariableHeader.decode(r);
    ({ state, attributes, nameSize, dataSize, vendorGuid, monotonicCount, timeStamp, pubKeyIndex } = h);
  } else {
    const h = VariableHeader.decode(r);
    ({ state, attributes, nameSize, dataSize, vendorGuid } = h);
  }
  const headerOnly = state === 0xff || nameSize === 0xffffffff || dataSize === 0xffffffff || attributes === 0xffffffff;
  const ns = headerOnly ? 0 : nameSize;
  const ds = headerOnly ? 0 : dataSize;
  const nameAt = pos + hs;
  if (ns > storeEnd - nameAt) throw new VarStoreError('RECORD_OVERRUN', structure, `NameSize 0x${ns.toString(16)} runs past the store end`, pos + (auth ? 36 : 8));
  const dataAt = nameAt + ns;
  if (ds > storeEnd - dataAt) throw new VarStoreError('RECORD_OVERRUN', structure, `DataSize 0x${ds.toString(16)} runs past the store end`, pos + (auth ? 40 : 12));
  const nameBytes = image.subarray(nameAt, dataAt);
  return {
    offset: pos, state, attributes, monotonicCount, timeStamp, pubKeyIndex, rawNameSize: nameSize, rawDataSize: dataSize,
    vendorGuid, nameBytes, data: image.subarray(dataAt, dataAt + ds), name: decodeVariableName(nameBytes),
    next: headerAlign(dataAt + ds),
  };
}

/** True when the record has `nameBytes` (StrSize-encoded) and `guid`. */
export function recordIs(rec: VariableRecord, nameBytes: Uint8Array, guid: string): boolean {
  return rec.vendorGuid === guid && equalBytes(rec.nameBytes, nameBytes);
}
