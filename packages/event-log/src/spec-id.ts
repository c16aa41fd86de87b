import { DecodeError, decode, encode, list, mapped, fixedBytes, sized, struct, u8, u16le, u32le } from '@tcg2sim/binary-codec';
import type { Codec, Infer } from '@tcg2sim/binary-codec';
import { findHashAlg, hashAlgInfo } from '@tcg2sim/hash-lib';
import type { DigestSizes } from './structures.ts';

/**
 * A NUL-padded ASCII field of `n` bytes, decoded to its text without the trailing NULs.
 * Lossless: encode pads with NULs again, and the text keeps any inner NULs.
 */
export function asciiz(name: string, n: number): Codec<string> {
  return mapped(
    fixedBytes(name, n),
    name,
    (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1').replace(/\0+$/, ''),
    (s) => {
      if (s.length > n) throw new RangeError(`"${name}" longer than ${n} characters`);
      const out = new Uint8Array(n);
      out.set(Buffer.from(s, 'latin1'));
      return out;
    }
  );
}

/** Signature of the crypto-agile log header (PFP 1.05 §10.4.5.1). */
export const SPEC_ID_EVENT03 = 'Spec ID Event03';
/** Signature of TCG EFI Platform 1.22 §7.4 (TPM 1.2 EFI logs). */
export const SPEC_ID_EVENT00 = 'Spec ID Event00';
/** Signature of the PC Client Implementation Spec for Conventional BIOS 1.21 §11.3.4.1. */
export const SPEC_ID_EVENT02 = 'Spec ID Event02';

/**
 * TCG_EfiSpecIdEventAlgorithmSize (PFP 1.05 §10.4.5.1 Table 21): UINT16 algorithmId;
 * UINT16 digestSize.
 */
export const TCGEfiSpecIdEventAlgorithmSize = struct('TCG_EfiSpecIdEventAlgorithmSize', {
  algorithmId: u16le,
  digestSize: u16le,
});
export type TCGEfiSpecIdEventAlgorithmSize = Infer<typeof TCGEfiSpecIdEventAlgorithmSize>;

/** numberOfAlgorithms bound: the registry has 5 hashes; 64 leaves room for future ones. */
export const MAX_SPEC_ID_ALGORITHMS = 64;

/** The fields every Spec ID event starts with (Event03 and the legacy Event00/Event02 alike). */
const SPEC_ID_HEADER_FIELDS = {
  signature: asciiz('signature', 16),
  platformClass: u32le,
  specVersionMinor: u8,
  specVersionMajor: u8,
  specErrata: u8,
  uintnSize: u8,
};

/**
 * TCG_EfiSpecIDEvent, "Spec ID Event03" (PFP 1.05 §10.4.5.1 Table 20): BYTE signature[16];
 * UINT32 platformClass; UINT8 specVersionMinor; UINT8 specVersionMajor; UINT8 specErrata;
 * UINT8 uintnSize (1 = 32-bit UINTN, 2 = 64-bit); UINT32 numberOfAlgorithms;
 * TCG_EfiSpecIdEventAlgorithmSize digestSizes[numberOfAlgorithms]; UINT8 vendorInfoSize;
 * BYTE vendorInfo[vendorInfoSize]. Minor comes before major on the wire.
 */
export const TCGEfiSpecIDEvent = struct('TCG_EfiSpecIDEvent', {
  ...SPEC_ID_HEADER_FIELDS,
  digestSizes: list('digestSizes', u32le, TCGEfiSpecIdEventAlgorithmSize, MAX_SPEC_ID_ALGORITHMS),
  vendorInfo: sized('vendorInfo', u8, 255),
});
export type TCGEfiSpecIDEvent = Infer<typeof TCGEfiSpecIDEvent>;

/**
 * TCG_EfiSpecIdEventStruct "Spec ID Event00" (TCG EFI Platform 1.22 §7.4) and
 * TCG_PCClientSpecIDEventStruct "Spec ID Event02" (PC Client Conventional BIOS 1.21 §11.3.4.1):
 * BYTE signature[16]; UINT32 platformClass; UINT8 specVersionMinor; UINT8 specVersionMajor;
 * UINT8 specErrata; UINT8 uintnSize; UINT8 vendorInfoSize; BYTE vendorInfo[vendorInfoSize].
 * They head TPM 1.2 (SHA1) logs and carry no algorithm table.
 */
export const TCGSpecIdEventLegacy = struct('TCG_PCClientSpecIDEventStruct', {
  ...SPEC_ID_HEADER_FIELDS,
  vendorInfo: sized('vendorInfo', u8, 255),
});
export type TCGSpecIdEventLegacy = Infer<typeof TCGSpecIdEventLegacy>;

/** Whether `data` starts with the 16-byte signature `sig` + NUL padding. */
export function hasSignature(data: Uint8Array, sig: string): boolean {
  if (data.length < 16) return false;
  for (let i = 0; i < 16; i++) {
    const want = i < sig.length ? sig.charCodeAt(i) : 0;
    if (data[i] !== want) return false;
  }
  return true;
}

/** Decodes Spec ID Event03 data (all bytes consumed). Throws DecodeError. */
export function decodeSpecIdEvent(data: Uint8Array): TCGEfiSpecIDEvent {
  const v = decode(TCGEfiSpecIDEvent, data);
  if (v.signature !== SPEC_ID_EVENT03) {
    throw new DecodeError('BAD_VALUE', `signature is not "${SPEC_ID_EVENT03}"`, 0, ['TCG_EfiSpecIDEvent', 'signature']);
  }
  return v;
}

/** Options of {@link makeSpecIdEvent}; defaults are the values Tcg2Dxe writes on OVMF X64. */
export interface SpecIdOptions {
  readonly platformClass?: number;
  readonly specVersionMinor?: number;
  readonly specVersionMajor?: number;
  readonly specErrata?: number;
  readonly uintnSize?: number;
  readonly vendorInfo?: Uint8Array;
}

/**
 * The Spec ID Event03 value for `algs` (in the given order; EDK II uses SHA1, SHA256, SHA384,
 * SHA512, SM3_256 order), with OVMF's defaults: platformClass 0, version 2.0, errata 0,
 * uintnSize 2, no vendor info.
 */
export function makeSpecIdEvent(algs: readonly number[], o: SpecIdOptions = {}): TCGEfiSpecIDEvent {
  return {
    signature: SPEC_ID_EVENT03,
    platformClass: o.platformClass ?? 0,
    specVersionMinor: o.specVersionMinor ?? 0,
    specVersionMajor: o.specVersionMajor ?? 2,
    specErrata: o.specErrata ?? 0,
    uintnSize: o.uintnSize ?? 2,
    digestSizes: algs.map((a) => ({ algorithmId: a, digestSize: hashAlgInfo(a).size })),
    vendorInfo: o.vendorInfo ?? new Uint8Array(0),
  };
}

/** Encodes a Spec ID Event03 to its event data bytes. */
export function encodeSpecIdEvent(v: TCGEfiSpecIDEvent): Uint8Array {
  return encode(TCGEfiSpecIDEvent, v);
}

/**
 * Digest sizes a log's records are read with: the Spec ID table first (it is normative for the
 * log, PFP §10.4.5.1), then registry sizes for algorithms it does not list.
 */
export function digestSizesOf(specId: TCGEfiSpecIDEvent | undefined): DigestSizes {
  const m = new Map<number, number>();
  for (const a of specId?.digestSizes ?? []) if (!m.has(a.algorithmId)) m.set(a.algorithmId, a.digestSize);
  for (const alg of [0x0004, 0x000b, 0x000c, 0x000d, 0x0012]) {
    const info = findHashAlg(alg);
    if (info && !m.has(alg)) m.set(alg, info.size);
  }
  return m;
}
