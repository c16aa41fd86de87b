/**
 * The policy digest of TPM2_PolicyPCR (TPM 2.0 Part 3 §23.7): what an object sealed to these PCR
 * values carries as authPolicy, and what `tpm2_createpolicy --policy-pcr` prints.
 *   pcrDigest    = H(PCR values of the selection, bank by bank, PCRs ascending)
 *   policyDigest = H(policyDigest_old || TPM_CC_PolicyPCR (UINT32, big-endian) || pcrs (TPML_PCR_SELECTION) || pcrDigest)
 * H is the policy session's hash algorithm; policyDigest_old starts as zeros of its size.
 */
import { ByteWriter, concatBytes, encode } from '@tcg2sim/binary-codec';
import { hash, digestSize, TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { TPM_CC, TPMLPCRSelection } from '@tcg2sim/tpm2-command-lib';
import { selectedValues, toTpmlPcrSelection } from './selection.ts';
import type { PcrBanks, PcrSelection } from './selection.ts';

/** Options of {@link policyPcrDigest}. */
export interface PolicyPcrOptions {
  /** The policy session's hash (default SHA-256, tpm2_createpolicy's default). */
  readonly policyAlg?: TpmAlgHash;
  /** The digest the session holds before TPM2_PolicyPCR (default: zeros, a fresh session). */
  readonly previous?: Uint8Array;
}

/** pcrDigest: the policy hash of the selected values, concatenated in selection order. */
export function pcrValuesDigest(sel: PcrSelection, banks: PcrBanks, policyAlg: TpmAlgHash = TPM_ALG_HASH.SHA256): Uint8Array {
  return hash(policyAlg, concatBytes(...selectedValues(sel, banks).map((v) => v.value)));
}

/**
 * The policy digest after TPM2_PolicyPCR with this selection and these values.
 * @throws ReferenceError `MISSING_PCR`; RangeError when `previous` is not a digest of the policy hash
 */
export function policyPcrDigest(sel: PcrSelection, banks: PcrBanks, o: PolicyPcrOptions = {}): Uint8Array {
  const alg = o.policyAlg ?? TPM_ALG_HASH.SHA256;
  const previous = o.previous ?? new Uint8Array(digestSize(alg));
  if (previous.length !== digestSize(alg)) throw new RangeError(`"previous" must be ${digestSize(alg)} bytes`);
  const cc = new ByteWriter();
  cc.u32be(TPM_CC.PolicyPCR);
  return hash(alg, concatBytes(previous, cc.finish(), encode(TPMLPCRSelection, toTpmlPcrSelection(sel)), pcrValuesDigest(sel, banks, alg)));
}
