/**
 * TPM2_TestParms (Part 3, 10.3): unmarshal a TPMT_PUBLIC_PARMS and say whether the TPM supports
 * it. The soft TPM accepts the parameter sets libtpms 0.9 implements for the common key types
 * (RSA 1024/2048/3072, ECC NIST P-256/P-384/P-521 and BN P-256, AES 128/192/256 in CFB,
 * keyed-hash with HMAC or no scheme) and answers the unmarshal errors of libtpms for them.
 */
import { command, EMPTY } from '../command.ts';
import { ALG, RC } from '../constants.ts';
import type { CommandReader} from '../wire.ts';
import { fail, readAlgHash } from '../wire.ts';

/** TPMT_SYM_DEF_OBJECT(+): AES (128/192/256 bits, a block mode) or TPM_ALG_NULL. */
function readSymDefObject(r: CommandReader, allowNull: boolean): void {
  const alg = r.u16();
  if (alg === ALG.NULL) {
    if (!allowNull) fail(RC.SYMMETRIC);
    return;
  }
  if (alg !== ALG.AES && alg !== ALG.CAMELLIA && alg !== ALG.TDES) fail(RC.SYMMETRIC);
  const bits = r.u16();
  const okBits = alg === ALG.TDES ? [128, 192] : [128, 192, 256];
  if (!okBits.includes(bits)) fail(RC.VALUE);
  const mode = r.u16();
  const modes: readonly number[] = [ALG.CTR, ALG.OFB, ALG.CBC, ALG.CFB, ALG.ECB];
  if (!modes.includes(mode)) fail(RC.MODE);
}

/** A scheme: the algorithm, then a hash for signing/encryption schemes that carry one. */
function readScheme(r: CommandReader, allowed: readonly number[]): void {
  const scheme = r.u16();
  if (scheme === ALG.NULL) return;
  if (!allowed.includes(scheme)) fail(RC.VALUE);
  if (scheme === ALG.RSAES) return;
  readAlgHash(r, false);
  if (scheme === ALG.ECDAA) r.u16();
}

/** TPM2_TestParms. */
export const TestParms = command({
  cc: 0x18a,
  name: 'TestParms',
  parse: (p) => {
    p.next((r) => {
      const type = r.u16();
      switch (type) {
        case ALG.RSA: {
          readSymDefObject(r, true);
          readScheme(r, [ALG.RSASSA, ALG.RSAPSS, ALG.RSAES, ALG.OAEP]);
          const bits = r.u16();
          if (![1024, 2048, 3072].includes(bits)) fail(RC.VALUE);
          r.u32();
          break;
        }
        case ALG.ECC: {
          readSymDefObject(r, true);
          readScheme(r, [ALG.ECDSA, ALG.ECDH, ALG.ECDAA, ALG.ECSCHNORR, ALG.ECMQV, ALG.SM2]);
          const curve = r.u16();
          if (![0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0010, 0x0011, 0x0020].includes(curve)) fail(RC.CURVE);
          const kdf = r.u16();
          if (kdf !== ALG.NULL) {
            if (![ALG.KDF1_SP800_56A, ALG.KDF2, ALG.KDF1_SP800_108, 0x0007].includes(kdf)) fail(RC.KDF);
            readAlgHash(r, false);
          }
          break;
        }
        case ALG.KEYEDHASH: {
          const scheme = r.u16();
          if (scheme === ALG.HMAC) readAlgHash(r, false);
          else if (scheme === ALG.XOR) {
            readAlgHash(r, false);
            r.u16();
          } else if (scheme !== ALG.NULL) fail(RC.VALUE);
          break;
        }
        case ALG.SYMCIPHER:
          readSymDefObject(r, false);
          break;
        default:
          fail(RC.TYPE);
      }
      return type;
    });
    return () => EMPTY;
  },
});
