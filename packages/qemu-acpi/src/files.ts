/**
 * The ACPI fw_cfg files of a QEMU 7.2 q35/pc VM: `etc/acpi/tables` (FACS, DSDT, FACP, APIC,
 * HPET, TPM2, MCFG when PCIEXBAR is enabled, WAET, RSDT, in this order, FACS at offset 0 and the
 * rest packed after it; zero-padded to 128 KiB, ACPI_BUILD_TABLE_SIZE), `etc/acpi/rsdp`,
 * `etc/tpm/log` (64 KiB of zeros) and `etc/table-loader` (the commands that allocate the three
 * blobs and link and checksum the tables). The DSDT is ./dsdt/q35.ts or ./dsdt/pc.ts.
 */
import { concatBytes } from '@tcg2sim/binary-codec';
import { FADT_DSDT, FADT_FIRMWARE_CTRL, FADT_X_DSDT, TPM2_LASA } from './layouts.ts';
import { acpiTable, facs, fadt, hpet, madt, mcfg, rsdp, rsdt, tpm2, TPM_LOG_SIZE, waet } from './tables.ts';
import { encodeTableLoader, ZONE_FSEG, ZONE_HIGH } from './table-loader.ts';
import type { LoaderCommand } from './table-loader.ts';
import { q35Dsdt } from './dsdt/q35.ts';
import { pcDsdt } from './dsdt/pc.ts';
import { checkVm } from './vm.ts';
import type { Qemu72AcpiVm } from './vm.ts';

export const ACPI_TABLES_FILE = 'etc/acpi/tables';
export const ACPI_RSDP_FILE = 'etc/acpi/rsdp';
export const TPM_LOG_FILE = 'etc/tpm/log';
export const TABLE_LOADER_FILE = 'etc/table-loader';
/** QEMU pads etc/acpi/tables to a multiple of this. */
export const ACPI_TABLES_ALIGN = 0x20000;
/** Offset of the checksum byte in a table header, and of the RSDP's (over its ACPI 1.0 part, RSDP_SIZE bytes). */
const HEADER_CHECKSUM = 9;
export const RSDP_CHECKSUM = 8;
const RSDP_RSDT_ADDRESS = 16;
export const RSDP_SIZE = 20;

/** etc/acpi/tables as it is being built; its loader commands go to the list it was made with. */
export interface TablesBlob {
  /** Appends `table` with no command yet (the caller adds its pointers first, in QEMU's order); its offset. */
  readonly put: (table: Uint8Array) => number;
  /** The command that sets the header checksum of the table at `offset`, over `length` bytes. */
  readonly checksum: (offset: number, length: number) => void;
  /** put, then checksum: a table with no pointer in it. */
  readonly add: (table: Uint8Array) => number;
  /** The tables, zero-padded to a multiple of ACPI_TABLES_ALIGN. */
  readonly padded: () => Uint8Array;
}

/** A TablesBlob whose checksum commands are pushed onto `commands` (both machines build it so). */
export function tablesBlob(commands: LoaderCommand[]): TablesBlob {
  const parts: Uint8Array[] = [];
  let at = 0;
  const put = (table: Uint8Array): number => {
    const offset = at;
    parts.push(table);
    at += table.length;
    return offset;
  };
  const checksum = (offset: number, length: number): void => {
    commands.push({ kind: 'add-checksum', file: ACPI_TABLES_FILE, offset: offset + HEADER_CHECKSUM, start: offset, length });
  };
  return {
    put,
    checksum,
    add: (table) => {
      const offset = put(table);
      checksum(offset, table.length);
      return offset;
    },
    padded: () => {
      const body = concatBytes(...parts);
      const tables = new Uint8Array(Math.ceil(body.length / ACPI_TABLES_ALIGN) * ACPI_TABLES_ALIGN);
      tables.set(body);
      return tables;
    },
  };
}

/** The four files, by fw_cfg name. */
export type Qemu72AcpiFiles = ReadonlyMap<string, Uint8Array>;

/** The DSDT table (header and `aml`, QEMU's revision 1, checksum 0). */
export function dsdtTable(aml: Uint8Array): Uint8Array {
  return acpiTable('DSDT', 1, aml);
}

/** The DSDT definition block QEMU 7.2 builds for `vm`. */
export function qemu72DsdtAml(vm: Qemu72AcpiVm): Uint8Array {
  const shape = checkVm(vm);
  return vm.machine === 'q35' ? q35Dsdt(shape) : pcDsdt(shape);
}

/**
 * The files QEMU 7.2 hands the firmware for `vm`; `dsdtAml` replaces the generated DSDT's
 * definition block (tests use it to check the other tables against QEMU's own DSDT).
 */
export function qemu72AcpiFiles(vm: Qemu72AcpiVm, dsdtAml: Uint8Array = qemu72DsdtAml(vm)): Qemu72AcpiFiles {
  checkVm(vm);
  const T = ACPI_TABLES_FILE;
  const commands: LoaderCommand[] = [
    { kind: 'allocate', file: ACPI_RSDP_FILE, align: 16, zone: ZONE_FSEG },
    { kind: 'allocate', file: TPM_LOG_FILE, align: 1, zone: ZONE_HIGH },
    { kind: 'allocate', file: T, align: 64, zone: ZONE_HIGH },
  ];
  const { put, checksum, add, padded } = tablesBlob(commands);

  const facsAt = put(facs());
  const dsdtAt = add(dsdtTable(dsdtAml));
  const fadtTable = fadt(vm, facsAt, dsdtAt);
  const fadtAt = put(fadtTable);
  commands.push({ kind: 'add-pointer', destFile: T, srcFile: T, offset: fadtAt + FADT_FIRMWARE_CTRL, size: 4 });
  commands.push({ kind: 'add-pointer', destFile: T, srcFile: T, offset: fadtAt + FADT_DSDT, size: 4 });
  if (fadtTable.length > FADT_X_DSDT) commands.push({ kind: 'add-pointer', destFile: T, srcFile: T, offset: fadtAt + FADT_X_DSDT, size: 8 });
  checksum(fadtAt, fadtTable.length);
  const listed = [fadtAt, add(madt(vm)), add(hpet())];
  const tpmTable = tpm2(vm);
  const tpmAt = put(tpmTable);
  commands.push({ kind: 'add-pointer', destFile: T, srcFile: TPM_LOG_FILE, offset: tpmAt + TPM2_LASA, size: 8 });
  checksum(tpmAt, tpmTable.length);
  listed.push(tpmAt);
  if (vm.chipset.pciExpressBase !== undefined) listed.push(add(mcfg(vm.chipset.pciExpressBase)));
  listed.push(add(waet()));
  const rsdtTable = rsdt(listed);
  const rsdtAt = put(rsdtTable);
  listed.forEach((_, i) => commands.push({ kind: 'add-pointer', destFile: T, srcFile: T, offset: rsdtAt + 36 + 4 * i, size: 4 }));
  checksum(rsdtAt, rsdtTable.length);
  commands.push({ kind: 'add-pointer', destFile: ACPI_RSDP_FILE, srcFile: T, offset: RSDP_RSDT_ADDRESS, size: 4 });
  commands.push({ kind: 'add-checksum', file: ACPI_RSDP_FILE, offset: RSDP_CHECKSUM, start: 0, length: RSDP_SIZE });

  return new Map([
    [TABLE_LOADER_FILE, encodeTableLoader(commands)],
    [ACPI_RSDP_FILE, rsdp(rsdtAt)],
    [TPM_LOG_FILE, new Uint8Array(TPM_LOG_SIZE)],
    [T, padded()],
  ]);
}
