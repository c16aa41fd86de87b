import { DecodeError, EFIGuid, encode, decode } from '@tcg2sim/binary-codec';
import type { Codec } from '@tcg2sim/binary-codec';
import { codecOf, stringToUtf16le, utf16leToString } from '../_codecs.ts';
import { MAX_EVENT_DATA } from '../structures.ts';

/**
 * UEFI_VARIABLE_DATA (PFP 1.05 §10.2.6 Table 17; EDK II `UefiTcgPlatform.h`):
 * EFI_GUID VariableName; UINT64 UnicodeNameLength (CHAR16 count, no terminator);
 * UINT64 VariableDataLength; CHAR16 UnicodeName[]; INT8 VariableData[].
 * Logged for EV_EFI_VARIABLE_DRIVER_CONFIG, _BOOT, _BOOT2 and _AUTHORITY.
 */
export interface UEFIVariableData {
  /** The vendor GUID (registry form, upper case). */
  readonly variableName: string;
  /** The variable's name (`SecureBoot`, `Boot0001`), from UnicodeName. */
  readonly unicodeName: string;
  /** The variable's contents. A view into the event data. */
  readonly variableData: Uint8Array;
}

/** The codec of {@link UEFIVariableData}; the two lengths come from the fields that follow them. */
export const UEFIVariableData: Codec<UEFIVariableData> = codecOf(
  'UEFI_VARIABLE_DATA',
  (w, v) => {
    EFIGuid.encode(w, v.variableName);
    w.u64le(BigInt(v.unicodeName.length));
    w.u64le(BigInt(v.variableData.length));
    w.bytes(stringToUtf16le(v.unicodeName));
    w.bytes(v.variableData);
  },
  (r) => {
    const variableName = EFIGuid.decode(r);
    const at = r.offset;
    const nameLen = r.u64le();
    const dataLen = r.u64le();
    // Both lengths must fit what is left; checking first keeps a hostile 2^64 from allocating.
    if (nameLen * 2n + dataLen > BigInt(Math.min(r.remaining, MAX_EVENT_DATA))) {
      throw new DecodeError('SHORT_BUFFER', `UnicodeNameLength ${nameLen} and VariableDataLength ${dataLen} exceed the ${r.remaining} bytes left`, at, ['UnicodeNameLength']);
    }
    const unicodeName = utf16leToString(r.bytes(Number(nameLen) * 2));
    const variableData = r.bytes(Number(dataLen));
    return { variableName, unicodeName, variableData };
  }
);

/** Decodes UEFI_VARIABLE_DATA; every byte must be used (`TRAILING_BYTES` otherwise). */
export function decodeVariableData(data: Uint8Array): UEFIVariableData {
  return decode(UEFIVariableData, data);
}

/** Encodes UEFI_VARIABLE_DATA. */
export function encodeVariableData(v: UEFIVariableData): Uint8Array {
  return encode(UEFIVariableData, v);
}
