/**
 * Helpers that reproduce how tpm2-tools 5.4 (`lib/tpm2_eventlog_yaml.c`) prints values, so
 * that our YAML matches `tpm2_eventlog` text for text.
 */
import { toHex } from '@tcg2sim/binary-codec';
import { EV, eventTypeName } from '../structures.ts';

const ALG_NAMES = new Map<number, string>([
  [0x0004, 'sha1'], [0x000b, 'sha256'], [0x000c, 'sha384'], [0x000d, 'sha512'], [0x0012, 'sm3_256'],
  [0x0027, 'sha3_256'], [0x0028, 'sha3_384'], [0x0029, 'sha3_512'],
]);

/** tpm2_alg_util_algtostr(alg, hash): glibc prints a NULL string as `(null)`. */
export function algName(alg: number): string {
  return ALG_NAMES.get(alg) ?? '(null)';
}

/** eventtype_to_string(): EV_EFI_HCRTM_EVENT and the SPDM types are unknown to 5.4. */
export function toolsEventType(type: number): string {
  if (type === EV.EFI_HCRTM_EVENT || type === EV.EFI_SPDM_FIRMWARE_BLOB || type === EV.EFI_SPDM_FIRMWARE_CONFIG) {
    return 'Unknown event type';
  }
  return eventTypeName(type) ?? 'Unknown event type';
}

/** bytes_to_str() into a buffer of `destSize` characters: at most (destSize - 2) / 2 bytes. */
export function boundedHex(b: Uint8Array, destSize: number): string {
  const n = Math.min(b.length, Math.max(0, Math.ceil((destSize - 2) / 2)));
  return toHex(b.subarray(0, n));
}

/** The 2049-character EVENT_BUF_MAX buffer: the first 1024 bytes. */
export function eventHex(b: Uint8Array): string {
  return boundedHex(b, 2049);
}

/** printf("%.*s", size, bytes): stops at the first NUL. */
export function cString(b: Uint8Array): string {
  let end = b.indexOf(0);
  if (end < 0) end = b.length;
  return Buffer.from(b.buffer, b.byteOffset, end).toString('latin1');
}

/** guid_unparse_lower() of 16 EFI_GUID bytes given in registry form. */
export function lowerGuid(guid: string): string {
  return guid.toLowerCase();
}

/** PRIx64 of an unsigned value. */
export function hex64(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}

/** printf %d of a UINT32 (tpm2-tools prints PCRIndex and DigestCount signed). */
export function signed32(v: number): string {
  return String(v | 0);
}

/**
 * yaml_split_escape_string(): split on `\n`, escape NUL, \a \b \t \v \f \r \e ' and \\, and
 * wrap each line in double quotes.
 */
export function splitEscape(b: Uint8Array): string[] {
  const lines: string[] = [];
  const ESC: Readonly<Record<number, string>> = {
    0: '\\0', 7: '\\a', 8: '\\b', 9: '\\t', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\e', 39: "\\'", 92: '\\\\',
  };
  let i = 0;
  do {
    let nl = b.indexOf(10, i);
    if (nl < 0) nl = b.length;
    let s = '"';
    for (let j = i; j < nl; j++) {
      const c = b[j] ?? 0;
      s += ESC[c] ?? String.fromCharCode(c);
    }
    lines.push(s + '"');
    i = nl + 1;
  } while (i < b.length);
  return lines;
}
