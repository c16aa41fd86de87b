/**
 * Keylime's measured-boot reference state ("mb_refstate", the input of its `example` policy in
 * keylime/mba/elchecking/example.py), made from an event log the way Keylime's
 * scripts/create_mb_refstate makes it from tpm2_eventlog's parse of the log:
 *   has_secureboot   the SecureBoot variable's EV_EFI_VARIABLE_DRIVER_CONFIG record (data byte 1)
 *   scrtm_and_bios   [{ scrtm: the first EV_S_CRTM_VERSION digest, platform_firmware: every
 *                    EV_EFI_PLATFORM_FIRMWARE_BLOB(2) digest in log order }]
 *   pk, kek, db, dbx the entries of those variables' EFI_SIGNATURE_LISTs as the driver-config
 *                    records carry them: [{ SignatureOwner: GUID, SignatureData: "0x…" }]
 *   vendor_db        EV_EFI_VARIABLE_AUTHORITY records of vendor_db (shim's), likewise
 *   mokdig, mokxdig  EV_IPL "MokList" / "MokListX" digests (shim)
 *   kernels          [{ shim_authcode_sha256, grub_authcode_sha256 (the first two
 *                    EV_EFI_BOOT_SERVICES_APPLICATION digests), kernel_authcode_sha256 (the third,
 *                    Secure Boot), initrd_plain_sha256 / vmlinuz_plain_sha256 (PCR 9 EV_IPL, the
 *                    latter without Secure Boot), kernel_cmdline (PCR 8 EV_IPL, a regular
 *                    expression: Python's re.escape of the command line) }] — empty when the log
 *                    has fewer than two boot applications (a firmware-only boot)
 * Digests are SHA-256, "0x" + lower-case hex.
 */
import { DecodeError, EFIGuid, ByteReader, toHex } from '@tcg2sim/binary-codec';
import { EV, decodeVariableData } from '@tcg2sim/event-log';
import type { EventLog, LogEvent } from '@tcg2sim/event-log';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { parseSignatureLists } from '@tcg2sim/uefi';
import { ReferenceError } from './errors.ts';

/** A SHA-256 digest as the refstate writes it. */
export interface KeylimeDigest {
  readonly sha256: string;
}

/** One signature of a Secure Boot database. */
export interface KeylimeSignature {
  readonly SignatureOwner: string;
  readonly SignatureData: string;
}

/** The refstate (field names as Keylime's policy reads them). */
export interface KeylimeRefstate {
  readonly has_secureboot: boolean;
  readonly scrtm_and_bios: readonly { readonly scrtm?: KeylimeDigest; readonly platform_firmware: readonly KeylimeDigest[] }[];
  readonly pk: readonly KeylimeSignature[];
  readonly kek: readonly KeylimeSignature[];
  readonly db: readonly KeylimeSignature[];
  readonly dbx: readonly KeylimeSignature[];
  readonly vendor_db: readonly KeylimeSignature[];
  readonly mokdig: readonly KeylimeDigest[];
  readonly mokxdig: readonly KeylimeDigest[];
  readonly kernels: readonly Readonly<Record<string, string>>[];
}

/** The refstate and what the log lacked for Keylime's example policy. */
export interface KeylimeResult {
  readonly refstate: KeylimeRefstate;
  readonly notes: readonly string[];
}

function sha256Of(e: LogEvent): string {
  const d = e.digests.find((x) => x.hashAlg === TPM_ALG_HASH.SHA256);
  if (d === undefined) throw new ReferenceError('MISSING_PCR', `event ${e.index} has no sha256 digest: Keylime's refstate is made of SHA-256 digests`);
  return `0x${toHex(d.digest)}`;
}

/** An event's data as tpm2_eventlog prints a string event and Keylime reads it (no trailing NUL). */
function eventString(e: LogEvent): string {
  let end = e.eventData.length;
  if (end > 0 && e.eventData[end - 1] === 0) end--;
  return new TextDecoder('utf-8').decode(e.eventData.subarray(0, end));
}

/** Python's re.escape (3.7 and later): a backslash before each of ()[]{}?*+-|^$\.&~# and whitespace. */
export function pythonReEscape(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => `\\${c}`);
}

function variable(e: LogEvent): ReturnType<typeof decodeVariableData> {
  try {
    return decodeVariableData(e.eventData);
  } catch (err) {
    if (err instanceof DecodeError) throw new ReferenceError('BAD_EVENT', `event ${e.index} (${e.pcrIndex === 7 ? 'PCR 7 ' : ''}UEFI_VARIABLE_DATA): ${err.message}`, { cause: err });
    throw err;
  }
}

function signatures(e: LogEvent, name: string, data: Uint8Array): KeylimeSignature[] {
  try {
    return parseSignatureLists(data, name).flatMap((l) =>
      l.entries.map((s) => ({ SignatureOwner: s.owner.toLowerCase(), SignatureData: `0x${toHex(s.data)}` }))
    );
  } catch (err) {
    if (err instanceof DecodeError) throw new ReferenceError('BAD_EVENT', `event ${e.index} (${name}): ${err.message}`, { cause: err });
    throw err;
  }
}

/** The refstate of `log` (see the module comment). */
export function keylimeRefstate(log: EventLog): KeylimeResult {
  const notes: string[] = [];
  const events = log.events.filter((e) => !(log.specId !== undefined && e.index === 0));
  let hasSecureBoot: boolean | undefined;
  const keys: Record<'pk' | 'kek' | 'db' | 'dbx', KeylimeSignature[]> = { pk: [], kek: [], db: [], dbx: [] };
  const vendorDb: KeylimeSignature[] = [];
  for (const e of events) {
    if (e.eventType === EV.EFI_VARIABLE_DRIVER_CONFIG) {
      const v = variable(e);
      if (v.unicodeName === 'SecureBoot' && hasSecureBoot === undefined) hasSecureBoot = v.variableData[0] === 1;
      const k = v.unicodeName.toLowerCase();
      if ((k === 'pk' || k === 'kek' || k === 'db' || k === 'dbx') && v.variableData.length > 0) keys[k] = signatures(e, v.unicodeName, v.variableData);
    } else if (e.eventType === EV.EFI_VARIABLE_AUTHORITY) {
      const v = variable(e);
      if (v.unicodeName.toLowerCase() === 'vendor_db' && v.variableData.length >= 16) {
        const owner = EFIGuid.decode(new ByteReader(v.variableData));
        vendorDb.push({ SignatureOwner: owner.toLowerCase(), SignatureData: `0x${toHex(v.variableData.subarray(16))}` });
      }
    }
  }
  if (hasSecureBoot === undefined) {
    notes.push('the log measures no SecureBoot variable (PCR 7): has_secureboot is false');
    hasSecureBoot = false;
  }
  const scrtm = events.find((e) => e.eventType === EV.S_CRTM_VERSION);
  if (scrtm === undefined) notes.push('the log has no EV_S_CRTM_VERSION: Keylime\'s example policy requires one');
  const platformFirmware = events
    .filter((e) => e.eventType === EV.EFI_PLATFORM_FIRMWARE_BLOB || e.eventType === EV.EFI_PLATFORM_FIRMWARE_BLOB2)
    .map((e) => ({ sha256: sha256Of(e) }));
  const ipl = events.filter((e) => e.eventType === EV.IPL);
  const mokdig = ipl.filter((e) => eventString(e) === 'MokList').map((e) => ({ sha256: sha256Of(e) }));
  const mokxdig = ipl.filter((e) => eventString(e) === 'MokListX').map((e) => ({ sha256: sha256Of(e) }));
  return {
    refstate: {
      has_secureboot: hasSecureBoot,
      scrtm_and_bios: [{ ...(scrtm !== undefined ? { scrtm: { sha256: sha256Of(scrtm) } } : {}), platform_firmware: platformFirmware }],
      ...keys,
      vendor_db: vendorDb,
      mokdig,
      mokxdig,
      kernels: kernels(events, hasSecureBoot, notes),
    },
    notes,
  };
}

function kernels(events: readonly LogEvent[], secureBoot: boolean, notes: string[]): Record<string, string>[] {
  const apps = events.filter((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION).map(sha256Of);
  const [shim, grub, kernel] = apps;
  if (shim === undefined || grub === undefined) {
    notes.push(`the log has ${apps.length} boot application(s), not shim and GRUB: "kernels" is empty, and Keylime's example policy accepts no boot with it`);
    return [];
  }
  const k: Record<string, string> = { shim_authcode_sha256: shim, grub_authcode_sha256: grub };
  if (secureBoot) {
    if (kernel === undefined || apps.length > 4) notes.push(`Secure Boot: ${apps.length} boot applications, Keylime expects 3 (shim, GRUB, Linux) or 4`);
    if (kernel !== undefined) k['kernel_authcode_sha256'] = kernel;
  }
  const pcr9 = events.filter((e) => e.eventType === EV.IPL && e.pcrIndex === 9);
  const initrd = pcr9.find((e) => eventString(e).includes('initrd') || eventString(e).includes('initramfs'));
  if (initrd !== undefined) k['initrd_plain_sha256'] = sha256Of(initrd);
  if (!secureBoot) {
    const vmlinuz = pcr9.find((e) => eventString(e).includes('vmlinuz'));
    if (vmlinuz !== undefined) k['vmlinuz_plain_sha256'] = sha256Of(vmlinuz);
  }
  const cmdline = events.find((e) => e.eventType === EV.IPL && e.pcrIndex === 8 && eventString(e).includes('kernel_cmdline'));
  if (cmdline !== undefined) k['kernel_cmdline'] = pythonReEscape(eventString(cmdline).slice('kernel_cmdline: '.length));
  return [k];
}
