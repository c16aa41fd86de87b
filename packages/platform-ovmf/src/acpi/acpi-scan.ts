/**
 * Finding ACPI tables in a RAM dump: every place a 4-character signature is followed by a
 * plausible header Length and the whole table sums to 0 mod 256 (ACPI 6.4 §5.2.6: the Checksum
 * byte makes the sum of all Length bytes zero). OVMF copies the tables QEMU's fw_cfg linker
 * built (etc/acpi/tables) into ACPI memory with EFI_ACPI_TABLE_PROTOCOL, so more than one copy
 * may exist; every one is reported with its guest-physical address.
 */

/** ACPI header: Signature(4) Length(4) Revision(1) Checksum(1) OemId(6) OemTableId(8) OemRevision(4) CreatorId(4) CreatorRevision(4). */
export const ACPI_HEADER_SIZE = 36;
/** Tables larger than this are not looked for (a TPM2 table is 52-76 bytes; DSDTs stay well below). */
export const ACPI_SCAN_MAX_TABLE = 0x40000;

/** A table found in RAM. */
export interface AcpiTableCopy {
  readonly signature: string;
  /** Guest-physical address of the table's first byte. */
  readonly address: number;
  /** The table: exactly header Length bytes (a copy). */
  readonly bytes: Uint8Array;
}

/** Sum of all bytes mod 256 (0 for a table with a valid checksum). */
export function acpiByteSum(bytes: Uint8Array): number {
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  return s;
}

function ascii(sig: string): Uint8Array {
  if (!/^[\x20-\x7e]{4}$/.test(sig)) throw new RangeError(`"signature" expected 4 printable ASCII characters, got ${JSON.stringify(sig)}`);
  return Uint8Array.from(sig, (c) => c.charCodeAt(0));
}

/**
 * Every table with `signature` and a valid checksum that lies wholly inside `chunk` (which
 * starts at guest-physical `base`). Tables that run past the chunk's end are skipped.
 */
export function findAcpiTables(chunk: Uint8Array, base: number, signature: string): AcpiTableCopy[] {
  const sig = ascii(signature);
  const out: AcpiTableCopy[] = [];
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  for (let at = buf.indexOf(sig); at >= 0; at = buf.indexOf(sig, at + 1)) {
    if (at + ACPI_HEADER_SIZE > chunk.length) break;
    const length = view.getUint32(at + 4, true);
    if (length < ACPI_HEADER_SIZE || length > ACPI_SCAN_MAX_TABLE || at + length > chunk.length) continue;
    const bytes = chunk.subarray(at, at + length);
    if (acpiByteSum(bytes) !== 0) continue;
    out.push({ signature, address: base + at, bytes: bytes.slice() });
  }
  return out;
}
