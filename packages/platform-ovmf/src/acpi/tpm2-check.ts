/**
 * Checking a TPM2 ACPI table the way an OS would trip over it: checksum, lengths, start method,
 * control area against the register interface actually found there, the _DSM the ACPI start
 * methods need, the log area. Findings are data (severity + code), not exceptions: a table that
 * decodes is always fully reported.
 */
import { FakeBackend, CrbDevice, MmioBus, TisDevice, LOCALITY_COUNT, LOCALITY_STRIDE, TPM_BASE_ADDRESS } from '@tcg2sim/ptp';
import { detectInterface } from '@tcg2sim/tpm2-device-lib';
import type { PtpInterfaceKind } from '@tcg2sim/tpm2-device-lib';
import { acpiByteSum } from './acpi-scan.ts';
import { TPM2_START_METHOD, TPM2_START_METHOD_NAME, TPM2_TABLE_FIXED_SIZE, TPM2_TABLE_FULL_SIZE } from './tpm2-table.ts';
import type { Tpm2Table } from './tpm2-table.ts';

/** What a finding is about. */
export type Tpm2FindingCode =
  | 'BAD_CHECKSUM'
  | 'FILE_LONGER_THAN_TABLE'
  | 'UNUSUAL_LENGTH'
  | 'UNKNOWN_REVISION'
  | 'UNKNOWN_PLATFORM_CLASS'
  | 'RESERVED_NOT_ZERO'
  | 'START_METHOD_NOT_ALLOWED'
  | 'RESERVED_START_METHOD'
  | 'START_METHOD_WITHOUT_DSM'
  | 'DSM_NOT_CHECKED'
  | 'CONTROL_AREA_NOT_ZERO'
  | 'NO_CONTROL_AREA'
  | 'CONTROL_AREA_NOT_PTP'
  | 'INTERFACE_MISMATCH'
  | 'PARAMETERS_NOT_ZERO'
  | 'NO_LOG_AREA'
  | 'LOG_AREA_EMPTY'
  | 'LOG_AREA_TOO_SMALL'
  | 'LOG_AREA_OVERFLOW';

/** One problem (or note) about a table. */
export interface Tpm2Finding {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: Tpm2FindingCode;
  /** Byte offset in the table the finding is about (-1: the table as a whole). */
  readonly offset: number;
  readonly message: string;
}

/** What the check may use besides the table. */
export interface Tpm2CheckOptions {
  /** Bytes of the file the table came from (longer than Length is reported). */
  readonly fileLength?: number;
  /**
   * The TPM device the machine has (QEMU `-device tpm-tis` / `tpm-crb`): the register model is
   * probed at the control area's locality, as Tpm2DeviceLibDTpm would, to find the interface.
   */
  readonly tpmInterface?: 'tis' | 'crb' | 'none';
  /** DSDT/SSDT bodies to search for the start-method _DSM (start methods 2 and 8). */
  readonly amlTables?: readonly Uint8Array[];
}

/**
 * The TPM 2.0 Start Method _DSM (TCG ACPI 1.3 §3.3, Linux tpm_crb `crb_acpi_start_guid`):
 * 6BBF6CAB-5463-4714-B7CD-F0203C0368D4, as ToUUID lays it out in AML (first three fields little-endian).
 */
export const TPM2_START_METHOD_DSM_UUID_AML = Uint8Array.of(
  0xab, 0x6c, 0xbf, 0x6b, 0x63, 0x54, 0x14, 0x47, 0xb7, 0xcd, 0xf0, 0x20, 0x3c, 0x03, 0x68, 0xd4
);

const CRB_METHODS: ReadonlySet<number> = new Set([7, 8, 11, 13, 15]);
const NO_PARAMETER_METHODS: ReadonlySet<number> = new Set([2, 6, 7, 8]);

function hex(v: number | bigint): string {
  return `0x${v.toString(16).toUpperCase()}`;
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle) >= 0;
}

/** The interface QEMU's register model answers with at `base` (Tpm2GetPtpInterface's view). */
export function probeInterface(tpm: 'tis' | 'crb' | 'none', base: number): PtpInterfaceKind {
  const bus = new MmioBus();
  if (tpm === 'tis') bus.map(TPM_BASE_ADDRESS, new TisDevice(new FakeBackend()));
  if (tpm === 'crb') bus.map(TPM_BASE_ADDRESS, new CrbDevice(new FakeBackend(), { base: TPM_BASE_ADDRESS }));
  return detectInterface(bus, base, { readIdleBypass: false }).kind;
}

/** The PTP locality base a CRB control area address belongs to, if it is one (base + n·0x1000 + 0x40). */
function ptpLocalityOf(control: bigint): number | undefined {
  const off = control - BigInt(TPM_BASE_ADDRESS) - 0x40n;
  if (off < 0n || off % BigInt(LOCALITY_STRIDE) !== 0n || off / BigInt(LOCALITY_STRIDE) >= BigInt(LOCALITY_COUNT)) return undefined;
  return Number(off / BigInt(LOCALITY_STRIDE));
}

/** Reports what is inconsistent in `t` (empty when nothing is). */
export function checkTpm2Table(t: Tpm2Table, o: Tpm2CheckOptions = {}): Tpm2Finding[] {
  const f: Tpm2Finding[] = [];
  const add = (severity: Tpm2Finding['severity'], code: Tpm2FindingCode, offset: number, message: string): void => {
    f.push({ severity, code, offset, message });
  };
  const sum = acpiByteSum(t.raw);
  if (sum !== 0) {
    add('error', 'BAD_CHECKSUM', 9, `checksum ${hex(t.header.checksum)} leaves a byte sum of ${hex(sum)}; the right value is ${hex((t.header.checksum - sum) & 0xff)}`);
  }
  if (o.fileLength !== undefined && o.fileLength > t.header.length) {
    add('warning', 'FILE_LONGER_THAN_TABLE', t.header.length, `${o.fileLength - t.header.length} bytes after the table's Length ${t.header.length}`);
  }
  const len = t.header.length;
  if (len !== TPM2_TABLE_FIXED_SIZE && len !== 64 && len !== TPM2_TABLE_FULL_SIZE) {
    add('warning', 'UNUSUAL_LENGTH', 4, `Length ${len} is none of 52 (no parameters), 64 (parameters) or 76 (parameters + log area)` +
      (len > TPM2_TABLE_FULL_SIZE ? `: ${len - TPM2_TABLE_FULL_SIZE} bytes past the log area` : len < TPM2_TABLE_FULL_SIZE ? ': Linux reads no log area from it' : ''));
  }
  const rev = t.header.revision;
  if (rev < 3 || rev > 5) add('warning', 'UNKNOWN_REVISION', 8, `revision ${rev} (3 and 4 are defined; 5 in TCG ACPI 1.4)`);
  if (rev >= 4 && t.platformClass !== 0 && t.platformClass !== 1) {
    add('warning', 'UNKNOWN_PLATFORM_CLASS', 36, `platform class ${t.platformClass} (0 client, 1 server)`);
  }
  if (t.reserved !== 0) add('warning', 'RESERVED_NOT_ZERO', 38, `reserved field is ${hex(t.reserved)}`);
  checkStartMethod(t, o, add);
  checkLog(t, add);
  return f;
}

type Add = (severity: Tpm2Finding['severity'], code: Tpm2FindingCode, offset: number, message: string) => void;

function checkStartMethod(t: Tpm2Table, o: Tpm2CheckOptions, add: Add): void {
  const sm = t.startMethod;
  const name = TPM2_START_METHOD_NAME[sm];
  if (sm === TPM2_START_METHOD.NOT_ALLOWED) add('error', 'START_METHOD_NOT_ALLOWED', 48, 'start method 0 is not allowed');
  else if (name === undefined || name.startsWith('reserved')) add('error', 'RESERVED_START_METHOD', 48, `start method ${sm} is reserved`);
  if (sm === TPM2_START_METHOD.ACPI || sm === TPM2_START_METHOD.CRB_WITH_ACPI) {
    if (o.amlTables === undefined || o.amlTables.length === 0) {
      add('warning', 'DSM_NOT_CHECKED', 48, `start method ${sm} (${name ?? ''}) needs the TPM's start-method _DSM (6BBF6CAB-5463-4714-B7CD-F0203C0368D4); give the DSDT/SSDT to check it`);
    } else if (!o.amlTables.some((a) => contains(a, TPM2_START_METHOD_DSM_UUID_AML))) {
      add('error', 'START_METHOD_WITHOUT_DSM', 48, `start method ${sm} (${name ?? ''}) but no AML table given has the start-method _DSM UUID 6BBF6CAB-5463-4714-B7CD-F0203C0368D4`);
    }
  }
  const control = t.addressOfControlArea;
  const crb = CRB_METHODS.has(sm);
  if (sm === TPM2_START_METHOD.MMIO && control !== 0n) {
    add('warning', 'CONTROL_AREA_NOT_ZERO', 40, `start method 6 (FIFO/TIS) has no control area, but the address is ${hex(control)}`);
  }
  if (crb && control === 0n) add('error', 'NO_CONTROL_AREA', 40, `start method ${sm} (${name ?? ''}) needs a CRB control area address`);
  const locality = crb && control !== 0n ? ptpLocalityOf(control) : undefined;
  if (crb && control !== 0n && locality === undefined && (sm === 7 || sm === 8)) {
    add('warning', 'CONTROL_AREA_NOT_PTP', 40, `control area ${hex(control)} is not a PTP locality's CRB control area (0xFED4n040)`);
  }
  if (o.tpmInterface === 'none') {
    add('error', 'INTERFACE_MISMATCH', 48, `start method ${sm} (${name ?? ''}) but the machine has no TPM device`);
  } else if (o.tpmInterface !== undefined && (sm === TPM2_START_METHOD.MMIO || locality !== undefined)) {
    const base = TPM_BASE_ADDRESS + (locality ?? 0) * LOCALITY_STRIDE;
    const found = probeInterface(o.tpmInterface, base);
    const wants = sm === TPM2_START_METHOD.MMIO ? 'TIS or PTP FIFO' : 'CRB';
    const ok = sm === TPM2_START_METHOD.MMIO ? found === 'tis' || found === 'fifo' : found === 'crb';
    if (!ok) {
      add('error', 'INTERFACE_MISMATCH', 48, `start method ${sm} (${name ?? ''}) needs ${wants}, but the registers at ${hex(base)} answer as ${found === 'none' ? 'no TPM' : found.toUpperCase()} (tpm-${o.tpmInterface})`);
    }
  }
  if (NO_PARAMETER_METHODS.has(sm) && t.startMethodParameters.some((b) => b !== 0)) {
    add('warning', 'PARAMETERS_NOT_ZERO', TPM2_TABLE_FIXED_SIZE, `start method ${sm} defines no parameters, but they are not zero`);
  }
}

function checkLog(t: Tpm2Table, add: Add): void {
  if (t.logArea === undefined) {
    add('info', 'NO_LOG_AREA', -1, 'no LAML/LASA (Length < 76): the OS finds the event log through EFI_TCG2_PROTOCOL only');
    return;
  }
  const { laml, lasa } = t.logArea;
  if (laml === 0 || lasa === 0n) {
    add('warning', 'LOG_AREA_EMPTY', 64, `LAML ${hex(laml)} / LASA ${hex(lasa)}: a log area field is zero`);
    return;
  }
  if (laml < 0x10000) add('warning', 'LOG_AREA_TOO_SMALL', 64, `LAML ${hex(laml)} is below the 64 KiB minimum of PC client platforms`);
  if (lasa + BigInt(laml) > 1n << 64n) add('error', 'LOG_AREA_OVERFLOW', 68, `LASA ${hex(lasa)} + LAML ${hex(laml)} wraps past 2^64`);
}
