/**
 * QEMU's SMBIOS data as fw_cfg hands it over (hw/smbios/smbios.c): `etc/smbios/smbios-anchor`,
 * the entry point (SMBIOS 2.1 "_SM_", 31 bytes, or 3.0 "_SM3_", 24 bytes; DSP0134 §5.2), and
 * `etc/smbios/smbios-tables`, the structures (§6.1: a formatted area of `length` bytes, then
 * strings, each NUL-terminated, ending with a second NUL; "\0\0" when there are none).
 * Both come from outside: every malformed layout is a DecodeError naming the file and offset.
 */
import { DecodeError, decode, fixedBytes, inPath, struct, u16le, u32le, u64le, u8 } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';

export const SMBIOS_ANCHOR_FILE = 'etc/smbios/smbios-anchor';
export const SMBIOS_TABLES_FILE = 'etc/smbios/smbios-tables';

/** SMBIOS_TABLE_ENTRY_POINT (2.1, 31 bytes). */
export const SmbiosEntryPoint21 = struct('SmbiosEntryPoint21', {
  anchorString: fixedBytes('anchorString', 4),
  entryPointStructureChecksum: u8,
  entryPointLength: u8,
  majorVersion: u8,
  minorVersion: u8,
  maxStructureSize: u16le,
  entryPointRevision: u8,
  formattedArea: fixedBytes('formattedArea', 5),
  intermediateAnchorString: fixedBytes('intermediateAnchorString', 5),
  intermediateChecksum: u8,
  tableLength: u16le,
  tableAddress: u32le,
  numberOfSmbiosStructures: u16le,
  smbiosBcdRevision: u8,
});
/** SMBIOS_TABLE_3_0_ENTRY_POINT (24 bytes). */
export const SmbiosEntryPoint30 = struct('SmbiosEntryPoint30', {
  anchorString: fixedBytes('anchorString', 5),
  entryPointStructureChecksum: u8,
  entryPointLength: u8,
  majorVersion: u8,
  minorVersion: u8,
  docRev: u8,
  entryPointRevision: u8,
  reserved: u8,
  tableMaximumSize: u32le,
  tableAddress: u64le,
});
/** SMBIOS_STRUCTURE: the header of every structure. */
export const SmbiosStructureHeader = struct('SmbiosStructureHeader', { type: u8, length: u8, handle: u16le });

/** The entry point QEMU offers. */
export type SmbiosAnchor =
  | { readonly kind: '2.1'; readonly value: Infer<typeof SmbiosEntryPoint21> }
  | { readonly kind: '3.0'; readonly value: Infer<typeof SmbiosEntryPoint30> };

/** One structure: its header fields and its bytes (formatted area, strings, double NUL). */
export interface SmbiosStructure {
  readonly type: number;
  readonly length: number;
  readonly handle: number;
  /** Offset in the blob it came from. */
  readonly offset: number;
  readonly bytes: Uint8Array;
}

const text = (b: Uint8Array): string => String.fromCharCode(...b);

/** Decodes `etc/smbios/smbios-anchor` by its size, as OVMF's DetectSmbiosVersion does. */
export function parseSmbiosAnchor(bytes: Uint8Array): SmbiosAnchor {
  if (bytes.length === 31) {
    const value = inPath(SMBIOS_ANCHOR_FILE, () => decode(SmbiosEntryPoint21, bytes));
    if (text(value.anchorString) !== '_SM_') throw new DecodeError('BAD_VALUE', 'anchor is not "_SM_"', 0, [SMBIOS_ANCHOR_FILE, 'anchorString']);
    return { kind: '2.1', value };
  }
  if (bytes.length === 24) {
    const value = inPath(SMBIOS_ANCHOR_FILE, () => decode(SmbiosEntryPoint30, bytes));
    if (text(value.anchorString) !== '_SM3_') throw new DecodeError('BAD_VALUE', 'anchor is not "_SM3_"', 0, [SMBIOS_ANCHOR_FILE, 'anchorString']);
    return { kind: '3.0', value };
  }
  throw new DecodeError('BAD_VALUE', `size ${bytes.length} is neither an SMBIOS 2.1 (31) nor a 3.0 (24) entry point`, 0, [SMBIOS_ANCHOR_FILE]);
}

/** Size of the structure at `offset`: formatted area, strings and the closing double NUL. */
export function smbiosStructureSize(bytes: Uint8Array, offset: number, source = SMBIOS_TABLES_FILE): number {
  if (offset + 4 > bytes.length) throw new DecodeError('SHORT_BUFFER', 'structure header past the end', offset, [source]);
  const length = bytes[offset + 1] ?? 0;
  if (length < 4) throw new DecodeError('BAD_VALUE', `structure length ${length} < 4`, offset + 1, [source]);
  let i = offset + length;
  // An empty string set is "\0\0"; otherwise strings end at the first "\0\0".
  for (;;) {
    if (i + 1 >= bytes.length) throw new DecodeError('SHORT_BUFFER', 'strings of the structure do not end with a double NUL', offset, [source]);
    if (bytes[i] === 0 && bytes[i + 1] === 0) return i + 2 - offset;
    i++;
  }
}

/** Splits `etc/smbios/smbios-tables` into its structures (up to and including type 127, if any). */
export function parseSmbiosStructures(bytes: Uint8Array, source = SMBIOS_TABLES_FILE): SmbiosStructure[] {
  const out: SmbiosStructure[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const size = smbiosStructureSize(bytes, offset, source);
    const h = inPath(source, () => decode(SmbiosStructureHeader, bytes.subarray(offset, offset + 4)));
    out.push({ type: h.type, length: h.length, handle: h.handle, offset, bytes: bytes.subarray(offset, offset + size) });
    offset += size;
    if (h.type === 127) break;
  }
  return out;
}
