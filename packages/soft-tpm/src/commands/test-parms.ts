/**
 * TPM2_TestParms (Part 3, 10.3). libtpms' command body only returns TPM_RC_SUCCESS: every check is
 * the unmarshalling of TPMT_PUBLIC_PARMS, done here with the algorithm set libtpms 0.9.2 builds
 * (TDES, AES, CAMELLIA; no SM4; CMAC and the five block modes; RSA 1024/2048/3072; the eight
 * curves GetCapability(ECC_CURVES) lists). Codes: TPM_RC_TYPE (public type), TPM_RC_SYMMETRIC,
 * TPM_RC_VALUE (key bits, RSA or keyed-hash scheme), TPM_RC_MODE, TPM_RC_SCHEME (ECC scheme),
 * TPM_RC_CURVE, TPM_RC_KDF, TPM_RC_HASH, TPM_RC_INSUFFICIENT.
 */
import { command, EMPTY } from '../command.ts';
import { ALG, RC } from '../constants.ts';
import { type CommandReader, fail, readAlgHash } from '../wire.ts';

const MGF1 = 0x0007;
const CMAC = 0x003f;
const SYM_MODES: readonly number[] = [ALG.CTR, ALG.OFB, ALG.CBC, ALG.CFB, ALG.ECB, CMAC];
const KDFS: readonly number[] = [MGF1, ALG.KDF1_SP800_56A, ALG.KDF2, ALG.KDF1_SP800_108];
const RSA_SCHEMES: readonly number[] = [ALG.RSASSA, ALG.RSAPSS, ALG.RSAES, ALG.OAEP];
const ECC_SCHEMES: readonly number[] = [ALG.ECDSA, ALG.SM2, ALG.ECDAA, ALG.ECSCHNORR, ALG.ECDH, ALG.ECMQV];
const CURVES: readonly number[] = [0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0010, 0x0011, 0x0020];

/** TPMT_SYM_DEF_OBJECT(+): algorithm, key bits, mode (TPM_ALG_NULL allowed as mode). */
function readSymDefObject(r: CommandReader, allowNull: boolean): void {
  const alg = r.u16();
  if (alg === ALG.NULL) {
    if (!allowNull) fail(RC.SYMMETRIC);
    return;
  }
  if (alg !== ALG.AES && alg !== ALG.CAMELLIA && alg !== ALG.TDES) fail(RC.SYMMETRIC);
  const bits = r.u16();
  // libtpms 0.9 builds AES and Camellia without 192-bit keys.
  const okBits: readonly number[] = alg === ALG.TDES ? [128, 192] : [128, 256];
  if (!okBits.includes(bits)) fail(RC.VALUE);
  const mode = r.u16();
  if (mode !== ALG.NULL && !SYM_MODES.includes(mode)) fail(RC.MODE);
}

/** TPMU_ASYM_SCHEME for a scheme already checked: RSAES is empty, ECDAA adds a count. */
function readAsymDetails(r: CommandReader, scheme: number): void {
  if (scheme === ALG.NULL || scheme === ALG.RSAES) return;
  readAlgHash(r, false);
  if (scheme === ALG.ECDAA) r.u16();
}

/** TPMT_KDF_SCHEME+: a KDF (TPM_RC_KDF otherwise) with its hash, or TPM_ALG_NULL. */
function readKdfScheme(r: CommandReader): void {
  const kdf = r.u16();
  if (kdf === ALG.NULL) return;
  if (!KDFS.includes(kdf)) fail(RC.KDF);
  readAlgHash(r, false);
}

/** TPMT_PUBLIC_PARMS. */
function readPublicParms(r: CommandReader): void {
  const type = r.u16();
  switch (type) {
    case ALG.KEYEDHASH: {
      const scheme = r.u16();
      if (scheme === ALG.HMAC) readAlgHash(r, false);
      else if (scheme === ALG.XOR) {
        readAlgHash(r, false);
        const kdf = r.u16();
        if (kdf !== ALG.NULL && !KDFS.includes(kdf)) fail(RC.KDF);
      } else if (scheme !== ALG.NULL) fail(RC.VALUE);
      return;
    }
    case ALG.SYMCIPHER:
      readSymDefObject(r, false);
      return;
    case ALG.RSA: {
      readSymDefObject(r, true);
      const scheme = r.u16();
      if (scheme !== ALG.NULL && !RSA_SCHEMES.includes(scheme)) fail(RC.VALUE);
      readAsymDetails(r, scheme);
      const bits = r.u16();
      if (bits !== 1024 && bits !== 2048 && bits !== 3072) fail(RC.VALUE);
      r.u32();
      return;
    }
    case ALG.ECC: {
      readSymDefObject(r, true);
      const scheme = r.u16();
      if (scheme !== ALG.NULL && !ECC_SCHEMES.includes(scheme)) fail(RC.SCHEME);
      readAsymDetails(r, scheme);
      if (!CURVES.includes(r.u16())) fail(RC.CURVE);
      readKdfScheme(r);
      return;
    }
    default:
      fail(RC.TYPE);
  }
}

/** TPM2_TestParms. */
export const TestParms = command({
  cc: 0x18a,
  name: 'TestParms',
  parse: (p) => {
    p.next(readPublicParms);
    return () => EMPTY;
  },
});
