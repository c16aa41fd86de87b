/**
 * The parts of an X.509 certificate (RFC 5280 §4.1) that Secure Boot verification looks at
 * directly: the TBSCertificate bytes (dbx X509_SHA* entries hash them: X509GetTBSCert), issuer
 * and serial number (PKCS#7 finds a signer's certificate by them), and the basicConstraints and
 * keyUsage extensions (OpenSSL's X509_check_ca, which chain verification applies to issuers).
 * Signatures and keys are left to node:crypto's X509Certificate.
 */
import { X509Certificate } from 'node:crypto';
import { DecodeError, equalBytes, toHex } from '@tcg2sim/binary-codec';
import { DER_TAG, at, derSequence, expectDer, readDer } from './der.ts';
import { OID } from './constants.ts';

/** A parsed certificate. Byte fields are views into `raw`. */
export interface X509Info {
  /** The whole DER certificate (exactly the first TLV of the input). */
  readonly raw: Uint8Array;
  /** TBSCertificate, tag and length included. */
  readonly tbs: Uint8Array;
  /** X.509 version number (1, 2 or 3). */
  readonly version: number;
  /** serialNumber contents octets. */
  readonly serialNumber: Uint8Array;
  /** issuer Name, whole TLV. */
  readonly issuer: Uint8Array;
  /** subject Name, whole TLV. */
  readonly subject: Uint8Array;
  /** basicConstraints cA, or undefined without the extension. */
  readonly basicConstraintsCa: boolean | undefined;
  /** keyUsage bits (bit 0 = digitalSignature … bit 5 = keyCertSign), or undefined without it. */
  readonly keyUsage: number | undefined;
  /**
   * OIDs (hex) of critical extensions OpenSSL 1.1.1 does not handle (X509_supported_extension):
   * chain verification fails on such a certificate (X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION).
   */
  readonly unhandledCritical: readonly string[];
  /** node:crypto's view, for keys and signatures. */
  readonly cert: X509Certificate;
}

/**
 * Extensions OpenSSL 1.1.1 handles (v3_purp.c supported_nids), as EDK II's OpensslLib builds it
 * (no RFC 3779): netscape-cert-type, keyUsage, subjectAltName, basicConstraints,
 * certificatePolicies, cRLDistributionPoints, extKeyUsage, OCSP noCheck, policyConstraints,
 * proxyCertInfo, nameConstraints, policyMappings, inhibitAnyPolicy.
 */
export const OPENSSL_SUPPORTED_EXTENSIONS: ReadonlySet<string> = new Set([
  '6086480186f8420101', '551d0f', '551d11', '551d13', '551d20', '551d1f', '551d25', '2b0601050507300105', '551d24',
  '2b0601050507010e', '551d1e', '551d21', '551d36',
]);

/** keyUsage keyCertSign (RFC 5280 §4.2.1.3 bit 5), in {@link X509Info.keyUsage}'s numbering. */
export const KU_KEY_CERT_SIGN = 1 << 5;

/**
 * Parses a DER certificate (trailing bytes after the first TLV are ignored, as d2i_X509 does).
 * @throws DecodeError when the structure is not a certificate node:crypto and we both accept
 */
export function parseX509(der: Uint8Array, path: readonly (string | number)[] = ['X509']): X509Info {
  const top = expectDer(der, 0, DER_TAG.SEQUENCE, path);
  const [tbsNode] = derSequence(top, DER_TAG.SEQUENCE, 3, path);
  if (tbsNode === undefined) throw new DecodeError('SHORT_BUFFER', 'no TBSCertificate', top.offset, path);
  const tp = [...path, 'tbsCertificate'];
  const f = derSequence(tbsNode, DER_TAG.SEQUENCE, 6, tp);
  let i = 0;
  let version = 1;
  if (at(f, 0, tp).tag === DER_TAG.CONTEXT_0) {
    const v = expectDer(at(f, 0, tp).value, 0, DER_TAG.INTEGER, [...tp, 'version'], at(f, 0, tp).offset + at(f, 0, tp).headerLength);
    version = (v.value[v.value.length - 1] ?? 0) + 1;
    i = 1;
  }
  const serial = at(f, i, tp);
  if (serial.tag !== DER_TAG.INTEGER) throw new DecodeError('BAD_VALUE', 'serialNumber is not an INTEGER', serial.offset, [...tp, 'serialNumber']);
  const issuer = at(f, i + 2, tp);
  const subject = at(f, i + 4, tp);
  let basicConstraintsCa: boolean | undefined;
  const unhandledCritical: string[] = [];
  let keyUsage: number | undefined;
  for (const ext of f.slice(i + 6)) {
    if (ext.tag !== DER_TAG.CONTEXT_3) continue;
    const ep = [...tp, 'extensions'];
    const seq = readDer(ext.value, 0, ep, ext.offset + ext.headerLength);
    for (const e of derSequence(seq, DER_TAG.SEQUENCE, 0, ep)) {
      const parts = derSequence(e, DER_TAG.SEQUENCE, 2, ep);
      const oid = toHex(at(parts, 0, ep).value);
      // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue }
      const critical = parts.length === 3 && parts[1]?.tag === DER_TAG.BOOLEAN && (parts[1].value[0] ?? 0) !== 0;
      if (critical && !OPENSSL_SUPPORTED_EXTENSIONS.has(oid)) unhandledCritical.push(oid);
      const valueNode = parts[parts.length - 1];
      if (valueNode?.tag !== DER_TAG.OCTET_STRING) continue;
      if (oid === OID.BASIC_CONSTRAINTS) {
        const bc = readDer(valueNode.value, 0, [...ep, 'basicConstraints'], valueNode.offset + valueNode.headerLength);
        const kids = derSequence(bc, DER_TAG.SEQUENCE, 0, [...ep, 'basicConstraints']);
        const ca = kids[0];
        basicConstraintsCa = ca !== undefined && ca.tag === DER_TAG.BOOLEAN && (ca.value[0] ?? 0) !== 0;
      } else if (oid === OID.KEY_USAGE) {
        const ku = expectDer(valueNode.value, 0, DER_TAG.BIT_STRING, [...ep, 'keyUsage'], valueNode.offset + valueNode.headerLength);
        // BIT STRING: first octet = unused bits; bit 0 is the MSB of the first data octet.
        const b0 = ku.value[1] ?? 0;
        const b1 = ku.value[2] ?? 0;
        let bits = 0;
        for (let k = 0; k < 8; k++) if ((b0 & (0x80 >> k)) !== 0) bits |= 1 << k;
        if ((b1 & 0x80) !== 0) bits |= 1 << 8;
        keyUsage = bits;
      }
    }
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(top.raw);
  } catch (e) {
    throw new DecodeError('BAD_VALUE', 'node:crypto refuses the certificate', 0, path, { cause: e });
  }
  return {
    raw: top.raw,
    tbs: tbsNode.raw,
    version,
    serialNumber: serial.value,
    issuer: issuer.raw,
    subject: subject.raw,
    basicConstraintsCa,
    keyUsage,
    unhandledCritical,
    cert,
  };
}

/**
 * OpenSSL's X509_check_ca: 0 = not a CA; 1 = basicConstraints cA; 3 = a self-issued v1
 * certificate; 4 = keyUsage keyCertSign without basicConstraints. (5, Netscape cert types, is
 * not modelled.)
 */
export function x509CheckCa(c: X509Info): 0 | 1 | 3 | 4 {
  if (c.keyUsage !== undefined && (c.keyUsage & KU_KEY_CERT_SIGN) === 0) return 0;
  if (c.basicConstraintsCa !== undefined) return c.basicConstraintsCa ? 1 : 0;
  if (c.version === 1 && equalBytes(c.issuer, c.subject)) return 3;
  if (c.keyUsage !== undefined) return 4;
  return 0;
}
