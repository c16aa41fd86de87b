/**
 * The TPM2 ACPI table (TCG ACPI Specification, Family "1.2" and "2.0", Version 1.3, Table 7
 * "TCG Hardware Interface Description Table Format for TPM 2.0"), declared once for decoding and
 * encoding, and the table QEMU 7.2 builds for `-device tpm-tis` / `tpm-crb` (build_tpm2 in
 * qemu:hw/acpi/aml-build.c, called from hw/i386/acpi-build.c).
 *
 * Layout (little-endian, packed):
 *
 * | Off | Size | Field |
 * |---|---|---|
 * | 0 | 36 | ACPI header, Signature `TPM2` |
 * | 36 | 2 | Platform Class (rev 4: 0 client, 1 server; rev 3: low half of a reserved Flags word) |
 * | 38 | 2 | Reserved |
 * | 40 | 8 | Address of CRB Control Area (0 for the FIFO/TIS start method) |
 * | 48 | 4 | Start Method |
 * | 52 | 0-12 | Start Method Specific Parameters |
 * | 64 | 4 | Log Area Minimum Length (LAML), optional |
 * | 68 | 8 | Log Area Start Address (LASA), optional |
 *
 * The parameters and log fields are read as Linux reads them (include/acpi/actbl3.h
 * `acpi_tpm2_phy`, drivers/char/tpm/eventlog/acpi.c): 12 bytes of parameters, and a log area
 * only when Length is at least 76.
 */
import { DecodeError, concatBytes, fixedBytes, struct, u16le, u32le, u64le, u8, decodeFirst, encode } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';
import { ACPI_HEADER_SIZE, acpiByteSum } from './acpi-scan.ts';

/** EFI_ACPI_DESCRIPTION_HEADER (ACPI 6.4 §5.2.6). */
export const EFIACPIDescriptionHeader = struct('EFI_ACPI_DESCRIPTION_HEADER', {
  signature: fixedBytes('Signature', 4),
  length: u32le,
  revision: u8,
  checksum: u8,
  oemId: fixedBytes('OemId', 6),
  oemTableId: fixedBytes('OemTableId', 8),
  oemRevision: u32le,
  creatorId: fixedBytes('CreatorId', 4),
  creatorRevision: u32le,
});
export type EFIACPIDescriptionHeader = Infer<typeof EFIACPIDescriptionHeader>;

/** The fixed part every TPM2 table has (52 bytes). */
export const EFITPM2ACPITableFixed = struct('EFI_TPM2_ACPI_TABLE', {
  header: EFIACPIDescriptionHeader,
  platformClass: u16le,
  reserved: u16le,
  addressOfControlArea: u64le,
  startMethod: u32le,
});
export type EFITPM2ACPITableFixed = Infer<typeof EFITPM2ACPITableFixed>;

/** Start-method parameters + log area (24 bytes, the 76-byte revision-4 layout's tail). */
export const EFITPM2ACPITrailer = struct('EFI_TPM2_ACPI_TRAILER', {
  startMethodParameters: fixedBytes('StartMethodSpecificParameters', 12),
  laml: u32le,
  lasa: u64le,
});
export type EFITPM2ACPITrailer = Infer<typeof EFITPM2ACPITrailer>;

/** Length of the fixed part. */
export const TPM2_TABLE_FIXED_SIZE = 52;
/** Length with 12 bytes of parameters and the log area. */
export const TPM2_TABLE_FULL_SIZE = 76;
/** Longest TPM2 table decoded (the start-method parameter blocks are small; this bounds hostile input). */
export const TPM2_TABLE_MAX_SIZE = 0x1000;

/** Start Method values (TCG ACPI 1.3 Table 8; ACPICA actbl3.h). */
export const TPM2_START_METHOD = {
  NOT_ALLOWED: 0,
  ACPI: 2,
  MMIO: 6,
  CRB: 7,
  CRB_WITH_ACPI: 8,
  CRB_WITH_ARM_SMC: 11,
  CRB_WITH_PLUTON: 13,
  CRB_WITH_ARM_FFA: 15,
} as const;

/** Names of the defined start methods; every other value is reserved. */
export const TPM2_START_METHOD_NAME: Readonly<Record<number, string>> = {
  0: 'not allowed',
  1: 'reserved (legacy)',
  2: 'ACPI start method',
  3: 'reserved (legacy)',
  4: 'reserved (legacy)',
  5: 'reserved (legacy)',
  6: 'memory-mapped I/O (TIS / PTP FIFO)',
  7: 'command response buffer (CRB)',
  8: 'CRB with ACPI start method',
  11: 'CRB with Arm SMC',
  13: 'CRB with Pluton',
  15: 'CRB with Arm FF-A',
};

/** Platform Class (revision 4). */
export const TPM2_PLATFORM_CLASS = { CLIENT: 0, SERVER: 1 } as const;

/** A decoded TPM2 table. Byte fields are copies. */
export interface Tpm2Table {
  readonly header: EFIACPIDescriptionHeader;
  readonly platformClass: number;
  readonly reserved: number;
  readonly addressOfControlArea: bigint;
  readonly startMethod: number;
  /** Bytes 52 .. min(Length, 64). */
  readonly startMethodParameters: Uint8Array;
  /** Present when Length >= 76. */
  readonly logArea: { readonly laml: number; readonly lasa: bigint } | undefined;
  /** Bytes past offset 76 that the layout does not describe. */
  readonly extra: Uint8Array;
  /** The table as given (Length bytes). */
  readonly raw: Uint8Array;
}

const TPM2_SIGNATURE = 'TPM2';

function ascii(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

/** The header's 4-byte signature as text. */
export function tableSignature(header: EFIACPIDescriptionHeader): string {
  return ascii(header.signature);
}

/**
 * Decodes a TPM2 table. `bytes` may be longer than the table (a memory dump); the header Length
 * says where it ends. What is wrong but readable (checksum, odd lengths, start method) is left to
 * {@link checkTpm2Table}; what cannot be read is a DecodeError.
 * @throws DecodeError SHORT_BUFFER (shorter than the header or than Length), BAD_VALUE (not a
 *   TPM2 signature, Length below 52), LIMIT_EXCEEDED (Length above 4 KiB)
 */
export function decodeTpm2Table(bytes: Uint8Array): Tpm2Table {
  if (bytes.length < ACPI_HEADER_SIZE) {
    throw new DecodeError('SHORT_BUFFER', `${bytes.length} bytes, an ACPI header needs ${ACPI_HEADER_SIZE}`, 0, ['EFI_TPM2_ACPI_TABLE', 'header']);
  }
  const [header] = decodeFirst(EFIACPIDescriptionHeader, bytes);
  if (tableSignature(header) !== TPM2_SIGNATURE) {
    throw new DecodeError('BAD_VALUE', `signature ${JSON.stringify(tableSignature(header))} is not "TPM2"`, 0, ['EFI_TPM2_ACPI_TABLE', 'header', 'signature']);
  }
  if (header.length < TPM2_TABLE_FIXED_SIZE) {
    throw new DecodeError('BAD_VALUE', `Length ${header.length} is below the ${TPM2_TABLE_FIXED_SIZE} bytes of the fixed part`, 4, ['EFI_TPM2_ACPI_TABLE', 'header', 'length']);
  }
  if (header.length > TPM2_TABLE_MAX_SIZE) {
    throw new DecodeError('LIMIT_EXCEEDED', `Length ${header.length} exceeds ${TPM2_TABLE_MAX_SIZE}`, 4, ['EFI_TPM2_ACPI_TABLE', 'header', 'length']);
  }
  if (header.length > bytes.length) {
    throw new DecodeError('SHORT_BUFFER', `Length ${header.length} but only ${bytes.length} bytes (truncated table)`, bytes.length, ['EFI_TPM2_ACPI_TABLE']);
  }
  const raw = bytes.slice(0, header.length);
  const [fixed, rest] = decodeFirst(EFITPM2ACPITableFixed, raw);
  let logArea: Tpm2Table['logArea'];
  let startMethodParameters: Uint8Array;
  let extra = new Uint8Array(0);
  if (rest.length >= 24) {
    const [t, tail] = decodeFirst(EFITPM2ACPITrailer, rest);
    startMethodParameters = t.startMethodParameters.slice();
    logArea = { laml: t.laml, lasa: t.lasa };
    extra = tail.slice();
  } else {
    startMethodParameters = rest.slice(0, 12);
    extra = rest.slice(12);
  }
  return {
    header: fixed.header, platformClass: fixed.platformClass, reserved: fixed.reserved,
    addressOfControlArea: fixed.addressOfControlArea, startMethod: fixed.startMethod,
    startMethodParameters, logArea, extra, raw,
  };
}

/** What a TPM2 table holds, for {@link encodeTpm2Table}. */
export interface Tpm2TableInput {
  readonly revision: number;
  readonly oemId: string;
  readonly oemTableId: string;
  readonly oemRevision: number;
  readonly creatorId: string;
  readonly creatorRevision: number;
  readonly platformClass: number;
  readonly addressOfControlArea: bigint;
  readonly startMethod: number;
  /** 12 bytes, or undefined for a 52-byte table (no parameters, no log area). */
  readonly startMethodParameters?: Uint8Array | undefined;
  readonly logArea?: { readonly laml: number; readonly lasa: bigint } | undefined;
}

function padded(text: string, n: number, what: string): Uint8Array {
  if (text.length > n || !/^[\x20-\x7e]*$/.test(text)) throw new RangeError(`"${what}" expected at most ${n} printable ASCII characters, got ${JSON.stringify(text)}`);
  const out = new Uint8Array(n);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Encodes a TPM2 table with a correct Length and Checksum (76 bytes with a log area, else 52/64). */
export function encodeTpm2Table(t: Tpm2TableInput): Uint8Array {
  const withTrailer = t.logArea !== undefined;
  const params = t.startMethodParameters ?? (withTrailer ? new Uint8Array(12) : undefined);
  if (params !== undefined && params.length !== 12) throw new RangeError(`"startMethodParameters" expected 12 bytes, got ${params.length}`);
  const length = TPM2_TABLE_FIXED_SIZE + (params === undefined ? 0 : 12) + (withTrailer ? 12 : 0);
  const build = (checksum: number): Uint8Array => {
    const parts = [encode(EFITPM2ACPITableFixed, {
      header: {
        signature: padded(TPM2_SIGNATURE, 4, 'signature'), length, revision: t.revision, checksum,
        oemId: padded(t.oemId, 6, 'oemId'), oemTableId: padded(t.oemTableId, 8, 'oemTableId'), oemRevision: t.oemRevision,
        creatorId: padded(t.creatorId, 4, 'creatorId'), creatorRevision: t.creatorRevision,
      },
      platformClass: t.platformClass, reserved: 0, addressOfControlArea: t.addressOfControlArea, startMethod: t.startMethod,
    })];
    if (t.logArea !== undefined && params !== undefined) {
      parts.push(encode(EFITPM2ACPITrailer, { startMethodParameters: params, laml: t.logArea.laml, lasa: t.logArea.lasa }));
    } else if (params !== undefined) {
      parts.push(params);
    }
    return concatBytes(...parts);
  };
  // The Checksum byte makes the sum of all bytes 0 mod 256.
  return build((0x100 - acpiByteSum(build(0))) & 0xff);
}
