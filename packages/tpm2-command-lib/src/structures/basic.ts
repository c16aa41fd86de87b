/**
 * Basic TPM 2.0 structures: digests, sized buffers, PCR selections (TPM 2.0 Library Part 2
 * rev 1.59, chapters 10.3-10.9). TPM command/response buffers are big-endian; the structures that
 * also appear in the (little-endian) TCG event log are declared once as factories over
 * `IntCodecs` (docs/style.md §4 rule 3).
 */
import { BE, list, oneOf, sized, struct, u16be, u8, union, fixedBytes } from '@tcg2sim/binary-codec';
import type { Codec, Infer, IntCodecs } from '@tcg2sim/binary-codec';
import { HASH_ALGS, digestSize } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { MAX_DIGEST_BUFFER, MAX_DIGEST_SIZE, MAX_EVENT_SIZE, MAX_NV_BUFFER_SIZE, MAX_TPML_DIGEST, TPM_ALG } from '../constants.ts';

const HASH_IDS: readonly TpmAlgHash[] = HASH_ALGS.map((h) => h.alg);

/** TPMI_ALG_HASH (Part 2, 9.27): a hash algorithm this project knows, in the given byte order. */
export function tpmiAlgHash(ints: IntCodecs): Codec<TpmAlgHash> {
  return oneOf('TPMI_ALG_HASH', ints.u16, HASH_IDS);
}
/** TPMI_ALG_HASH, big-endian. */
export const TPMIAlgHash = tpmiAlgHash(BE);

/** TPMI_ALG_HASH+ (Part 2, 9.27 with the `+` qualifier): a hash algorithm or TPM_ALG_NULL. */
export const TPMIAlgHashOrNull: Codec<TpmAlgHash | typeof TPM_ALG.NULL> = oneOf('TPMI_ALG_HASH', u16be, [...HASH_IDS, TPM_ALG.NULL]);

/**
 * TPMT_HA (Part 2, 10.3.2, Table 80): TPMI_ALG_HASH hashAlg; TPMU_HA digest. The digest size
 * comes from the algorithm (TPMU_HA, 10.3.1).
 */
export function tpmtHa(ints: IntCodecs) {
  // One member codec per algorithm, made once (not per digest encoded or decoded).
  const members = new Map<number, Codec<Uint8Array>>(HASH_IDS.map((a) => [a, fixedBytes('TPMU_HA', digestSize(a))]));
  return union('TPMT_HA', 'hashAlg', tpmiAlgHash(ints), 'digest', (alg: TpmAlgHash) => members.get(alg) ?? fixedBytes('TPMU_HA', digestSize(alg)));
}
/** TPMT_HA, big-endian. */
export const TPMTHA = tpmtHa(BE);
export type TPMTHA = Infer<typeof TPMTHA>;

/** HASH_COUNT bound: a TPML_DIGEST_VALUES holds at most one digest per implemented bank. */
export const MAX_HASH_COUNT = 16;

/**
 * TPML_DIGEST_VALUES (Part 2, 10.9.7, Table 109): UINT32 count; TPMT_HA digests[count].
 * A factory over the byte order: the TCG event log (TCG_PCR_EVENT2) carries it little-endian.
 */
export function tpmlDigestValues(ints: IntCodecs) {
  return struct('TPML_DIGEST_VALUES', { digests: list('digests', ints.u32, tpmtHa(ints), MAX_HASH_COUNT) });
}
/** TPML_DIGEST_VALUES, big-endian (TPM command/response buffers). */
export const TPMLDigestValues = tpmlDigestValues(BE);
export type TPMLDigestValues = Infer<typeof TPMLDigestValues>;

/** TPM2B_DIGEST (Part 2, 10.4.2, Table 82): UINT16 size; BYTE buffer[size] (size <= sizeof(TPMU_HA)). */
export const TPM2BDigest = sized('TPM2B_DIGEST', u16be, MAX_DIGEST_SIZE);
/** TPM2B_AUTH (Part 2, 10.4.5): a TPM2B_DIGEST. */
export const TPM2BAuth = sized('TPM2B_AUTH', u16be, MAX_DIGEST_SIZE);
/** TPM2B_NONCE (Part 2, 10.4.4): a TPM2B_DIGEST. */
export const TPM2BNonce = sized('TPM2B_NONCE', u16be, MAX_DIGEST_SIZE);
/** TPM2B_DATA (Part 2, 10.4.3): size <= sizeof(TPMT_HA). */
export const TPM2BData = sized('TPM2B_DATA', u16be, MAX_DIGEST_SIZE + 2);
/** TPM2B_EVENT (Part 2, 10.4.7, Table 86): size <= 1024. */
export const TPM2BEvent = sized('TPM2B_EVENT', u16be, MAX_EVENT_SIZE);
/** TPM2B_MAX_BUFFER (Part 2, 10.4.8, Table 87): size <= MAX_DIGEST_BUFFER (1024). */
export const TPM2BMaxBuffer = sized('TPM2B_MAX_BUFFER', u16be, MAX_DIGEST_BUFFER);
/** TPM2B_MAX_NV_BUFFER (Part 2, 10.4.9, Table 88): size <= MAX_NV_BUFFER_SIZE. */
export const TPM2BMaxNvBuffer = sized('TPM2B_MAX_NV_BUFFER', u16be, MAX_NV_BUFFER_SIZE);
/** TPM2B_NAME (Part 2, 10.5.3, Table 91): size <= sizeof(TPMU_NAME) (a TPMT_HA or a handle). */
export const TPM2BName = sized('TPM2B_NAME', u16be, MAX_DIGEST_SIZE + 2);

/** TPML_DIGEST (Part 2, 10.9.3, Table 103): UINT32 count (<= 8); TPM2B_DIGEST digests[count]. */
export const TPMLDigest = struct('TPML_DIGEST', { digests: list('digests', BE.u32, TPM2BDigest, MAX_TPML_DIGEST) });
export type TPMLDigest = Infer<typeof TPMLDigest>;

/**
 * TPMS_PCR_SELECTION (Part 2, 10.6.2, Table 94): TPMI_ALG_HASH hash; UINT8 sizeofSelect;
 * BYTE pcrSelect[sizeofSelect].
 *
 * `hash` is read as a plain TPM_ALG_ID: a TPM may report banks this project has no hasher for
 * (EDK II skips them, docs/edk2-pei.md §5.3), and the TPM itself checks the value in commands.
 * sizeofSelect is bounded only by its UINT8 (PCR_SELECT_MIN/MAX are checked by the TPM).
 */
export function tpmsPcrSelection(ints: IntCodecs) {
  return struct('TPMS_PCR_SELECTION', { hash: ints.u16, pcrSelect: sized('pcrSelect', u8, 0xff) });
}
export const TPMSPCRSelection = tpmsPcrSelection(BE);
export type TPMSPCRSelection = Infer<typeof TPMSPCRSelection>;

/** TPML_PCR_SELECTION (Part 2, 10.9.7, Table 105): UINT32 count (<= HASH_COUNT); TPMS_PCR_SELECTION[count]. */
export const TPMLPCRSelection = struct('TPML_PCR_SELECTION', {
  pcrSelections: list('pcrSelections', BE.u32, TPMSPCRSelection, MAX_HASH_COUNT),
});
export type TPMLPCRSelection = Infer<typeof TPMLPCRSelection>;

/**
 * A PCR bit map of `sizeofSelect` bytes with the bits of `pcrs` set (pcrSelect[i/8] bit i%8,
 * Part 2 10.6.1).
 * @throws RangeError when a PCR does not fit
 */
export function pcrSelectBits(pcrs: Iterable<number>, sizeofSelect = 3): Uint8Array {
  const out = new Uint8Array(sizeofSelect);
  for (const p of pcrs) {
    if (!Number.isInteger(p) || p < 0 || p >= sizeofSelect * 8) throw new RangeError(`"pcr" ${p} does not fit in ${sizeofSelect} select bytes`);
    out[p >> 3] = (out[p >> 3] ?? 0) | (1 << (p & 7));
  }
  return out;
}

/** The PCR numbers whose bit is set in `pcrSelect`, ascending. */
export function pcrsFromSelect(pcrSelect: Uint8Array): number[] {
  const out: number[] = [];
  pcrSelect.forEach((b, i) => {
    for (let bit = 0; bit < 8; bit++) if ((b & (1 << bit)) !== 0) out.push(i * 8 + bit);
  });
  return out;
}
