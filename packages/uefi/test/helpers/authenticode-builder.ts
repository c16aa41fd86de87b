/**
 * A small Authenticode signer for the cases sbsign cannot make (other digests, no authenticated
 * attributes, broken attributes, extra signers, missing certificates). Its PKCS#7 output is
 * checked by OpenSSL (`openssl smime -verify`) in the tests, so the fixtures do not rest on our
 * own verifier. Layouts: RFC 2315 §9, Authenticode "SpcIndirectDataContent".
 */
import { createHash, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  AUTHENTICODE_HASHES, IMAGE_DIRECTORY_ENTRY, WIN_CERT_TYPE, authenticodeImageDigest, derHeader, oidFromString, parsePeImage, parseX509,
} from '@tcg2sim/uefi';

/** A DER TLV. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  return new Uint8Array(Buffer.concat([derHeader(tag, body.length), body]));
}
const oid = (s: string): Uint8Array => tlv(0x06, oidFromString(s));
const NULL = Uint8Array.of(0x05, 0x00);
const algId = (s: string): Uint8Array => tlv(0x30, oid(s), NULL);

/** Digest OIDs by name. */
export const DIGEST_OID = {
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;
export type DigestName = keyof typeof DIGEST_OID;

/** One signer: its key and certificate. */
export interface BuilderSigner {
  readonly key: KeyObject;
  readonly certDer: Uint8Array;
}

/** Options of {@link authenticodeSign}. */
export interface AuthenticodeOptions {
  readonly digest: DigestName;
  readonly signers: readonly BuilderSigner[];
  /** Certificates in the SignedData (default: the signers'). */
  readonly certificates?: readonly Uint8Array[];
  /** Authenticated attributes (contentType + messageDigest), default true. */
  readonly authenticatedAttributes?: boolean;
  /** Replace the messageDigest attribute value. */
  readonly messageDigest?: Uint8Array;
  /** digestAlgorithms OIDs (default: the one digest). */
  readonly digestAlgorithms?: readonly string[];
}

/** The signed image and the pieces OpenSSL is asked to check. */
export interface SignedImage {
  readonly image: Uint8Array;
  /** The ContentInfo (DER). */
  readonly pkcs7: Uint8Array;
  /** SpcIndirectDataContent's contents octets: what the signature covers. */
  readonly content: Uint8Array;
}

const SPC_INDIRECT = '1.3.6.1.4.1.311.2.1.4';

/**
 * Appends a WIN_CERT_TYPE_PKCS_SIGNED_DATA to `unsigned` (a PE32+ without certificates) whose
 * SignedData signs the image's Authenticode hash in `o.digest`.
 */
export function authenticodeSign(unsigned: Uint8Array, o: AuthenticodeOptions): SignedImage {
  const padded = new Uint8Array(Math.ceil(unsigned.length / 8) * 8);
  padded.set(unsigned);
  const row = AUTHENTICODE_HASHES.find((h) => h.nodeName === o.digest);
  const imageDigest = row === undefined
    ? createHash(o.digest).update(padded).digest() // SHA-224: EDK II cannot hash it anyway
    : authenticodeImageDigest(padded, parsePeImage(padded), row);
  if (imageDigest === undefined) throw new Error('cannot hash the image');
  const content = Buffer.concat([
    tlv(0x30, oid('1.3.6.1.4.1.311.2.1.15'), Uint8Array.of(0x30, 0x09, 0x03, 0x01, 0x00, 0xa0, 0x04, 0xa2, 0x02, 0x80, 0x00)),
    tlv(0x30, algId(DIGEST_OID[o.digest]), tlv(0x04, imageDigest)),
  ]);
  const spc = tlv(0x30, content);
  const contentDigest = createHash(o.digest).update(content).digest();
  const signerInfos = o.signers.map((s) => {
    const c = parseX509(s.certDer);
    const ias = tlv(0x30, c.issuer, tlv(0x02, c.serialNumber));
    let attrsTlv: Uint8Array = new Uint8Array();
    let signature: Uint8Array;
    if (o.authenticatedAttributes !== false) {
      const attrs = Buffer.concat([
        tlv(0x30, oid('1.2.840.113549.1.9.3'), tlv(0x31, oid(SPC_INDIRECT))),
        tlv(0x30, oid('1.2.840.113549.1.9.4'), tlv(0x31, tlv(0x04, o.messageDigest ?? contentDigest))),
      ]);
      attrsTlv = tlv(0xa0, attrs);
      signature = sign(o.digest, tlv(0x31, attrs), s.key);
    } else {
      signature = sign(o.digest, content, s.key);
    }
    const encAlg = s.key.asymmetricKeyType === 'ec' ? tlv(0x30, oid('1.2.840.10045.2.1')) : algId('1.2.840.113549.1.1.1');
    return tlv(0x30, tlv(0x02, Uint8Array.of(1)), ias, algId(DIGEST_OID[o.digest]), attrsTlv, encAlg, tlv(0x04, signature));
  });
  const digestAlgorithms = (o.digestAlgorithms ?? [DIGEST_OID[o.digest]]).map(algId);
  const certs = o.certificates ?? o.signers.map((s) => s.certDer);
  const signedData = tlv(0x30,
    tlv(0x02, Uint8Array.of(1)),
    tlv(0x31, ...digestAlgorithms),
    tlv(0x30, oid(SPC_INDIRECT), tlv(0xa0, spc)),
    ...(certs.length > 0 ? [tlv(0xa0, ...certs)] : []),
    tlv(0x31, ...signerInfos));
  const pkcs7 = tlv(0x30, oid('1.2.840.113549.1.7.2'), tlv(0xa0, signedData));
  const dwLength = 8 + pkcs7.length;
  const entryLength = Math.ceil(dwLength / 8) * 8;
  const entry = Buffer.alloc(entryLength);
  entry.writeUInt32LE(dwLength, 0);
  entry.writeUInt16LE(0x0200, 4);
  entry.writeUInt16LE(WIN_CERT_TYPE.PKCS_SIGNED_DATA, 6);
  entry.set(pkcs7, 8);
  const out = Buffer.concat([padded, entry]);
  const img = parsePeImage(out);
  const dirAt = img.optionalHeaderOffset + (img.format === 'pe32' ? 96 : 112) + 8 * IMAGE_DIRECTORY_ENTRY.SECURITY;
  out.writeUInt32LE(padded.length, dirAt);
  out.writeUInt32LE(entryLength, dirAt + 4);
  return { image: new Uint8Array(out), pkcs7, content: Uint8Array.from(content) };
}
