/**
 * The PCR files of tpm2-tools (5.x): what `tpm2_pcrread -o FILE -F serialized` and
 * `tpm2_quote -o FILE` write and `tpm2_checkquote -f FILE` reads (lib/pcr.c
 * pcr_fwrite_serialized / tools/misc/tpm2_checkquote.c parse_selection_data_from_file), the
 * `-F values` file (the selected digests back to back, read by `tpm2_checkquote -f FILE -l SEL`
 * and `tpm2_createpolicy --policy-pcr -f FILE`), and tpm2_pcrread's YAML listing.
 *
 * The serialized file is not the TPM's marshalling: it is tpm2-tss's C structures dumped with
 * fwrite, integers little-endian, fixed-size arrays and C padding included:
 *   TPML_PCR_SELECTION { UINT32 count; TPMS_PCR_SELECTION pcrSelections[TPM2_NUM_PCR_BANKS = 16] }
 *     TPMS_PCR_SELECTION { UINT16 hash; UINT8 sizeofSelect; BYTE pcrSelect[4]; 1 byte padding }
 *   UINT32 listCount;
 *   TPML_DIGEST pcrValues[listCount]  (at most TPM2_MAX_PCRS = 32)
 *     TPML_DIGEST { UINT32 count; TPM2B_DIGEST digests[8] }, TPM2B_DIGEST { UINT16 size; BYTE buffer[64] }
 * The digests follow the selection (bank by bank, PCRs ascending), eight to a TPML_DIGEST as
 * TPM2_PCR_Read returns them. Hence its own layout here, not tpm2-command-lib's TPML_PCR_SELECTION.
 */
import { DecodeError, array, decode, encode, fixedBytes, list, struct, toHex, u16le, u32le, u8 } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';
import { hashAlgInfo, isHashAlg } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { pcrSelectBits, pcrsFromSelect } from '@tcg2sim/tpm2-command-lib';
import { SIZEOF_SELECT, selectedValues } from './selection.ts';
import type { PcrBanks, PcrSelection } from './selection.ts';

/** tpm2-tss's array bounds (tss2_tpm2_types.h). */
export const TSS_LIMITS = { banks: 16, pcrSelectMax: 4, digestsPerList: 8, digestBuffer: 64, lists: 32 } as const;

const TssPcrSelection = struct('TPMS_PCR_SELECTION', {
  hash: u16le,
  sizeofSelect: u8,
  pcrSelect: fixedBytes('pcrSelect', TSS_LIMITS.pcrSelectMax),
  padding: fixedBytes('padding', 1),
});
const TssPcrSelectionList = struct('TPML_PCR_SELECTION', {
  count: u32le,
  pcrSelections: array('pcrSelections', TssPcrSelection, TSS_LIMITS.banks),
});
const TssDigest = struct('TPM2B_DIGEST', { size: u16le, buffer: fixedBytes('buffer', TSS_LIMITS.digestBuffer) });
const TssDigestList = struct('TPML_DIGEST', { count: u32le, digests: array('digests', TssDigest, TSS_LIMITS.digestsPerList) });

/** The serialized PCR file of tpm2-tools. */
export const Tpm2ToolsPcrFile = struct('tpm2_pcrs', {
  selection: TssPcrSelectionList,
  pcrValues: list('pcrValues', u32le, TssDigestList, TSS_LIMITS.lists),
});
export type Tpm2ToolsPcrFile = Infer<typeof Tpm2ToolsPcrFile>;

/** Size of the serialized file for `n` digests. */
export function serializedSize(n: number): number {
  return 4 + TSS_LIMITS.banks * 8 + 4 + Math.ceil(n / TSS_LIMITS.digestsPerList) * (4 + TSS_LIMITS.digestsPerList * (2 + TSS_LIMITS.digestBuffer));
}

/**
 * The serialized PCR file (`tpm2_pcrread -F serialized -o`, `tpm2_quote -o`) of the selected PCRs.
 * @throws ReferenceError `MISSING_PCR`; RangeError for more than 16 banks or 256 PCRs
 */
export function encodeTpm2PcrsSerialized(sel: PcrSelection, banks: PcrBanks): Uint8Array {
  if (sel.length > TSS_LIMITS.banks) throw new RangeError(`a tpm2-tools PCR file holds at most ${TSS_LIMITS.banks} banks`);
  const values = selectedValues(sel, banks);
  const zeroSel = { hash: 0, sizeofSelect: 0, pcrSelect: new Uint8Array(TSS_LIMITS.pcrSelectMax), padding: new Uint8Array(1) };
  const pcrSelections = Array.from({ length: TSS_LIMITS.banks }, (_, i) => {
    const b = sel[i];
    if (b === undefined) return zeroSel;
    const bits = new Uint8Array(TSS_LIMITS.pcrSelectMax);
    bits.set(pcrSelectBits(b.pcrs, SIZEOF_SELECT));
    return { hash: b.hashAlg, sizeofSelect: SIZEOF_SELECT, pcrSelect: bits, padding: new Uint8Array(1) };
  });
  const emptyDigest = { size: 0, buffer: new Uint8Array(TSS_LIMITS.digestBuffer) };
  const pcrValues: Infer<typeof TssDigestList>[] = [];
  for (let i = 0; i < values.length; i += TSS_LIMITS.digestsPerList) {
    const chunk = values.slice(i, i + TSS_LIMITS.digestsPerList);
    const digests = Array.from({ length: TSS_LIMITS.digestsPerList }, (_, k) => {
      const v = chunk[k];
      if (v === undefined) return emptyDigest;
      const buffer = new Uint8Array(TSS_LIMITS.digestBuffer);
      buffer.set(v.value);
      return { size: v.value.length, buffer };
    });
    pcrValues.push({ count: chunk.length, digests });
  }
  return encode(Tpm2ToolsPcrFile, { selection: { count: sel.length, pcrSelections }, pcrValues });
}

/** What a serialized PCR file says: its selection and the values of the selected PCRs. */
export interface DecodedTpm2Pcrs {
  readonly selection: PcrSelection;
  readonly banks: PcrBanks;
}

/**
 * Reads a serialized PCR file the way tpm2_checkquote does, checked: counts within the arrays,
 * known hash algorithms, digest sizes that fit the bank, as many digests as PCRs selected.
 * @throws DecodeError naming the structure, field and offset
 */
export function decodeTpm2PcrsSerialized(bytes: Uint8Array): DecodedTpm2Pcrs {
  const f = decode(Tpm2ToolsPcrFile, bytes);
  const selOffset = (i: number): number => 4 + i * 8;
  if (f.selection.count > TSS_LIMITS.banks) throw new DecodeError('LIMIT_EXCEEDED', `count ${f.selection.count} > ${TSS_LIMITS.banks}`, 0, ['TPML_PCR_SELECTION', 'count']);
  const listsAt = 4 + TSS_LIMITS.banks * 8 + 4;
  const listSize = 4 + TSS_LIMITS.digestsPerList * (2 + TSS_LIMITS.digestBuffer);
  // The digests in file order, with where each one is.
  const digests: { bytes: Uint8Array; at: number }[] = [];
  f.pcrValues.forEach((l, li) => {
    const at = listsAt + li * listSize;
    if (l.count > TSS_LIMITS.digestsPerList) throw new DecodeError('LIMIT_EXCEEDED', `count ${l.count} > ${TSS_LIMITS.digestsPerList}`, at, ['tpm2_pcrs', 'pcrValues', li, 'count']);
    l.digests.slice(0, l.count).forEach((d, k) => {
      const dAt = at + 4 + k * (2 + TSS_LIMITS.digestBuffer);
      if (d.size > TSS_LIMITS.digestBuffer) throw new DecodeError('BAD_VALUE', `size ${d.size} > ${TSS_LIMITS.digestBuffer}`, dAt, ['tpm2_pcrs', 'pcrValues', li, 'digests', k, 'size']);
      digests.push({ bytes: d.buffer.slice(0, d.size), at: dAt });
    });
  });
  const selection: { hashAlg: TpmAlgHash; pcrs: number[] }[] = [];
  const banks = new Map<TpmAlgHash, Map<number, Uint8Array>>();
  let next = 0;
  for (let i = 0; i < f.selection.count; i++) {
    const s = f.selection.pcrSelections[i];
    if (s === undefined) break;
    const path = ['TPML_PCR_SELECTION', 'pcrSelections', i];
    if (!isHashAlg(s.hash)) throw new DecodeError('BAD_VALUE', `hash 0x${s.hash.toString(16)} is not a known hash algorithm`, selOffset(i), [...path, 'hash']);
    if (s.sizeofSelect > TSS_LIMITS.pcrSelectMax) throw new DecodeError('BAD_VALUE', `sizeofSelect ${s.sizeofSelect} > ${TSS_LIMITS.pcrSelectMax}`, selOffset(i) + 2, [...path, 'sizeofSelect']);
    if (banks.has(s.hash)) throw new DecodeError('BAD_VALUE', `bank ${hashAlgInfo(s.hash).name} selected twice`, selOffset(i), [...path, 'hash']);
    const pcrs = pcrsFromSelect(s.pcrSelect.subarray(0, s.sizeofSelect));
    const bank = new Map<number, Uint8Array>();
    const size = hashAlgInfo(s.hash).size;
    for (const pcr of pcrs) {
      const d = digests[next++];
      if (d === undefined) throw new DecodeError('SHORT_BUFFER', `no digest for ${hashAlgInfo(s.hash).name} PCR ${pcr}: the lists hold ${digests.length} digests`, bytes.length, ['tpm2_pcrs', 'pcrValues']);
      if (d.bytes.length !== size) throw new DecodeError('BAD_VALUE', `${d.bytes.length}-byte digest for ${hashAlgInfo(s.hash).name} PCR ${pcr} (${size} expected)`, d.at, ['tpm2_pcrs', 'pcrValues', 'digests', 'size']);
      bank.set(pcr, d.bytes);
    }
    selection.push({ hashAlg: s.hash, pcrs });
    banks.set(s.hash, bank);
  }
  if (next !== digests.length) throw new DecodeError('TRAILING_BYTES', `${digests.length - next} digests more than PCRs selected`, listsAt, ['tpm2_pcrs', 'pcrValues']);
  return { selection, banks };
}

/** The `-F values` file: the selected digests back to back, in selection order. */
export function encodeTpm2PcrsValues(sel: PcrSelection, banks: PcrBanks): Uint8Array {
  const values = selectedValues(sel, banks);
  const out = new Uint8Array(values.reduce((n, v) => n + v.value.length, 0));
  let at = 0;
  for (const v of values) {
    out.set(v.value, at);
    at += v.value.length;
  }
  return out;
}

/** tpm2_pcrread's listing of the selected PCRs (its standard output, YAML). */
export function tpm2PcrsYaml(sel: PcrSelection, banks: PcrBanks): string {
  const values = selectedValues(sel, banks);
  const lines: string[] = [];
  let bank: number | undefined;
  for (const v of values) {
    if (v.hashAlg !== bank) {
      bank = v.hashAlg;
      lines.push(`  ${hashAlgInfo(v.hashAlg).name}:`);
    }
    lines.push(`    ${String(v.pcr).padEnd(2)}: 0x${toHex(v.value).toUpperCase()}`);
  }
  return lines.join('\n') + '\n';
}
