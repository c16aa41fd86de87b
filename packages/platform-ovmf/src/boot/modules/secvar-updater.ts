/**
 * Ubuntu's FirmwareSecvarUpdater (a DXE driver in Ubuntu's OVMF of jammy-updates, noble and
 * resolute; not an EDK II module): it carries Microsoft's 2011 and 2023 CAs and an update table
 * (secvar-updater-table.ts), and before Tcg2Dxe measures KEK and db (PCR7) it appends the 2023 CAs
 * to a store that trusts the 2011 ones. Read from its code (the same in the three builds) and
 * confirmed by real boots of resolute's, noble's and jammy's secboot images and jammy's non-SMM
 * ones with stores made for each case (packages/platform-ovmf/test/vectors/secvar-updater/,
 * docs/distro-builds-2024.md):
 *
 * 1. GetVariable(L"SetupMode") fails or is not 0 (no PK, or no authenticated variables): it does
 *    nothing, writes nothing (seen: OVMF_VARS_4M.fd, whose store after the boot has no version).
 * 2. GetVariable(L"FirmwareSecvarUpdaterVersion", 4 bytes into a zeroed UINT32) succeeds with a
 *    value >= 1: nothing (seen: a store lacking the Option ROM CA but holding the version, as 4
 *    bytes or as 1, keeps its db; the second boot of an updated store measures the same KEK and
 *    db). A version of 0, or of more than 4 bytes (GetVariable fails), is no version (seen).
 * 3. For each table record in order: when the record's variable holds its trigger certificate
 *    (an X509 EFI_SIGNATURE_LIST entry of the same bytes), each of the record's other certificates
 *    that the variable lacks is appended, in the record's order, with CustomMode on, as an
 *    authenticated APPEND_WRITE (NV|BS|RT|AT|APPEND, an EFI_VARIABLE_AUTHENTICATION_2 of
 *    2023-01-01 00:00:00 with an empty PKCS7 certificate) of one EFI_SIGNATURE_LIST (X509, one
 *    entry owned by gMicrosoftVendorGuid). Seen: KEK 2K CA 2023 appended to KEK; Windows UEFI CA
 *    2023, Microsoft UEFI CA 2023 and the Option ROM CA appended to db in that order; nothing
 *    appended where the trigger is missing (a store without the 2011 CAs, the snakeoil store, a
 *    store with only PK). AuthVariableLib keeps the later timestamp: a variable stamped before
 *    2023-01-01 ends with 2023-01-01, a later one keeps its own (store dumps after the boots).
 * 4. CustomMode back to 0 when it was set, and FirmwareSecvarUpdaterVersion = UINT32 1 (NV|BS|RT)
 *    whenever step 3 ran, even when nothing was appended (seen: snakeoil and PK-only stores).
 *
 * A SetVariable that fails (its code, the same in the three builds): CustomMode = 1 failing, it
 * returns at once; an append failing, it sets CustomMode = 0 and returns: the appends before it
 * stay, no later one (of any record) is tried, no version is written (the next boot tries again);
 * a failing version write is only its return value. Whether the variable driver refuses an append
 * follows its code over the store's own bytes (secvar-updater-space.ts: the boot's writes before
 * the updater, reclaim of deleted and superseded records, CommonVariableSpace, the 60-byte record
 * headers and 4-byte alignment, PcdMaxAuthVariableSize read from the driver's code). Seen (booted
 * stores filled to a given free space, or with a db near the limit): 2000 bytes free, KEK 2K CA
 * 2023 appended and the first db append refused (EFI_OUT_OF_RESOURCES); 1000, nothing appended;
 * 5996, the four appends fill the store exactly and the version finds no room; 5992, the Option
 * ROM CA refused; a db of 30960 bytes, Windows UEFI CA 2023 appended and Microsoft UEFI CA 2023
 * refused (EFI_INVALID_PARAMETER, over 0x8400); each time CustomMode 0 and no version after the
 * boot. With VariableRuntimeDxe only the appends that succeeded are measured after the separator.
 *
 * When: with SMM variables it runs before Tcg2Dxe measures KEK and db (its appends are in the
 * policy events); with VariableRuntimeDxe after, and the variable driver's SecureBootHook measures
 * each append's whole new variable after the PCR7 separator (seen on jammy's non-SMM images).
 *
 * Its measurable effect is KEK's and db's data (the timestamps are not measured). INCOMPLETE: an
 * image with the certificates but no table of this layout, a KEK/db that does not parse as
 * signature lists, a variable driver whose PcdMaxAuthVariableSize is not found, a store the
 * variable driver's writes cannot be simulated on, and a store without room for AuthVariableLib's
 * start-up writes (the driver then fails to start: not modelled). Not modelled either: writes of
 * other drivers before it (none seen in the boots' stores) and BDS's later writes into a full
 * store (they only slow the boot: every write then reclaims the whole store through FTW).
 */
import { DecodeError, concatBytes, equalBytes } from '@tcg2sim/binary-codec';
import { EFI_CERT_TYPE, EFI_SECTION, VARIABLE_ATTRIBUTE, VARIABLE_RUNTIME_DXE_FILE_GUID, VENDOR_GUID, encodeSignatureList, parseSignatureLists } from '@tcg2sim/uefi';
import { EV } from '@tcg2sim/event-log';
import { measureVariable } from '@tcg2sim/tcg2-dxe';
import type { SecOutput } from '../../sec.ts';
import type { DxeContext } from './context.ts';
import type { DxeUnit } from './dxe-unit.ts';
import { embeddedCertificates, updateTable } from './secvar-updater-table.ts';
import { UpdaterStore } from './secvar-updater-space.ts';
import type { EmbeddedCertificate } from './secvar-updater-table.ts';
import { findModule, moduleIn } from './unit.ts';
import type { ModuleRef, Presence } from './unit.ts';

export { embeddedCertificates, updateTable } from './secvar-updater-table.ts';
export type { EmbeddedCertificate, UpdateGroup } from './secvar-updater-table.ts';

/** Its FILE_GUID in Ubuntu's images. */
export const FIRMWARE_SECVAR_UPDATER_FILE_GUID = '3B2A4E58-6F7C-4D91-A8B5-C2E0F3D71A9E';
const MODULE: ModuleRef = { name: 'FirmwareSecvarUpdater', fileGuid: FIRMWARE_SECVAR_UPDATER_FILE_GUID };

function updaterImage(sec: SecOutput): Uint8Array | undefined {
  const f = findModule(sec.dxeFv.volume, MODULE);
  return f?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
}

/** gMicrosoftVendorGuid: the owner of the SignatureData it appends (seen in the real boot's db). */
const MICROSOFT_OWNER = '77FA9ABD-0359-4D32-BD60-28F4E78F784B';
/** The variable it writes (NV|BS|RT, UINT32; the version its code compares with and writes is 1). */
export const SECVAR_UPDATER_VERSION = { name: 'FirmwareSecvarUpdaterVersion', guid: 'A2F5DA32-9E4C-4F6B-B3A1-7C8D5E6F0A1B' } as const;
const CURRENT_VERSION = 1;

/** Whether a signature database holds the certificate as an X509 entry (the driver's own walk). */
function holds(data: Uint8Array, cert: EmbeddedCertificate, name: string): boolean {
  return parseSignatureLists(data, name).some((l) => l.header.signatureType.toUpperCase() === EFI_CERT_TYPE.X509 && l.entries.some((e) => equalBytes(e.data, cert.der)));
}

function cn(c: EmbeddedCertificate): string {
  return /CN=([^,]*)/.exec(c.subject)?.[1] ?? c.subject;
}

/** The version GetVariable reads into a zeroed UINT32 with DataSize 4; undefined when it fails. */
function storedVersion(data: Uint8Array | undefined): number | undefined {
  if (data === undefined || data.length > 4) return undefined;
  return data.reduce((v, b, i) => v + b * 2 ** (8 * i), 0);
}

/** Steps 3 and 4 over a store in user mode, without a version: the certificates it appends. */
async function update(ctx: DxeContext, image: Uint8Array, afterMeasurement: boolean): Promise<void> {
  const table = updateTable(image);
  if (table === undefined) {
    ctx.unmodelled ??= `Ubuntu's FirmwareSecvarUpdater carries ${embeddedCertificates(image).map(cn).join(', ')} but no update table of the layout seen in Ubuntu's 2022.02, 2024.02 and 2025.11 builds: what it appends to KEK or db (PCR7) is not known`;
    return;
  }
  const raw = ctx.input.vars;
  const store = raw === undefined ? 'no variable store given' : UpdaterStore.open(raw, ctx.sec);
  if (typeof store === 'string') {
    ctx.unmodelled ??= `Ubuntu's FirmwareSecvarUpdater may append to KEK and db (PCR7), and whether the store has room for each append is not known: ${store}`;
    return;
  }
  const appended: string[] = [];
  let customMode = false;
  let failed: string | undefined;
  records: for (const g of table) {
    const cur = ctx.vars.get(g.variable, g.guid);
    if (cur === undefined || !holds(cur, g.trigger, g.variable)) continue;
    for (const c of g.add) {
      const now = ctx.vars.get(g.variable, g.guid) ?? cur;
      if (holds(now, c, g.variable)) continue;
      if (!customMode) {
        const s = store.customMode(1);
        if (s !== 'ok') {
          // It returns at once: no append, no version (its code).
          ctx.notes.push(`FirmwareSecvarUpdater: SetVariable(CustomMode = 1) returns ${s} (the store, ${store.driver}): it stops there, appends nothing, writes no ${SECVAR_UPDATER_VERSION.name}`);
          return;
        }
        customMode = true;
      }
      const list = encodeSignatureList({ signatureType: EFI_CERT_TYPE.X509, entries: [{ owner: MICROSOFT_OWNER, data: c.der }] });
      const { written, status: s } = store.append(g.variable, g.guid, list);
      if (!written) {
        failed = `${cn(c)} to ${g.variable}: ${s} (${s === 'EFI_INVALID_PARAMETER' ? `${g.variable} would pass PcdMaxAuthVariableSize 0x${store.maxAuth.toString(16)}` : 'no room even after reclaim'})`;
        break records;
      }
      const data = concatBytes(now, list);
      ctx.vars.set(g.variable, g.guid, data);
      appended.push(`${cn(c)} to ${g.variable}`);
      // The variable driver's SecureBootHook measures the whole new variable after each successful
      // SetVariable of a Secure Boot policy variable, once EFI_TCG2_PROTOCOL is there (seen: VariableRuntimeDxe).
      if (afterMeasurement) await measureVariable(ctx.dxe, 7, EV.EFI_VARIABLE_DRIVER_CONFIG, g.variable, g.guid, data);
      if (s !== 'ok') {
        failed = `VendorKeysNv after ${cn(c)} to ${g.variable}: ${s} (the append stands, the SetVariable fails)`;
        break records;
      }
    }
  }
  const done = appended.length === 0 ? 'appends nothing' : `appends ${appended.join(', ')} (one EFI_SIGNATURE_LIST each, owned by Microsoft) ${afterMeasurement ? 'after KEK and db were measured: each append measured again (PCR7, after the separator) by the variable driver\'s SecureBootHook' : 'before KEK and db are measured'}`;
  if (failed !== undefined) {
    // Its code on a failed append: CustomMode back to 0, return; no later append, no version.
    store.customMode(0);
    ctx.notes.push(`FirmwareSecvarUpdater: ${done}; then SetVariable of ${failed} (the store, ${store.driver}): it sets CustomMode = 0 and stops, writes no ${SECVAR_UPDATER_VERSION.name} (the next boot tries again)`);
    return;
  }
  if (customMode) store.customMode(0);
  const version = store.set(SECVAR_UPDATER_VERSION.name, SECVAR_UPDATER_VERSION.guid, VARIABLE_ATTRIBUTE.NV | VARIABLE_ATTRIBUTE.BS | VARIABLE_ATTRIBUTE.RT, Uint8Array.of(CURRENT_VERSION, 0, 0, 0));
  if (version === 'ok') ctx.vars.set(SECVAR_UPDATER_VERSION.name, SECVAR_UPDATER_VERSION.guid, Uint8Array.of(CURRENT_VERSION, 0, 0, 0));
  const tail = version === 'ok' ? `writes ${SECVAR_UPDATER_VERSION.name} = ${CURRENT_VERSION}` : `SetVariable(${SECVAR_UPDATER_VERSION.name}) returns ${version} (the store, ${store.driver}): no version (the next boot tries again)`;
  ctx.notes.push(appended.length === 0
    ? `FirmwareSecvarUpdater: no table record whose trigger certificate KEK or db holds lacks one of its other certificates: it appends nothing, ${tail}`
    : `FirmwareSecvarUpdater: ${done}, ${tail}`);
}

/**
 * When it runs relative to Tcg2Dxe's MeasureSecureBootPolicy (a protocol notify on
 * gEfiVariableWriteArchProtocolGuid; Tcg2Dxe's depex is gEfiVariableArchProtocolGuid, the
 * updater's gEfiVariableWriteArchProtocolGuid AND gPcdProtocolGuid, and it lies earlier in DXEFV).
 * Seen: with the SMM variable driver (VariableSmmRuntimeDxe, the secboot images of the three
 * builds) it runs first and its appends are measured; with VariableRuntimeDxe (jammy's non-SMM
 * OVMF_CODE_4M.fd) KEK and db are measured before it runs, its appends are in the store (and in the
 * next boot's measurement) but not in this boot's KEK and db events (boot `jammy-nosmm-miss4`).
 */
function presence(sec: SecOutput, afterMeasurement: boolean): Presence {
  const p = moduleIn(sec.dxeFv.volume, 'DXEFV', MODULE);
  if (!p.present) return p;
  const runtime = moduleIn(sec.dxeFv.volume, 'DXEFV', { name: 'VariableRuntimeDxe', fileGuid: VARIABLE_RUNTIME_DXE_FILE_GUID });
  return runtime.present === afterMeasurement
    ? { present: true, evidence: `${p.evidence}; ${runtime.present ? `${runtime.evidence}: KEK and db are measured before it runs` : 'variables through SMM (no VariableRuntimeDxe): it runs before KEK and db are measured'}` }
    : { present: false, evidence: `${p.evidence}, ${runtime.present ? 'run after Tcg2Dxe\'s Secure Boot policy measurement (VariableRuntimeDxe)' : 'run before Tcg2Dxe\'s Secure Boot policy measurement (SMM variables)'}` };
}

async function run(ctx: DxeContext, afterMeasurement: boolean): Promise<void> {
  const image = updaterImage(ctx.sec);
  if (image === undefined) return;
  // SetupMode is 0 only with authenticated variables and a PK (AuthVariableLib).
  if (!ctx.vars.secureBootCapable || ctx.vars.get('PK', VENDOR_GUID.GLOBAL_VARIABLE) === undefined) {
    ctx.notes.push('FirmwareSecvarUpdater: SetupMode is not 0 (no PK): it leaves the store as it is');
    return;
  }
  const version = storedVersion(ctx.vars.get(SECVAR_UPDATER_VERSION.name, SECVAR_UPDATER_VERSION.guid));
  if (version !== undefined && version >= CURRENT_VERSION) {
    ctx.notes.push(`FirmwareSecvarUpdater: the store holds ${SECVAR_UPDATER_VERSION.name} = ${version}: it leaves KEK and db as they are`);
    return;
  }
  try {
    await update(ctx, image, afterMeasurement);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    ctx.unmodelled ??= `Ubuntu's FirmwareSecvarUpdater may append to KEK and db (PCR7), and one does not parse as signature lists: ${e.message}`;
  }
}

/** With SMM variables: before Tcg2Dxe measures KEK and db (dxe-dispatch.ts puts it first). */
export const secvarUpdaterUnit: DxeUnit = {
  module: MODULE,
  distributionOnly: true,
  role: 'Ubuntu\'s KEK/db updater: appends Microsoft\'s 2023 CAs to a store trusting the 2011 ones, before KEK and db are measured (PCR7)',
  present: (sec) => presence(sec, false),
  run: (ctx) => run(ctx, false),
};

/** With VariableRuntimeDxe: after Tcg2Dxe measured KEK and db (its appends reach the store only). */
export const secvarUpdaterAfterMeasurementUnit: DxeUnit = {
  module: MODULE,
  distributionOnly: true,
  role: 'Ubuntu\'s KEK/db updater: appends Microsoft\'s 2023 CAs to a store trusting the 2011 ones, after KEK and db were measured',
  present: (sec) => presence(sec, true),
  run: (ctx) => run(ctx, true),
};
