/**
 * EFI_SIGNATURE_LIST / EFI_SIGNATURE_DATA (UEFI 2.9 §32.4.1), the contents of db, dbx, dbt, KEK
 * and PK. Walked the way DxeImageVerificationLib walks them (IsSignatureFoundInDatabase,
 * IsAllowedByDb, IsForbiddenByDbx):
 *
 *   while (DataSize > 0 && DataSize >= List->SignatureListSize) {
 *     count = (SignatureListSize - 28 - SignatureHeaderSize) / SignatureSize;  // floor
 *     ...; DataSize -= SignatureListSize; List += SignatureListSize;
 *   }
 *
 * so a list larger than what is left ends the walk silently, and bytes left over after the last
 * whole signature of a list are ignored. Lists EDK II could not walk at all (SignatureListSize 0
 * would loop forever, SignatureSize 0 divides by zero, a header past the data reads outside the
 * variable) are refused with a DecodeError instead. AuthVariableLib never stores such lists in
 * db/dbx/dbt (it checks the format on every authenticated write).
 */
import { ByteReader, DecodeError, EFIGuid, encode, fixedBytes, guidFromString, struct, u32le } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';
import { EFI_SIGNATURE_DATA_HEADER_SIZE, EFI_SIGNATURE_LIST_SIZE } from './constants.ts';

/**
 * EFI_SIGNATURE_LIST header (28 bytes): EFI_GUID SignatureType; UINT32 SignatureListSize;
 * UINT32 SignatureHeaderSize; UINT32 SignatureSize. SignatureHeaderSize bytes of header and then
 * the EFI_SIGNATURE_DATA entries follow.
 */
export const EFISignatureListHeader = struct('EFI_SIGNATURE_LIST', {
  signatureType: EFIGuid,
  signatureListSize: u32le,
  signatureHeaderSize: u32le,
  signatureSize: u32le,
});
export type EFISignatureListHeader = Infer<typeof EFISignatureListHeader>;

/** EFI_SIGNATURE_DATA: EFI_GUID SignatureOwner; UINT8 SignatureData[SignatureSize - 16]. */
export const EFISignatureDataHeader = struct('EFI_SIGNATURE_DATA', {
  signatureOwner: EFIGuid,
});

/** One EFI_SIGNATURE_DATA of a list. Byte fields are views into the variable data. */
export interface SignatureEntry {
  /** Index of the entry in its list. */
  readonly index: number;
  /** Offset of the entry in the variable data. */
  readonly offset: number;
  readonly owner: string;
  /** SignatureData: the certificate or hash (SignatureSize - 16 bytes). */
  readonly data: Uint8Array;
  /** The whole EFI_SIGNATURE_DATA (SignatureSize bytes): what EV_EFI_VARIABLE_AUTHORITY logs. */
  readonly raw: Uint8Array;
}

/** One EFI_SIGNATURE_LIST as EDK II sees it. */
export interface SignatureList {
  /** Index of the list in the variable. */
  readonly index: number;
  /** Offset of the list in the variable data. */
  readonly offset: number;
  readonly header: EFISignatureListHeader;
  readonly signatureHeader: Uint8Array;
  readonly entries: readonly SignatureEntry[];
}

/** The most lists / entries per list read from one variable (a variable is at most ~64 KiB here). */
export const SIGNATURE_LIST_LIMITS = { lists: 1024, entriesPerList: 65536 } as const;

/**
 * The signature lists of a database variable, in EDK II's walk order.
 * @param name the variable's name, used in error paths
 * @throws DecodeError `BAD_VALUE` (a list EDK II would hang or fault on), `SHORT_BUFFER` (a list
 *   header past the end of the data), `LIMIT_EXCEEDED`
 */
export function parseSignatureLists(data: Uint8Array, name = 'db'): SignatureList[] {
  const out: SignatureList[] = [];
  let at = 0;
  while (at < data.length) {
    const path = [name, out.length];
    if (out.length >= SIGNATURE_LIST_LIMITS.lists) {
      throw new DecodeError('LIMIT_EXCEEDED', `more than ${SIGNATURE_LIST_LIMITS.lists} signature lists`, at, path);
    }
    const left = data.length - at;
    if (left < EFI_SIGNATURE_LIST_SIZE) {
      throw new DecodeError('SHORT_BUFFER', `${left} bytes left: EDK II would read an EFI_SIGNATURE_LIST header past the variable`, at, path);
    }
    const r = new ByteReader(data, at);
    const header = EFISignatureListHeader.decode(r);
    if (left < header.signatureListSize) break; // EDK II's loop condition: the walk ends here.
    if (header.signatureListSize === 0) throw new DecodeError('BAD_VALUE', 'SignatureListSize 0 (EDK II loops forever)', at + 16, [...path, 'signatureListSize']);
    if (header.signatureSize === 0) throw new DecodeError('BAD_VALUE', 'SignatureSize 0 (EDK II divides by zero)', at + 24, [...path, 'signatureSize']);
    if (header.signatureSize < EFI_SIGNATURE_DATA_HEADER_SIZE) {
      throw new DecodeError('BAD_VALUE', `SignatureSize ${header.signatureSize} is shorter than the owner GUID`, at + 24, [...path, 'signatureSize']);
    }
    if (header.signatureListSize < EFI_SIGNATURE_LIST_SIZE + header.signatureHeaderSize) {
      throw new DecodeError('BAD_VALUE', `SignatureListSize ${header.signatureListSize} < 28 + SignatureHeaderSize ${header.signatureHeaderSize}`, at + 16, [...path, 'signatureListSize']);
    }
    const count = Math.floor((header.signatureListSize - EFI_SIGNATURE_LIST_SIZE - header.signatureHeaderSize) / header.signatureSize);
    if (count > SIGNATURE_LIST_LIMITS.entriesPerList) throw new DecodeError('LIMIT_EXCEEDED', `${count} signatures in one list`, at, path);
    const signatureHeader = data.subarray(at + EFI_SIGNATURE_LIST_SIZE, at + EFI_SIGNATURE_LIST_SIZE + header.signatureHeaderSize);
    const entries: SignatureEntry[] = [];
    let e = at + EFI_SIGNATURE_LIST_SIZE + header.signatureHeaderSize;
    for (let i = 0; i < count; i++) {
      const raw = data.subarray(e, e + header.signatureSize);
      const { signatureOwner } = EFISignatureDataHeader.decode(new ByteReader(raw));
      entries.push({ index: i, offset: e, owner: signatureOwner, data: raw.subarray(EFI_SIGNATURE_DATA_HEADER_SIZE), raw });
      e += header.signatureSize;
    }
    out.push({ index: out.length, offset: at, header, signatureHeader, entries });
    at += header.signatureListSize;
  }
  return out;
}

/** Input of {@link encodeSignatureList}. */
export interface SignatureListInput {
  readonly signatureType: string;
  /** Each entry's owner GUID and data; all data must have the same length. */
  readonly entries: readonly { readonly owner: string; readonly data: Uint8Array }[];
  readonly signatureHeader?: Uint8Array;
}

/**
 * One EFI_SIGNATURE_LIST (for building db/dbx contents).
 * @throws RangeError when the entries differ in length or there are none
 */
export function encodeSignatureList(input: SignatureListInput): Uint8Array {
  const first = input.entries[0];
  if (first === undefined) throw new RangeError('"entries" must not be empty');
  const size = EFI_SIGNATURE_DATA_HEADER_SIZE + first.data.length;
  if (input.entries.some((e) => e.data.length !== first.data.length)) throw new RangeError('"entries" must all have the same length');
  const sh = input.signatureHeader ?? new Uint8Array();
  const head = encode(EFISignatureListHeader, {
    signatureType: input.signatureType,
    signatureListSize: EFI_SIGNATURE_LIST_SIZE + sh.length + size * input.entries.length,
    signatureHeaderSize: sh.length,
    signatureSize: size,
  });
  const parts = [head, sh, ...input.entries.flatMap((e) => [encode(fixedBytes('SignatureOwner', 16), guidFromString(e.owner)), e.data])];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
