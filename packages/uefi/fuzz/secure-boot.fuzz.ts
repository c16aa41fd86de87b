/**
 * Coverage-guided fuzz target for the Secure Boot inputs of DxeImageVerificationLib: the whole
 * verification of a (signed) image against db/dbx, and its parsers on their own: EFI signature
 * lists (db, dbx, KEK, PK), PKCS#7 SignedData / SPC_INDIRECT_DATA, X.509. The first byte picks
 * the mode (0: image, 1: signature lists, 2: PKCS#7, 3: X.509), the rest is the payload.
 * db holds Debian's snakeoil certificate when /usr/share/ovmf has it. Seeds: a signed image,
 * OVMF's Microsoft db/dbx/KEK/PK, their certificates. See fuzz/README.md for how to run it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import {
  authenticodeVerify, certificateLabel, EFI_CERT_TYPE, EFI_IMAGE_SECURITY_DATABASE_GUID, encodeSignatureList, isWrappedPkcs7,
  parsePkcs7SignedData, parseSignatureLists, parseSpcIndirectData, parseX509, pkcs7GetSigners, spcIndirectDataDigest,
  verifyImage, x509CheckCa,
} from '@tcg2sim/uefi';
import { plainBytes, typed } from './typed.ts';

const GLOBAL_VARIABLE = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';
const OWNER = '77FA9ABD-0359-4D32-BD60-28F4E78F784B';
const SNAKEOIL_CERT = '/usr/share/ovmf/PkKek-1-snakeoil.pem';

const snakeoil: Uint8Array = existsSync(SNAKEOIL_CERT) ? new Uint8Array(new X509Certificate(readFileSync(SNAKEOIL_CERT)).raw) : new Uint8Array(0);
const db = snakeoil.length > 0 ? encodeSignatureList({ signatureType: EFI_CERT_TYPE.X509, entries: [{ owner: OWNER, data: snakeoil }] }) : new Uint8Array(0);
// A dbx hash entry that matches nothing: dbx is walked for every image.
const dbx = encodeSignatureList({ signatureType: EFI_CERT_TYPE.SHA256, entries: [{ owner: OWNER, data: new Uint8Array(32).fill(0x5a) }] });
const variables = {
  get(name: string, guid: string): Uint8Array | undefined {
    if (name === 'SecureBoot' && guid === GLOBAL_VARIABLE) return Uint8Array.of(1);
    if (guid !== EFI_IMAGE_SECURITY_DATABASE_GUID) return undefined;
    return name === 'db' ? db : name === 'dbx' ? dbx : undefined;
  },
};

/** The fuzz target: `data` is one input from the fuzzer. */
export function fuzz(data: Uint8Array): void {
  const bytes = plainBytes(data);
  const payload = bytes.subarray(1);
  switch ((bytes[0] ?? 0) % 4) {
    case 0:
      typed(() => verifyImage({ image: payload, origin: 'fixed-media', variables }));
      break;
    case 1:
      typed(() => parseSignatureLists(payload, 'db'));
      break;
    case 2:
      typed(() => parseSpcIndirectData(parsePkcs7SignedData(payload)));
      typed(() => {
        isWrappedPkcs7(payload);
        pkcs7GetSigners(payload);
        spcIndirectDataDigest(payload, 32);
        if (snakeoil.length > 0) authenticodeVerify(payload, snakeoil, new Uint8Array(32));
      });
      break;
    default:
      typed(() => x509CheckCa(parseX509(payload)));
      typed(() => certificateLabel(payload));
  }
}
