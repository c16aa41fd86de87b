/**
 * Authenticode / PKCS#7 verification with the semantics CryptoPkg gives it in edk2-stable202211
 * (CryptoPkg/Library/BaseCryptLib/Pk/CryptAuthenticode.c AuthenticodeVerify,
 * CryptPkcs7VerifyCommon.c Pkcs7Verify / Pkcs7GetSigners / WrapPkcs7Data, on OpenSSL 1.1.1's
 * PKCS7_verify with X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME and
 * X509_PURPOSE_ANY):
 *
 * - the image digest is compared with the LAST HashSize bytes of SpcIndirectDataContent, whose
 *   length is read with CryptoPkg's own three-case length decoding;
 * - the signed content is SpcIndirectDataContent without its tag and length;
 * - every SignerInfo must name a certificate of the SignedData (issuer + serial), chain from it
 *   to the one trusted certificate (partial chains allowed, no time checks, no purpose checks;
 *   an issuer in the chain below the top must be a CA, the top must be CA-capable), and verify:
 *   with authenticatedAttributes, messageDigest must equal the content digest and the signature
 *   covers the attributes re-tagged as SET OF; without them it covers the content;
 * - every digestAlgorithms entry must be a digest CryptoPkg registers (MD5, SHA-1/256/384/512).
 *
 * Not modelled (documented differences): BER input OpenSSL would accept, name constraints and
 * policy checks, Netscape cert types,
 * OpenSSL's first-match (non-backtracking) issuer choice among several candidates.
 */
import { createHash, verify as cryptoVerify } from 'node:crypto';
import { DecodeError, Tcg2Error, equalBytes, toHex } from '@tcg2sim/binary-codec';
import { OID, PKCS7_DIGESTS } from './constants.ts';
import { parsePkcs7SignedData } from './pkcs7.ts';
import type { Pkcs7SignedData, Pkcs7SignerInfo } from './pkcs7.ts';
import { parseX509, x509CheckCa } from './x509.ts';
import type { X509Info } from './x509.ts';

/** The most certificates a chain may have (OpenSSL's default depth is 100; ours is smaller). */
export const MAX_CHAIN_LENGTH = 16;

const SIGNED_DATA_OID = Buffer.from(OID.SIGNED_DATA, 'hex');

/** A SignedData with all its certificates parsed, or undefined where d2i_PKCS7 would fail. */
interface LoadedPkcs7 {
  readonly p7: Pkcs7SignedData;
  readonly certs: readonly X509Info[];
}

function isDecodeFailure(e: unknown): boolean {
  return e instanceof DecodeError || e instanceof Tcg2Error;
}

/** d2i_PKCS7: the SignedData and its certificates, or undefined when OpenSSL would refuse them. */
function loadPkcs7(der: Uint8Array): LoadedPkcs7 | undefined {
  try {
    const p7 = parsePkcs7SignedData(der);
    const certs = p7.certificates.map((c, i) => parseX509(c, ['PKCS7', 'certificates', i]));
    return { p7, certs };
  } catch (e) {
    if (isDecodeFailure(e)) return undefined;
    throw e;
  }
}

/**
 * WrapPkcs7Data's test: 30 82 LL LL 06 09 <signedData OID> A0 82 at fixed offsets. CryptoPkg
 * wraps anything else in a new ContentInfo, which for an Authenticode ContentInfo gives
 * SignedData that d2i_PKCS7 refuses: such input never verifies.
 */
export function isWrappedPkcs7(p7: Uint8Array): boolean {
  return p7.length >= 17 && p7[4] === 0x06 && p7[5] === 0x09 && equalBytes(p7.subarray(6, 15), SIGNED_DATA_OID) && p7[15] === 0xa0 && p7[16] === 0x82;
}

/** PKCS7_get0_signers: each SignerInfo's certificate by issuer + serial, or undefined. */
function signerCertificates(l: LoadedPkcs7): X509Info[] | undefined {
  if (l.p7.signerInfos.length === 0) return undefined;
  const out: X509Info[] = [];
  for (const si of l.p7.signerInfos) {
    const c = l.certs.find((x) => equalBytes(x.issuer, si.issuer) && equalBytes(x.serialNumber, si.serialNumber));
    if (c === undefined) return undefined;
    out.push(c);
  }
  return out;
}

/**
 * Pkcs7GetSigners: the signers' certificates (EFI_CERT_STACK order: the stack is popped, so the
 * last SignerInfo's certificate comes first), or undefined when CryptoPkg returns FALSE.
 */
export function pkcs7GetSigners(p7Data: Uint8Array): X509Info[] | undefined {
  if (!isWrappedPkcs7(p7Data)) return undefined;
  const l = loadPkcs7(p7Data);
  if (l === undefined) return undefined;
  return signerCertificates(l)?.reverse();
}

function issuedBy(subject: X509Info, issuer: X509Info): boolean {
  try {
    return subject.cert.checkIssued(issuer.cert) && subject.cert.verify(issuer.cert.publicKey);
  } catch {
    return false;
  }
}

/**
 * X509_verify_cert as PKCS7_verify runs it here: from `leaf`, through `untrusted`, to `anchor`
 * (a store of one certificate, partial chains allowed, no time or purpose checks).
 */
export function chainsTo(leaf: X509Info, untrusted: readonly X509Info[], anchor: X509Info): boolean {
  // check_chain_extensions refuses any certificate of the chain (the anchor included) with a
  // critical extension OpenSSL does not handle.
  const usable = (c: X509Info): boolean => c.unhandledCritical.length === 0;
  // The leaf itself is the trusted certificate (self-signed, or found by X509_cmp with
  // X509_V_FLAG_PARTIAL_CHAIN): a chain of one, no signature to check.
  if (equalBytes(leaf.raw, anchor.raw)) return usable(leaf);
  if (!usable(leaf)) return false;
  const chain: X509Info[] = [leaf];
  // Certificates from which no chain reached the anchor: never tried twice, so hostile
  // SignedData (many certificates sharing names and keys) costs at most n^2 issuer checks.
  const dead = new Set<X509Info>();
  const extend = (c: X509Info): boolean => {
    // The trusted store is searched first at every step.
    if (issuedBy(c, anchor)) return x509CheckCa(anchor) !== 0 && usable(anchor);
    if (chain.length >= MAX_CHAIN_LENGTH) return false;
    for (const u of untrusted) {
      if (dead.has(u) || !usable(u) || chain.some((x) => equalBytes(x.raw, u.raw))) continue;
      // An issuer below the top of the chain must be a real CA (X509_V_FLAG_X509_STRICT is
      // implicit for intermediate CAs in OpenSSL 1.1.1 check_chain_extensions).
      if (!issuedBy(c, u) || x509CheckCa(u) !== 1) continue;
      chain.push(u);
      if (extend(u)) return true;
      chain.pop();
      dead.add(u);
    }
    return false;
  };
  return extend(leaf);
}

function signerVerifies(si: Pkcs7SignerInfo, cert: X509Info, content: Uint8Array, digestAlgorithms: readonly string[]): boolean {
  const md = PKCS7_DIGESTS.get(si.digestAlgorithm);
  if (md === undefined || !digestAlgorithms.includes(si.digestAlgorithm)) return false;
  const digest = createHash(md).update(content).digest();
  try {
    if (si.authenticatedAttributes !== undefined) {
      if (si.messageDigest === undefined || !equalBytes(si.messageDigest, digest)) return false;
      const signed = Uint8Array.from(si.authenticatedAttributes);
      signed[0] = 0x31; // [0] IMPLICIT → SET OF, as PKCS7_ATTR_VERIFY re-encodes it
      return cryptoVerify(md, signed, cert.cert.publicKey, si.encryptedDigest);
    }
    return cryptoVerify(md, content, cert.cert.publicKey, si.encryptedDigest);
  } catch {
    return false;
  }
}

/**
 * Pkcs7Verify(P7Data, TrustedCert, InData): TRUE when every signer chains to `trustedCert` and
 * its signature over `inData` verifies.
 */
export function pkcs7Verify(p7Data: Uint8Array, trustedCert: Uint8Array, inData: Uint8Array): boolean {
  if (!isWrappedPkcs7(p7Data)) return false;
  const l = loadPkcs7(p7Data);
  if (l === undefined) return false;
  let anchor: X509Info;
  try {
    anchor = parseX509(trustedCert, ['trustedCert']);
  } catch (e) {
    if (isDecodeFailure(e)) return false;
    throw e;
  }
  const signers = signerCertificates(l);
  if (signers === undefined) return false;
  for (const s of signers) if (!chainsTo(s, l.certs, anchor)) return false;
  // PKCS7_dataInit sets up one digest per digestAlgorithms entry: an unknown one fails.
  if (!l.p7.digestAlgorithms.every((d) => PKCS7_DIGESTS.has(d))) return false;
  return l.p7.signerInfos.every((si, i) => {
    const cert = signers[i];
    return cert !== undefined && signerVerifies(si, cert, inData, l.p7.digestAlgorithms);
  });
}

/**
 * The signed bytes and the digest inside SpcIndirectDataContent, located as AuthenticodeVerify
 * does: the content's second byte picks one of three length forms (short; `& 0x81 == 0x81`: one
 * octet; `& 0x82 == 0x82`: two octets), the digest is the last `hashSize` bytes of the contents.
 * Undefined where AuthenticodeVerify returns FALSE (or would read outside the data).
 */
export function spcIndirectDataDigest(authData: Uint8Array, hashSize: number): { content: Uint8Array; digest: Uint8Array } | undefined {
  const l = loadPkcs7(authData);
  if (l === undefined) return undefined;
  const c = l.p7.content;
  if (c === undefined || l.p7.contentType !== OID.SPC_INDIRECT_DATA) return undefined;
  // ASN1_TYPE keeps the whole encoding of constructed values and only the contents of
  // primitive ones: SpcIndirectDataContent is a SEQUENCE, so `data` starts at its tag.
  const data = (c.tag & 0x20) !== 0 ? c.raw : c.value;
  const b = data[1];
  if (b === undefined) return undefined;
  let size: number;
  let skip: number;
  if ((b & 0x80) === 0) {
    size = b & 0x7f;
    skip = 2;
  } else if ((b & 0x81) === 0x81) {
    size = data[2] ?? 0;
    skip = 3;
  } else if ((b & 0x82) === 0x82) {
    size = (data[2] ?? 0) * 256 + (data[3] ?? 0);
    skip = 4;
  } else {
    return undefined;
  }
  if (skip + size > data.length || size < hashSize) return undefined;
  const content = data.subarray(skip, skip + size);
  return { content, digest: content.subarray(size - hashSize) };
}

/**
 * AuthenticodeVerify(AuthData, TrustedCert, ImageHash): the SignedData is Authenticode
 * (SpcIndirectDataContent, not detached), its digest equals `imageHash`, and Pkcs7Verify passes
 * against `trustedCert`.
 */
export function authenticodeVerify(authData: Uint8Array, trustedCert: Uint8Array, imageHash: Uint8Array): boolean {
  const spc = spcIndirectDataDigest(authData, imageHash.length);
  if (spc === undefined || !equalBytes(spc.digest, imageHash)) return false;
  return pkcs7Verify(authData, trustedCert, spc.content);
}

/** Hex of a certificate's subject for notes (node:crypto's one-line form). */
export function certificateLabel(der: Uint8Array): string {
  try {
    return parseX509(der).cert.subject.replace(/\n/g, ', ');
  } catch {
    return `certificate ${toHex(der.subarray(0, 8))}…`;
  }
}
