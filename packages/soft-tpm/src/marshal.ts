/**
 * Response marshalling with tpm2-command-lib's structure codecs, so each response layout is
 * declared once (there). Unmarshalling stays in wire.ts: it must fail with libtpms' response
 * codes, which the codecs' DecodeErrors do not carry.
 */
import type { ByteWriter } from '@tcg2sim/binary-codec';
import { isHashAlg, type TpmAlgHash } from '@tcg2sim/hash-lib';
import {
  TPM2BName, TPM2BNVPublic, TPMLDigest, TPMLDigestValues, TPMLPCRSelection, TPMSNVPublic, TPMSTimeInfo,
  TPMTTKHashcheck,
} from '@tcg2sim/tpm2-command-lib';
import type { NvPublic, PcrSelection } from './wire.ts';

function hashAlg(alg: number): TpmAlgHash {
  if (!isHashAlg(alg)) throw new RangeError(`"alg" 0x${alg.toString(16)} is not a hash algorithm`);
  return alg;
}

/** TPML_PCR_SELECTION. */
export function writePcrSelections(w: ByteWriter, list: readonly PcrSelection[]): void {
  TPMLPCRSelection.encode(w, { pcrSelections: list.map((s) => ({ hash: s.hash, pcrSelect: s.select })) });
}

/** TPML_DIGEST_VALUES of (alg, digest). */
export function writeDigestValues(w: ByteWriter, list: ReadonlyArray<{ alg: number; digest: Uint8Array }>): void {
  TPMLDigestValues.encode(w, { digests: list.map((d) => ({ hashAlg: hashAlg(d.alg), digest: d.digest })) });
}

/** TPML_DIGEST. */
export function writeDigests(w: ByteWriter, digests: readonly Uint8Array[]): void {
  TPMLDigest.encode(w, { digests: [...digests] });
}

/** TPMS_NV_PUBLIC alone (what an NV index's Name hashes). */
export function writeNvPublic(w: ByteWriter, pub: NvPublic): void {
  TPMSNVPublic.encode(w, { ...pub, attributes: pub.attributes >>> 0 });
}

/** TPM2B_NV_PUBLIC followed by TPM2B_NAME (NV_ReadPublic's response). */
export function writeNvPublicAndName(w: ByteWriter, pub: NvPublic, name: Uint8Array): void {
  TPM2BNVPublic.encode(w, { ...pub, attributes: pub.attributes >>> 0 });
  TPM2BName.encode(w, name);
}

/** TPMT_TK_HASHCHECK. */
export function writeHashcheck(w: ByteWriter, tag: number, hierarchy: number, digest: Uint8Array): void {
  TPMTTKHashcheck.encode(w, { tag, hierarchy, digest });
}

/** TPMS_TIME_INFO. */
export function writeTimeInfo(w: ByteWriter, time: number, clock: number, resetCount: number, restartCount: number, safe: boolean): void {
  TPMSTimeInfo.encode(w, { time: BigInt(time), clockInfo: { clock: BigInt(clock), resetCount: resetCount >>> 0, restartCount: restartCount >>> 0, safe: safe ? 1 : 0 } });
}
