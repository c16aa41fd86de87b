/**
 * Ubuntu's FirmwareSecvarUpdater (a DXE driver in Ubuntu's secboot/ms builds of jammy-updates,
 * noble and resolute; not an EDK II module): it carries X.509 certificates in its image and, when
 * the store's db lacks one of them, appends it to db (CustomMode) before Tcg2Dxe measures db into
 * PCR7. Seen on Ubuntu 26.04's 2025.11 OVMF_CODE_4M.secboot.fd with its own OVMF_VARS_4M.ms.fd:
 * the real boot's db event held one more certificate (Microsoft Option ROM UEFI CA 2023) than the
 * store, appended as one more EFI_SIGNATURE_LIST (X509, one entry owned by gMicrosoftVendorGuid),
 * and the store after the boot held FirmwareSecvarUpdaterVersion = 1. It carries Microsoft's db
 * CAs (2011 and 2023) and KEK CAs (2011, 2K 2023). Modelled: one db certificate missing from both
 * db and KEK is appended so. Not observed, so INCOMPLETE naming them: several missing, a KEK one,
 * a store that already holds the version variable. When db and KEK hold them all (jammy's ms store:
 * its real boot equals the prediction) or there is no db (no Secure Boot keys), nothing changes.
 */
import { X509Certificate } from 'node:crypto';
import { concatBytes, equalBytes } from '@tcg2sim/binary-codec';
import { EFI_CERT_TYPE, EFI_SECTION, VENDOR_GUID, encodeSignatureList, parseSignatureLists } from '@tcg2sim/uefi';
import type { SecOutput } from '../../sec.ts';
import type { DxeContext } from './context.ts';
import type { DxeUnit } from './dxe-unit.ts';
import { findModule } from './unit.ts';
import type { ModuleRef } from './unit.ts';

/** Its FILE_GUID in Ubuntu's images. */
export const FIRMWARE_SECVAR_UPDATER_FILE_GUID = '3B2A4E58-6F7C-4D91-A8B5-C2E0F3D71A9E';
const MODULE: ModuleRef = { name: 'FirmwareSecvarUpdater', fileGuid: FIRMWARE_SECVAR_UPDATER_FILE_GUID };

/** An embedded certificate: its DER bytes and subject. */
export interface EmbeddedCertificate {
  readonly der: Uint8Array;
  readonly subject: string;
}

/**
 * The X.509 certificates in a PE image: every DER SEQUENCE with a two-byte length whose content
 * starts with another such SEQUENCE (the TBSCertificate) and that parses as a certificate.
 */
export function embeddedCertificates(image: Uint8Array): EmbeddedCertificate[] {
  const out: EmbeddedCertificate[] = [];
  for (let i = 0; i + 8 <= image.length; i++) {
    if (image[i] !== 0x30 || image[i + 1] !== 0x82 || image[i + 4] !== 0x30 || image[i + 5] !== 0x82) continue;
    const len = ((image[i + 2] ?? 0) << 8) | (image[i + 3] ?? 0);
    if (len < 256 || i + 4 + len > image.length) continue;
    const der = image.subarray(i, i + 4 + len);
    try {
      const cert = new X509Certificate(der);
      out.push({ der: new Uint8Array(der), subject: cert.subject.replace(/\n/g, ', ') });
      i += 3 + len;
    } catch {
      // Not a certificate: keep scanning.
    }
  }
  return out;
}

function updaterImage(sec: SecOutput): Uint8Array | undefined {
  const f = findModule(sec.dxeFv.volume, MODULE);
  return f?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
}

/** gMicrosoftVendorGuid: the owner of the SignatureData it appends (seen in the real boot's db). */
const MICROSOFT_OWNER = '77FA9ABD-0359-4D32-BD60-28F4E78F784B';
/** The variable it writes after an update (NV|BS|RT, UINT32 1 in the real boot's store). */
export const SECVAR_UPDATER_VERSION = { name: 'FirmwareSecvarUpdaterVersion', guid: 'A2F5DA32-9E4C-4F6B-B3A1-7C8D5E6F0A1B' } as const;

export const secvarUpdaterUnit: DxeUnit = {
  module: MODULE,
  distributionOnly: true,
  role: 'Ubuntu\'s db updater: appends a carried certificate missing from db before db is measured (PCR7)',
  run(ctx: DxeContext): Promise<void> {
    const image = updaterImage(ctx.sec);
    const db = ctx.vars.get('db', VENDOR_GUID.IMAGE_SECURITY_DATABASE);
    if (image === undefined || db === undefined) return Promise.resolve();
    // It carries db's and KEK's certificates alike: one is missing when neither variable holds it.
    const kek = ctx.vars.get('KEK', VENDOR_GUID.GLOBAL_VARIABLE);
    const have = [db, ...(kek === undefined ? [] : [kek])].flatMap((v) => parseSignatureLists(v))
      .filter((l) => l.header.signatureType.toUpperCase() === EFI_CERT_TYPE.X509).flatMap((l) => l.entries.map((e) => e.data));
    const missing = embeddedCertificates(image).filter((c) => !have.some((h) => equalBytes(h, c.der)));
    const [only] = missing;
    if (only === undefined) {
      ctx.notes.push('FirmwareSecvarUpdater: every certificate it carries is already in db or KEK: it leaves them as they are');
      return Promise.resolve();
    }
    // Seen: one db CA missing, appended as its own EFI_SIGNATURE_LIST. Not seen: a KEK CA missing,
    // several missing (their order), a store that already has its version variable.
    const why = missing.length > 1 ? 'the order it appends several in was not observed'
      : /CN=[^,]*KEK/.test(only.subject) ? 'a KEK certificate (its KEK update was not observed)'
      : ctx.vars.get(SECVAR_UPDATER_VERSION.name, SECVAR_UPDATER_VERSION.guid) !== undefined ? `the store already holds ${SECVAR_UPDATER_VERSION.name} (whether it updates again was not observed)`
      : undefined;
    if (why !== undefined) {
      ctx.unmodelled ??= `Ubuntu's FirmwareSecvarUpdater changes db or KEK before they are measured (PCR7): it carries ${missing.map((c) => c.subject).join('; ')}, which neither the store's db nor its KEK holds, and ${why}`;
      return Promise.resolve();
    }
    ctx.vars.set('db', VENDOR_GUID.IMAGE_SECURITY_DATABASE, concatBytes(db, encodeSignatureList({ signatureType: EFI_CERT_TYPE.X509, entries: [{ owner: MICROSOFT_OWNER, data: only.der }] })));
    ctx.vars.set(SECVAR_UPDATER_VERSION.name, SECVAR_UPDATER_VERSION.guid, Uint8Array.of(1, 0, 0, 0));
    ctx.notes.push(`FirmwareSecvarUpdater: appends ${only.subject} (carried, in neither db nor KEK) to db as one EFI_SIGNATURE_LIST owned by Microsoft, before db is measured`);
    return Promise.resolve();
  },
};
