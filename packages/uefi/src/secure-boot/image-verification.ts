/**
 * The Secure Boot decision of SecurityPkg DxeImageVerificationLib (edk2-stable202211,
 * DxeImageVerificationHandler, IsForbiddenByDbx, IsAllowedByDb, IsSignatureFoundInDatabase,
 * IsCertHashFoundInDbx), as a pure function of the image, the image's origin and the db / dbx /
 * dbt / SecureBoot variables. It returns the status LoadImage gets and, in order, every
 * SecureBootHook call (the db entries that authorised the image, which Measurement.c measures
 * as PCR7 EV_EFI_VARIABLE_AUTHORITY unless the same entry was measured before in this boot).
 *
 * Timestamps (dbt) are modelled only as far as they are cheap: a dbx certificate-hash match with
 * a zero revocation time is always a revocation (as in EDK II); with a non-zero time EDK II
 * checks an RFC 3161 countersignature against dbt, which is not modelled: the verifier then
 * throws a SecureBootError `NOT_MODELLED` instead of guessing.
 */
import { createHash } from 'node:crypto';
import { DecodeError, Tcg2Error, equalBytes } from '@tcg2sim/binary-codec';
import { parsePeImage } from '../pe/parse.ts';
import type { PeImage } from '../pe/parse.ts';
import { checkPeImageLoadable } from '../pe/image-hash.ts';
import { authenticodeHashOf, authenticodeImageDigest, readCertificateTable, securityDirectory } from '../pe/authenticode-signature.ts';
import { AUTHENTICODE_HASHES, EFI_CERT_TYPE, EFI_IMAGE_SECURITY_DATABASE_GUID, IMAGE_VERIFICATION_POLICY } from './constants.ts';
import type { AuthenticodeHash } from './constants.ts';
import { parseSignatureLists } from './signature-list.ts';
import type { SignatureEntry, SignatureList } from './signature-list.ts';
import { authenticodeVerify, pkcs7GetSigners } from './authenticode-verify.ts';
import { parseX509 } from './x509.ts';

/** Why the verifier cannot give EDK II's answer. */
export type SecureBootErrorCode = 'NOT_MODELLED';

/** A case the model does not cover (see the module comment). */
export class SecureBootError extends Tcg2Error {
  override readonly name = 'SecureBootError';
  readonly code: SecureBootErrorCode;
  constructor(code: SecureBootErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** GetImageType's answer for the image's device path. */
export type ImageOrigin = 'fv' | 'option-rom' | 'removable-media' | 'fixed-media' | 'unknown';

/** Pcd*ImageVerificationPolicy values (OVMF 2022.11: option ROM 0, removable 4, fixed 4). */
export interface ImageVerificationPolicies {
  readonly optionRom: number;
  readonly removableMedia: number;
  readonly fixedMedia: number;
}

/** OVMF's policies: SecurityPkg.dec defaults, option ROMs always executed (OvmfPkgX64.dsc). */
export const OVMF_IMAGE_VERIFICATION_POLICIES: ImageVerificationPolicies = { optionRom: 0x00, removableMedia: 0x04, fixedMedia: 0x04 };

/** Read access to UEFI variables. */
export interface SecureBootVariables {
  get(name: string, guid: string): Uint8Array | undefined;
}

/** One SecureBootHook call: the db entry that authorised the image. */
export interface AuthorityMatch {
  /** Always "db" in 2022.11 (only db entries are measured). */
  readonly variableName: 'db';
  readonly vendorGuid: string;
  /** A db X.509 certificate verified the signature, or a db hash entry equals the image hash. */
  readonly via: 'certificate' | 'hash';
  /** SignatureType of the list holding the entry. */
  readonly signatureType: string;
  readonly listIndex: number;
  readonly entryIndex: number;
  /** The whole EFI_SIGNATURE_DATA (owner GUID + data): UEFI_VARIABLE_DATA.VariableData. */
  readonly signatureData: Uint8Array;
}

/** EFI_IMAGE_EXECUTION_ACTION recorded for a refused image. */
export type ImageExecutionAction = 'AUTH_UNTESTED' | 'AUTH_SIG_FAILED' | 'AUTH_SIG_FOUND';

/** The handler's result. */
export interface ImageVerificationResult {
  readonly status: 'EFI_SUCCESS' | 'EFI_ACCESS_DENIED' | 'EFI_SECURITY_VIOLATION';
  /** Verification was not performed (policy, SecureBoot off or absent). */
  readonly skipped: boolean;
  readonly action: ImageExecutionAction;
  /** SecureBootHook calls, in order (each measured unless already measured in this boot). */
  readonly authorities: readonly AuthorityMatch[];
  /** Human-readable steps (for notes). */
  readonly trace: readonly string[];
  /**
   * How many AuthenticodeVerify calls (one per db/dbx X.509 certificate tried) the decision
   * made: OpenSSL's heap use, and so the memory DXE is left with, grows with it.
   */
  readonly authenticodeVerifications: number;
}

/** Input of {@link verifyImage}. */
export interface ImageVerificationInput {
  /** The file LoadImage read (FileBuffer). */
  readonly image: Uint8Array;
  readonly origin: ImageOrigin;
  readonly variables: SecureBootVariables;
  readonly policies?: ImageVerificationPolicies;
}

const SHA256 = AUTHENTICODE_HASHES[2];

function readDatabase(vars: SecureBootVariables, name: 'db' | 'dbx' | 'dbt'): SignatureList[] | undefined {
  const data = vars.get(name, EFI_IMAGE_SECURITY_DATABASE_GUID);
  return data === undefined ? undefined : parseSignatureLists(data, name);
}

/** EFI_TIME fields of a dbx X509_SHA* entry's TimeOfRevocation: zero means "always revoked". */
function revocationIsZero(entry: SignatureEntry, digestSize: number): boolean {
  const t = entry.data.subarray(digestSize, digestSize + 16);
  // Year (2), Month, Day, Hour, Minute, Second: IsTimeZero looks at these only.
  return t.subarray(0, 7).every((b) => b === 0);
}

const CERT_HASHES: ReadonlyMap<string, { node: string; size: number }> = new Map([
  [EFI_CERT_TYPE.X509_SHA256, { node: 'sha256', size: 32 }],
  [EFI_CERT_TYPE.X509_SHA384, { node: 'sha384', size: 48 }],
  [EFI_CERT_TYPE.X509_SHA512, { node: 'sha512', size: 64 }],
]);

/**
 * IsCertHashFoundInDbx + PassTimestampCheck: whether the certificate is revoked by a dbx
 * X509_SHA256/384/512 entry equal to the hash of its TBSCertificate. 'error' = the certificate
 * cannot be parsed (EDK II counts that as found). A revocation time of zero always revokes; a
 * non-zero one revokes unless a timestamp countersignature verifies against a dbt X.509
 * certificate: without such a dbt the answer is known (revoked), with one it is not modelled.
 * @throws SecureBootError `NOT_MODELLED`
 */
function certRevoked(certDer: Uint8Array, dbx: readonly SignatureList[], vars: SecureBootVariables): 'revoked' | 'error' | 'clear' {
  let tbs: Uint8Array;
  try {
    tbs = parseX509(certDer).tbs;
  } catch (e) {
    if (e instanceof DecodeError) return 'error';
    throw e;
  }
  for (const list of dbx) {
    const h = CERT_HASHES.get(list.header.signatureType);
    if (h === undefined) continue;
    const digest = createHash(h.node).update(tbs).digest();
    for (const e of list.entries) {
      if (!equalBytes(e.data.subarray(0, h.size), digest)) continue;
      if (revocationIsZero(e, h.size)) return 'revoked';
      const dbt = readDatabase(vars, 'dbt');
      if (dbt === undefined || !dbt.some((l) => l.header.signatureType === EFI_CERT_TYPE.X509 && l.entries.length > 0)) return 'revoked';
      throw new SecureBootError('NOT_MODELLED', 'a dbx certificate hash with a revocation time and X.509 certificates in dbt: the timestamp check (ImageTimestampVerify) is not modelled');
    }
  }
  return 'clear';
}

/** IsSignatureFoundInDatabase: the first entry of a list of `certType` and matching size equal to `digest`. */
function findHash(lists: readonly SignatureList[] | undefined, digest: Uint8Array, certType: string): { list: SignatureList; entry: SignatureEntry } | undefined {
  for (const list of lists ?? []) {
    if (list.header.signatureSize !== 16 + digest.length || list.header.signatureType !== certType) continue;
    for (const entry of list.entries) if (equalBytes(entry.data, digest)) return { list, entry };
  }
  return undefined;
}

/**
 * DxeImageVerificationHandler for one image.
 * @throws SecureBootError `NOT_MODELLED` (dbt timestamps); DecodeError for a db/dbx/dbt whose
 *   signature lists EDK II could not walk
 */
export function verifyImage(input: ImageVerificationInput): ImageVerificationResult {
  const trace: string[] = [];
  const authorities: AuthorityMatch[] = [];
  const pol = input.policies ?? OVMF_IMAGE_VERIFICATION_POLICIES;
  const policy = input.origin === 'fv' ? IMAGE_VERIFICATION_POLICY.ALWAYS_EXECUTE
    : input.origin === 'option-rom' ? pol.optionRom
      : input.origin === 'removable-media' ? pol.removableMedia
        : input.origin === 'fixed-media' ? pol.fixedMedia
          : IMAGE_VERIFICATION_POLICY.DENY_EXECUTE_ON_SECURITY_VIOLATION;
  const counter = { calls: 0 };
  const done = (status: ImageVerificationResult['status'], skipped: boolean, action: ImageExecutionAction): ImageVerificationResult => ({
    status, skipped, action, authorities, trace, authenticodeVerifications: counter.calls,
  });
  if (policy === IMAGE_VERIFICATION_POLICY.ALWAYS_EXECUTE) {
    trace.push(`policy ALWAYS_EXECUTE for a ${input.origin} image: not verified`);
    return done('EFI_SUCCESS', true, 'AUTH_UNTESTED');
  }
  if (policy === IMAGE_VERIFICATION_POLICY.NEVER_EXECUTE) {
    trace.push('policy NEVER_EXECUTE');
    return done('EFI_ACCESS_DENIED', true, 'AUTH_UNTESTED');
  }
  const secureBoot = input.variables.get('SecureBoot', '8BE4DF61-93CA-11D2-AA0D-00E098032B8C');
  if (secureBoot === undefined || secureBoot[0] === 0) {
    trace.push(secureBoot === undefined ? 'no SecureBoot variable: not verified' : 'SecureBoot is 0: not verified');
    return done('EFI_SUCCESS', true, 'AUTH_UNTESTED');
  }
  const refuse = (action: ImageExecutionAction): ImageVerificationResult =>
    done(policy === IMAGE_VERIFICATION_POLICY.DEFER_EXECUTE_ON_SECURITY_VIOLATION ? 'EFI_SECURITY_VIOLATION' : 'EFI_ACCESS_DENIED', false, action);

  let img: PeImage;
  try {
    img = parsePeImage(input.image);
    checkPeImageLoadable(img, input.image.length);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    trace.push(`not a PE/COFF image EDK II loads (${e.code})`);
    return refuse('AUTH_UNTESTED');
  }
  // Read when EDK II first reads them (a malformed db matters only if it is looked at).
  let dbCache: SignatureList[] | undefined | null = null;
  let dbxCache: SignatureList[] | undefined | null = null;
  const db = (): SignatureList[] | undefined => (dbCache === null ? (dbCache = readDatabase(input.variables, 'db')) : dbCache);
  const dbx = (): SignatureList[] | undefined => (dbxCache === null ? (dbxCache = readDatabase(input.variables, 'dbx')) : dbxCache);
  const inDb = (digest: Uint8Array, hash: AuthenticodeHash): boolean => {
    const hit = findHash(db(), digest, hash.certType);
    if (hit === undefined) return false;
    trace.push(`${hash.name} image hash found in db (list ${hit.list.index}, entry ${hit.entry.index})`);
    authorities.push({
      variableName: 'db', vendorGuid: EFI_IMAGE_SECURITY_DATABASE_GUID, via: 'hash', signatureType: hit.list.header.signatureType,
      listIndex: hit.list.index, entryIndex: hit.entry.index, signatureData: hit.entry.raw,
    });
    return true;
  };

  const dir = securityDirectory(img);
  if (dir === undefined) {
    const digest = authenticodeImageDigest(input.image, img, SHA256);
    if (digest === undefined) {
      trace.push('unsigned image: SHA256 hashing failed');
      return refuse('AUTH_UNTESTED');
    }
    if (findHash(dbx(), digest, SHA256.certType) !== undefined) {
      trace.push('unsigned image whose SHA256 hash is in dbx');
      return refuse('AUTH_UNTESTED');
    }
    if (inDb(digest, SHA256)) return done('EFI_SUCCESS', false, 'AUTH_UNTESTED');
    trace.push('unsigned image whose SHA256 hash is in neither db nor dbx');
    return refuse('AUTH_UNTESTED');
  }

  const table = readCertificateTable(input.image, dir);
  let verified = false;
  let action: ImageExecutionAction = 'AUTH_UNTESTED';
  for (const [n, entry] of table.entries.entries()) {
    if (entry.kind !== 'pkcs7' || entry.authData === undefined) {
      trace.push(`signature ${n}: WIN_CERTIFICATE type 0x${entry.header.wCertificateType.toString(16)}${entry.certType !== undefined ? ` (${entry.certType})` : ''} skipped`);
      continue;
    }
    const authData = entry.authData;
    const hash = authenticodeHashOf(authData);
    const digest = hash === undefined ? undefined : authenticodeImageDigest(input.image, img, hash);
    if (hash === undefined || digest === undefined) {
      trace.push(`signature ${n}: digest algorithm unsupported (HashPeImageByType): skipped`);
      continue;
    }
    if (isForbiddenByDbx(authData, digest, dbx(), input.variables, trace, n, counter)) {
      action = 'AUTH_SIG_FAILED';
      verified = false;
      break;
    }
    if (!verified && isAllowedByDb(authData, digest, db(), dbx(), input.variables, authorities, trace, n, counter)) verified = true;
    if (findHash(dbx(), digest, hash.certType) !== undefined) {
      trace.push(`signature ${n}: the image's ${hash.name} hash is in dbx`);
      action = 'AUTH_SIG_FOUND';
      verified = false;
      break;
    }
    if (!verified) {
      if (inDb(digest, hash)) verified = true;
      else trace.push(`signature ${n}: not allowed by a db certificate, ${hash.name} image hash not in db`);
    }
  }
  if (!table.complete) {
    // OffSet != SecDataDirEnd: also true after a dbx break, where `verified` is already FALSE.
    if (action === 'AUTH_UNTESTED') trace.push('the certificate table walk does not end at the Security directory end: corrupt');
    verified = false;
  }
  if (verified) return done('EFI_SUCCESS', false, action);
  if (table.entries.length === 0) trace.push('no signature in the certificate table');
  return refuse(action);
}

/** IsForbiddenByDbx. */
function isForbiddenByDbx(
  authData: Uint8Array, digest: Uint8Array, dbx: readonly SignatureList[] | undefined, vars: SecureBootVariables, trace: string[], n: number, counter: { calls: number }
): boolean {
  if (dbx === undefined) return false;
  for (const list of dbx) {
    if (list.header.signatureType !== EFI_CERT_TYPE.X509) continue;
    for (const e of list.entries) {
      counter.calls++;
      if (authenticodeVerify(authData, e.data, digest)) {
        trace.push(`signature ${n}: verified by dbx certificate (list ${list.index}, entry ${e.index}): forbidden`);
        return true;
      }
    }
  }
  const signers = pkcs7GetSigners(authData);
  if (signers === undefined || signers.length === 0) {
    trace.push(`signature ${n}: no signer certificates (Pkcs7GetSigners fails): forbidden`);
    return true;
  }
  for (const s of signers) {
    // A certificate IsCertHashFoundInDbx cannot parse sets IsForbidden, but the loop goes on and
    // EDK II sets IsForbidden = FALSE after it: only a revocation counts.
    if (certRevoked(s.raw, dbx, vars) === 'revoked') {
      trace.push(`signature ${n}: a signer certificate's TBS hash is in dbx: forbidden`);
      return true;
    }
  }
  return false;
}

/** IsAllowedByDb; records the SecureBootHook call when it returns TRUE. */
function isAllowedByDb(
  authData: Uint8Array, digest: Uint8Array, db: readonly SignatureList[] | undefined, dbx: readonly SignatureList[] | undefined,
  vars: SecureBootVariables, authorities: AuthorityMatch[], trace: string[], n: number, counter: { calls: number }
): boolean {
  if (db === undefined) return false;
  for (const list of db) {
    if (list.header.signatureType !== EFI_CERT_TYPE.X509) continue;
    for (const e of list.entries) {
      counter.calls++;
      if (!authenticodeVerify(authData, e.data, digest)) continue;
      let ok = true;
      if (dbx !== undefined) {
        const r = certRevoked(e.data, dbx, vars);
        if (r === 'error' || r === 'revoked') {
          ok = false;
          trace.push(`signature ${n}: db certificate (list ${list.index}, entry ${e.index}) verifies, but its TBS hash is in dbx`);
        }
      }
      if (ok) {
        trace.push(`signature ${n}: verified by db certificate (list ${list.index}, entry ${e.index})`);
        authorities.push({
          variableName: 'db', vendorGuid: EFI_IMAGE_SECURITY_DATABASE_GUID, via: 'certificate', signatureType: list.header.signatureType,
          listIndex: list.index, entryIndex: e.index, signatureData: e.raw,
        });
      }
      return ok;
    }
  }
  return false;
}
