/**
 * TPMA_* attribute words with named bits (docs/style.md §4 rule 10, after go-tpm `gotpm:"bit=…"`):
 * each is a codec over its integer plus `unpack`/`pack` for a word already in hand. Bits the
 * spec reserves are kept in `reserved` so that every word round-trips unchanged.
 *
 * The structures that carry these words (TPMS_NV_PUBLIC.attributes, TPMS_AUTH_COMMAND
 * .sessionAttributes, …) keep the raw integer; use these views where the bits matter.
 */
import { u32be, u8 } from '@tcg2sim/binary-codec';
import type { Codec } from '@tcg2sim/binary-codec';

/** A multi-bit field: `width` bits starting at bit `shift`. */
interface FieldSpec {
  readonly shift: number;
  readonly width: number;
}

/** The decoded view: one boolean per flag, one number per field, and the reserved bits. */
export type BitfieldValue<F extends string, M extends string> = { [K in F]: boolean } & { [K in M]: number } & { reserved: number };

/** A bitfield codec with `unpack`/`pack` for a word already decoded. */
export interface Bitfield<T> extends Codec<T> {
  unpack(word: number): T;
  pack(value: T): number;
}

/**
 * Declares a bitfield over `base` (u8 or u32be): `flags` maps names to single-bit masks,
 * `fields` maps names to multi-bit fields. Bits in neither are reserved.
 */
function bitfield<const F extends string, const M extends string = never>(
  name: string,
  base: Codec<number>,
  width: number,
  flags: Readonly<Record<F, number>>,
  fields: Readonly<Record<M, FieldSpec>> = {} as Readonly<Record<M, FieldSpec>>
): Bitfield<BitfieldValue<F, M>> {
  const flagEntries = Object.entries<number>(flags);
  const fieldEntries = Object.entries<FieldSpec>(fields);
  const all = width === 32 ? 0xffffffff : (1 << width) - 1;
  let used = 0;
  for (const [, m] of flagEntries) used |= m;
  for (const [, f] of fieldEntries) used |= ((1 << f.width) - 1) << f.shift;
  const reservedMask = (all & ~used) >>> 0;
  const unpack = (word: number): BitfieldValue<F, M> => {
    const out: Record<string, boolean | number> = {};
    for (const [k, m] of flagEntries) out[k] = (word & m) !== 0;
    for (const [k, f] of fieldEntries) out[k] = (word >>> f.shift) & ((1 << f.width) - 1);
    out['reserved'] = (word & reservedMask) >>> 0;
    // The keys set above are exactly those of BitfieldValue<F, M>.
    return out as BitfieldValue<F, M>;
  };
  const pack = (v: BitfieldValue<F, M>): number => {
    const rec = v as Record<string, boolean | number>;
    let word = 0;
    for (const [k, m] of flagEntries) if (rec[k] === true) word |= m;
    for (const [k, f] of fieldEntries) {
      const x = rec[k];
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= 1 << f.width) throw new RangeError(`"${name}.${k}" must fit in ${f.width} bits`);
      word |= x << f.shift;
    }
    if ((v.reserved & ~reservedMask) !== 0) throw new RangeError(`"${name}.reserved" has bits outside the reserved mask 0x${reservedMask.toString(16)}`);
    return (word | v.reserved) >>> 0;
  };
  return {
    name,
    encode: (w, v) => { base.encode(w, pack(v)); },
    decode: (r) => unpack(base.decode(r)),
    unpack,
    pack,
  };
}

/** TPMA_NV (Part 2, 13.4, Table 233); `nt` is TPM_NT (bits 7:4). */
export const TPMANV = bitfield('TPMA_NV', u32be, 32, {
  ppWrite: 1 << 0, ownerWrite: 1 << 1, authWrite: 1 << 2, policyWrite: 1 << 3,
  policyDelete: 1 << 10, writeLocked: 1 << 11, writeAll: 1 << 12, writeDefine: 1 << 13,
  writeStClear: 1 << 14, globalLock: 1 << 15, ppRead: 1 << 16, ownerRead: 1 << 17,
  authRead: 1 << 18, policyRead: 1 << 19, noDa: 1 << 25, orderly: 1 << 26, clearStClear: 1 << 27,
  readLocked: 1 << 28, written: 1 << 29, platformCreate: 1 << 30, readStClear: 2 ** 31,
}, { nt: { shift: 4, width: 4 } });

/** TPMA_SESSION (Part 2, 8.4, Table 37). */
export const TPMASession = bitfield('TPMA_SESSION', u8, 8, {
  continueSession: 0x01, auditExclusive: 0x02, auditReset: 0x04, decrypt: 0x20, encrypt: 0x40, audit: 0x80,
});

/** TPMA_ALGORITHM (Part 2, 8.2, Table 31). */
export const TPMAAlgorithm = bitfield('TPMA_ALGORITHM', u32be, 32, {
  asymmetric: 1 << 0, symmetric: 1 << 1, hash: 1 << 2, object: 1 << 3, signing: 1 << 8, encrypting: 1 << 9, method: 1 << 10,
});

/** TPMA_CC (Part 2, 8.9, Table 42): commandIndex 15:0, cHandles 27:25. */
export const TPMACC = bitfield('TPMA_CC', u32be, 32, {
  nv: 1 << 22, extensive: 1 << 23, flushed: 1 << 24, rHandle: 1 << 28, V: 1 << 29,
}, { commandIndex: { shift: 0, width: 16 }, cHandles: { shift: 25, width: 3 } });
