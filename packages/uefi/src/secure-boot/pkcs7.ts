/**
 * PKCS#7 SignedData (RFC 2315 §9) as Authenticode uses it ("Windows Authenticode Portable
 * Executable Signature Format" §"Authenticode Signature"): a ContentInfo of type signedData whose
 * inner content is SpcIndirectDataContent (1.3.6.1.4.1.311.2.1.4) carrying the image digest.
 *
 *   ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT SignedData }
 *   SignedData ::= SEQUENCE { version INTEGER, digestAlgorithms SET OF AlgorithmIdentifier,
 *     contentInfo SEQUENCE { contentType OID, content [0] EXPLICIT ANY OPTIONAL },
 *     certificates [0] IMPLICIT SET OF Certificate OPTIONAL, crls [1] IMPLICIT … OPTIONAL,
 *     signerInfos SET OF SignerInfo }
 *   SignerInfo ::= SEQUENCE { version INTEGER, issuerAndSerialNumber SEQUENCE { issuer Name,
 *     serialNumber INTEGER }, digestAlgorithm AlgorithmIdentifier,
 *     authenticatedAttributes [0] IMPLICIT SET OF Attribute OPTIONAL,
 *     digestEncryptionAlgorithm AlgorithmIdentifier, encryptedDigest OCTET STRING,
 *     unauthenticatedAttributes [1] IMPLICIT SET OF Attribute OPTIONAL }
 *
 * Like d2i_PKCS7, the parser reads the first TLV and ignores what follows (WIN_CERTIFICATE
 * padding). Certificates are kept as raw DER and parsed only when a verifier needs them.
 */
import { DecodeError, toHex } from '@tcg2sim/binary-codec';
import { DER_TAG, at, derChildren, derSequence, expectDer, readDer } from './der.ts';
import type { DerNode } from './der.ts';
import { OID } from './constants.ts';

/** One SignerInfo. Byte fields are views into the input. */
export interface Pkcs7SignerInfo {
  /** issuer Name (whole TLV). */
  readonly issuer: Uint8Array;
  /** serialNumber contents octets. */
  readonly serialNumber: Uint8Array;
  /** digestAlgorithm OID contents octets, hex. */
  readonly digestAlgorithm: string;
  /** authenticatedAttributes, whole TLV with its [0] tag, when present. */
  readonly authenticatedAttributes: Uint8Array | undefined;
  /** The messageDigest attribute's OCTET STRING contents, when present. */
  readonly messageDigest: Uint8Array | undefined;
  /** digestEncryptionAlgorithm OID, hex. */
  readonly digestEncryptionAlgorithm: string;
  readonly encryptedDigest: Uint8Array;
}

/** An Authenticode SignedData. */
export interface Pkcs7SignedData {
  /** The whole ContentInfo TLV (the bytes d2i_PKCS7 consumed). */
  readonly raw: Uint8Array;
  /** digestAlgorithms OIDs, hex. */
  readonly digestAlgorithms: readonly string[];
  /** Inner contentType OID, hex. */
  readonly contentType: string;
  /** The inner content (inside [0] EXPLICIT), whole TLV, or undefined (detached). */
  readonly content: DerNode | undefined;
  /** certificates: each whole DER TLV, in order. */
  readonly certificates: readonly Uint8Array[];
  readonly signerInfos: readonly Pkcs7SignerInfo[];
}

const P = 'PKCS7';

/** The most certificates read from one SignedData (Authenticode signatures carry 1-4). */
export const PKCS7_MAX_CERTIFICATES = 64;

/**
 * Parses a DER ContentInfo holding SignedData.
 * @throws DecodeError `BAD_VALUE` (not signedData, a wrong tag), `SHORT_BUFFER`, `UNSUPPORTED`,
 *   `LIMIT_EXCEEDED`
 */
export function parsePkcs7SignedData(der: Uint8Array): Pkcs7SignedData {
  const ci = expectDer(der, 0, DER_TAG.SEQUENCE, [P]);
  const ciKids = derSequence(ci, DER_TAG.SEQUENCE, 2, [P, 'contentInfo']);
  const type = at(ciKids, 0, [P]);
  if (type.tag !== DER_TAG.OID || toHex(type.value) !== OID.SIGNED_DATA) {
    throw new DecodeError('BAD_VALUE', 'ContentInfo is not pkcs7-signedData', type.offset, [P, 'contentType']);
  }
  const explicit = at(ciKids, 1, [P]);
  if (explicit.tag !== DER_TAG.CONTEXT_0) throw new DecodeError('BAD_VALUE', 'content is not [0] EXPLICIT', explicit.offset, [P, 'content']);
  const sp = [P, 'signedData'];
  const sd = readDer(explicit.value, 0, sp, explicit.offset + explicit.headerLength);
  const f = derSequence(sd, DER_TAG.SEQUENCE, 4, sp);
  const version = at(f, 0, sp);
  if (version.tag !== DER_TAG.INTEGER) throw new DecodeError('BAD_VALUE', 'version is not an INTEGER', version.offset, [...sp, 'version']);
  const digestAlgorithms = derSequence(at(f, 1, sp), DER_TAG.SET, 0, [...sp, 'digestAlgorithms']).map((a, i) => algorithmOid(a, [...sp, 'digestAlgorithms', i]));
  const cp = [...sp, 'contentInfo'];
  const inner = derSequence(at(f, 2, sp), DER_TAG.SEQUENCE, 1, cp);
  const ct = at(inner, 0, cp);
  if (ct.tag !== DER_TAG.OID) throw new DecodeError('BAD_VALUE', 'contentType is not an OID', ct.offset, [...cp, 'contentType']);
  let content: DerNode | undefined;
  const wrapped = inner[1];
  if (wrapped !== undefined) {
    if (wrapped.tag !== DER_TAG.CONTEXT_0) throw new DecodeError('BAD_VALUE', 'content is not [0] EXPLICIT', wrapped.offset, [...cp, 'content']);
    content = readDer(wrapped.value, 0, [...cp, 'content'], wrapped.offset + wrapped.headerLength);
  }
  let k = 3;
  let certificates: Uint8Array[] = [];
  if (at(f, k, sp).tag === DER_TAG.CONTEXT_0) {
    certificates = derChildren(at(f, k, sp), [...sp, 'certificates'], PKCS7_MAX_CERTIFICATES).map((c) => c.raw);
    k++;
  }
  if (f[k]?.tag === DER_TAG.CONTEXT_1) k++;
  const si = f[k];
  if (si === undefined) throw new DecodeError('SHORT_BUFFER', 'no signerInfos', sd.offset, [...sp, 'signerInfos']);
  if (k !== f.length - 1) throw new DecodeError('BAD_VALUE', 'elements after signerInfos', si.offset, sp);
  const signerInfos = derSequence(si, DER_TAG.SET, 0, [...sp, 'signerInfos']).map((s, i) => parseSignerInfo(s, [...sp, 'signerInfos', i]));
  return { raw: ci.raw, digestAlgorithms, contentType: toHex(ct.value), content, certificates, signerInfos };
}

function algorithmOid(node: DerNode, path: readonly (string | number)[]): string {
  const kids = derSequence(node, DER_TAG.SEQUENCE, 1, path);
  const oid = at(kids, 0, path);
  if (oid.tag !== DER_TAG.OID) throw new DecodeError('BAD_VALUE', 'algorithm is not an OID', oid.offset, path);
  return toHex(oid.value);
}

function parseSignerInfo(node: DerNode, path: readonly (string | number)[]): Pkcs7SignerInfo {
  const f = derSequence(node, DER_TAG.SEQUENCE, 5, path);
  const ias = derSequence(at(f, 1, path), DER_TAG.SEQUENCE, 2, [...path, 'issuerAndSerialNumber']);
  const serial = at(ias, 1, path);
  if (serial.tag !== DER_TAG.INTEGER) throw new DecodeError('BAD_VALUE', 'serialNumber is not an INTEGER', serial.offset, [...path, 'serialNumber']);
  const digestAlgorithm = algorithmOid(at(f, 2, path), [...path, 'digestAlgorithm']);
  let k = 3;
  let authenticatedAttributes: Uint8Array | undefined;
  let messageDigest: Uint8Array | undefined;
  if (at(f, k, path).tag === DER_TAG.CONTEXT_0) {
    const aa = at(f, k, path);
    authenticatedAttributes = aa.raw;
    for (const [i, attr] of derChildren(aa, [...path, 'authenticatedAttributes'], 64).entries()) {
      const ap = [...path, 'authenticatedAttributes', i];
      const parts = derSequence(attr, DER_TAG.SEQUENCE, 2, ap);
      if (toHex(at(parts, 0, ap).value) !== OID.MESSAGE_DIGEST) continue;
      const values = derSequence(at(parts, 1, ap), DER_TAG.SET, 1, ap);
      const v = at(values, 0, ap);
      if (v.tag !== DER_TAG.OCTET_STRING) throw new DecodeError('BAD_VALUE', 'messageDigest is not an OCTET STRING', v.offset, ap);
      messageDigest = v.value;
    }
    k++;
  }
  const digestEncryptionAlgorithm = algorithmOid(at(f, k, path), [...path, 'digestEncryptionAlgorithm']);
  const ed = at(f, k + 1, path);
  if (ed.tag !== DER_TAG.OCTET_STRING) throw new DecodeError('BAD_VALUE', 'encryptedDigest is not an OCTET STRING', ed.offset, [...path, 'encryptedDigest']);
  return {
    issuer: at(ias, 0, path).raw,
    serialNumber: serial.value,
    digestAlgorithm,
    authenticatedAttributes,
    messageDigest,
    digestEncryptionAlgorithm,
    encryptedDigest: ed.value,
  };
}

/** SpcIndirectDataContent's fields (Authenticode §"SpcIndirectDataContent"). */
export interface SpcIndirectData {
  /** data.type OID, hex (SPC_PE_IMAGE_DATAOBJ 1.3.6.1.4.1.311.2.1.15 for PE images). */
  readonly dataType: string;
  /** messageDigest.digestAlgorithm OID, hex. */
  readonly digestAlgorithm: string;
  /** messageDigest.digest: the image's Authenticode hash. A view into the input. */
  readonly digest: Uint8Array;
}

/**
 * Parses the SignedData's inner content as SpcIndirectDataContent ::= SEQUENCE { data
 * SpcAttributeTypeAndOptionalValue, messageDigest DigestInfo }. (EDK II itself does not parse
 * it: it compares the content's last bytes, see spcIndirectDataDigest.)
 * @throws DecodeError `BAD_VALUE` when the content is not SpcIndirectDataContent
 */
export function parseSpcIndirectData(p7: Pkcs7SignedData): SpcIndirectData {
  const path = [P, 'spcIndirectDataContent'];
  const c = p7.content;
  if (c === undefined || p7.contentType !== OID.SPC_INDIRECT_DATA) throw new DecodeError('BAD_VALUE', 'content is not SpcIndirectDataContent', 0, path);
  const f = derSequence(c, DER_TAG.SEQUENCE, 2, path);
  const data = derSequence(at(f, 0, path), DER_TAG.SEQUENCE, 1, [...path, 'data']);
  const type = at(data, 0, path);
  if (type.tag !== DER_TAG.OID) throw new DecodeError('BAD_VALUE', 'data.type is not an OID', type.offset, [...path, 'data']);
  const di = derSequence(at(f, 1, path), DER_TAG.SEQUENCE, 2, [...path, 'messageDigest']);
  const digest = at(di, 1, path);
  if (digest.tag !== DER_TAG.OCTET_STRING) throw new DecodeError('BAD_VALUE', 'digest is not an OCTET STRING', digest.offset, [...path, 'messageDigest']);
  return { dataType: toHex(type.value), digestAlgorithm: algorithmOid(at(di, 0, path), [...path, 'messageDigest', 'digestAlgorithm']), digest: digest.value };
}
