/**
 * The Secure Boot half of `tcg2sim pe --vars STORE`: the SecureBoot state OVMF derives from the
 * store, DxeImageVerificationLib's decision (`verifyImage`, edk2-stable202211) and the PCR7
 * EV_EFI_VARIABLE_AUTHORITY event SecureBootHook (Measurement.c) would log for the db entry that
 * authorised the image, as the first such measurement of a boot.
 */
import { guidToString, toHex } from '@tcg2sim/binary-codec';
import { hashAll, hashAlgInfo } from '@tcg2sim/hash-lib';
import { EV, encodeVariableData } from '@tcg2sim/event-log';
import { EFI_CERT_TYPE, VENDOR_GUID, parseX509, secureBootState, snapshotVariables, verifyImage } from '@tcg2sim/uefi';
import type { AuthorityMatch, ImageVerificationResult, SecureBootImageOrigin, SecureBootVariables } from '@tcg2sim/uefi';
import { PE_BANKS } from './pe-image.ts';
import type { BankDigests } from './pe-image.ts';

/** The image origins `--origin` accepts (GetImageType's classes; OVMF verifies removable and fixed media). */
export const PE_ORIGINS: readonly SecureBootImageOrigin[] = ['fixed-media', 'removable-media', 'option-rom', 'fv'];

/** The db entry that authorised the image (one SecureBootHook call). */
export interface AuthorityJson {
  /** Always `db` (2022.11 measures only db entries). */
  readonly variable: 'db';
  readonly vendorGuid: string;
  /** `certificate`: a db X.509 certificate verified the signature; `hash`: a db hash entry equals the image hash. */
  readonly via: 'certificate' | 'hash';
  readonly listIndex: number;
  readonly entryIndex: number;
  /** SignatureType GUID of the list and its name (`EFI_CERT_X509_GUID`, `EFI_CERT_SHA256_GUID`, …). */
  readonly signatureType: string;
  readonly signatureTypeName: string | null;
  /** SignatureOwner of the entry. */
  readonly owner: string;
  /** Subject of an X.509 entry, else null. */
  readonly subject: string | null;
  /** The hash of a hash entry (hex), else null. */
  readonly hash: string | null;
}

/** An event OVMF would log. */
export interface AuthorityEventJson {
  readonly pcr: 7;
  readonly eventType: 'EV_EFI_VARIABLE_AUTHORITY';
  readonly eventTypeValue: number;
  /** UEFI_VARIABLE_DATA {gEfiImageSecurityDatabaseGuid, "db", EFI_SIGNATURE_DATA}, hex. */
  readonly data: string;
  /** Digest of `data` per bank. */
  readonly digests: BankDigests;
}

/** With `--vars`: what Secure Boot does with the image. */
export interface SecureBootReport {
  readonly store: string;
  readonly origin: SecureBootImageOrigin;
  /** The volatile SecureBoot variable OVMF (a SECURE_BOOT_ENABLE build) creates from the store: 1 or 0. */
  readonly secureBoot: 0 | 1;
  /** Why: `PK enrolled`, `no PK`, `SecureBootEnable is 0`. */
  readonly secureBootReason: string;
  /** DxeImageVerificationHandler looked at the image (false: policy or SecureBoot 0). */
  readonly verified: boolean;
  readonly decision: 'allowed' | 'denied';
  /** EFI_SUCCESS, EFI_ACCESS_DENIED or EFI_SECURITY_VIOLATION. */
  readonly status: ImageVerificationResult['status'];
  /** EFI_IMAGE_EXECUTION_ACTION recorded for a refused image (AUTH_UNTESTED, AUTH_SIG_FAILED, AUTH_SIG_FOUND). */
  readonly action: ImageVerificationResult['action'];
  /** The decision in words. */
  readonly reason: string;
  /** The verifier's steps. */
  readonly trace: readonly string[];
  readonly authorities: readonly AuthorityJson[];
  /** PCR7 events OVMF logs (empty: none). */
  readonly authorityEvents: readonly AuthorityEventJson[];
}

function certTypeName(guid: string): string | null {
  for (const [k, v] of Object.entries(EFI_CERT_TYPE)) if (v === guid) return k === 'PKCS7' ? 'EFI_CERT_TYPE_PKCS7_GUID' : `EFI_CERT_${k}_GUID`;
  return null;
}

function authorityJson(a: AuthorityMatch): AuthorityJson {
  const data = a.signatureData.subarray(16);
  let subject: string | null = null;
  if (a.signatureType === EFI_CERT_TYPE.X509) {
    try {
      subject = parseX509(data).cert.subject.replace(/\n/g, ', ');
    } catch {
      subject = null;
    }
  }
  return {
    variable: a.variableName, vendorGuid: a.vendorGuid, via: a.via, listIndex: a.listIndex, entryIndex: a.entryIndex,
    signatureType: a.signatureType, signatureTypeName: certTypeName(a.signatureType),
    owner: guidToString(a.signatureData.subarray(0, 16)), subject, hash: a.via === 'hash' ? toHex(data) : null,
  };
}

/**
 * Measurement.c's event for one SecureBootHook call: UEFI_VARIABLE_DATA over the whole
 * EFI_SIGNATURE_DATA, digest over the whole UEFI_VARIABLE_DATA (as tcg2-dxe's
 * SecureBootAuthorityMeasurement logs it).
 */
function authorityEvent(a: AuthorityMatch): AuthorityEventJson {
  const data = encodeVariableData({ variableName: VENDOR_GUID.IMAGE_SECURITY_DATABASE, unicodeName: a.variableName, variableData: a.signatureData });
  const digests: Record<string, string> = {};
  for (const d of hashAll(PE_BANKS, data)) digests[hashAlgInfo(d.alg).name] = toHex(d.digest);
  return { pcr: 7, eventType: 'EV_EFI_VARIABLE_AUTHORITY', eventTypeValue: EV.EFI_VARIABLE_AUTHORITY, data: toHex(data), digests };
}

/**
 * The store's variables as DxeImageVerificationLib reads them, SecureBoot included: AuthVariableLib
 * in OVMF's SECURE_BOOT_ENABLE builds sets it to 1 when PK is enrolled and SecureBootEnable is not
 * 0 (the rule platform-ovmf's boot simulation applies).
 * @throws VarStoreError / DecodeError for a bad store
 */
export function storeVariables(store: Uint8Array): { vars: SecureBootVariables; secureBoot: 0 | 1; reason: string } {
  const snap = snapshotVariables(store);
  const { secureBoot, reason } = secureBootState((name, guid) => snap.get(name, guid)?.data);
  const vars: SecureBootVariables = {
    get: (name, guid) => (name === 'SecureBoot' && guid.toUpperCase() === VENDOR_GUID.GLOBAL_VARIABLE ? Uint8Array.of(secureBoot) : snap.get(name, guid)?.data),
  };
  return { vars, secureBoot, reason };
}

function describeAuthority(a: AuthorityJson): string {
  const what = a.subject !== null ? `db certificate "${a.subject}"` : a.via === 'hash' ? `db image hash ${a.hash ?? ''}` : 'db entry';
  return `${what} (db list ${a.listIndex}, entry ${a.entryIndex}, owner ${a.owner})`;
}

/**
 * The decision for `image` loaded from `origin` with the variables of `store`.
 * @throws SecureBootError `NOT_MODELLED`; VarStoreError / DecodeError for a bad store or db/dbx
 */
export function secureBootReport(storeFile: string, store: Uint8Array, image: Uint8Array, origin: SecureBootImageOrigin): SecureBootReport {
  const { vars, secureBoot, reason: sbReason } = storeVariables(store);
  const v = verifyImage({ image, origin, variables: vars });
  const authorities = v.authorities.map(authorityJson);
  // SecureBootHook measures an entry once per boot: identical entries give one event.
  const seen = new Set<string>();
  const events: AuthorityEventJson[] = [];
  for (const a of v.authorities) {
    const key = toHex(a.signatureData);
    if (seen.has(key)) continue;
    seen.add(key);
    events.push(authorityEvent(a));
  }
  const allowed = v.status === 'EFI_SUCCESS';
  const last = v.trace[v.trace.length - 1] ?? '';
  const first = authorities[0];
  let reason: string;
  if (v.skipped) reason = `verification does not run (${v.trace[0] ?? ''}): ${allowed ? 'the image is loaded' : 'the image is refused'}`;
  else if (allowed) reason = `allowed by ${first === undefined ? 'db' : describeAuthority(first)}`;
  else reason = `denied: ${last}${first === undefined ? '' : ` (after a match of ${describeAuthority(first)})`}`;
  return {
    store: storeFile, origin, secureBoot, secureBootReason: sbReason, verified: !v.skipped,
    decision: allowed ? 'allowed' : 'denied', status: v.status, action: v.action, reason, trace: v.trace,
    authorities, authorityEvents: events,
  };
}
