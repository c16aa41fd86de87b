/**
 * The ACPI fw_cfg files of a QEMU 7.2 `virt` VM (hw/arm/virt-acpi-build.c virt_acpi_build):
 * `etc/acpi/tables` (DSDT, FACP, APIC, PPTT, GTDT, MCFG, SPCR, DBG2, IORT, TPM2 with a TPM, XSDT,
 * packed from offset 0 in this order, zero-padded to a multiple of 128 KiB), `etc/acpi/rsdp`
 * (revision 2), `etc/tpm/log` (64 KiB of zeros with a TPM, empty without) and `etc/table-loader`: unlike q35/pc,
 * the loader script is not padded (36 commands or fewer, each 128 bytes).
 */
import { FADT_X_DSDT, TPM2_LASA } from '../layouts.ts';
import { TPM_LOG_SIZE, mcfg, tpm2 } from '../tables.ts';
import { encodeTableLoaderUnpadded, ZONE_FSEG, ZONE_HIGH } from '../table-loader.ts';
import type { LoaderCommand } from '../table-loader.ts';
import { ACPI_RSDP_FILE, ACPI_TABLES_FILE, RSDP_CHECKSUM, RSDP_SIZE, TABLE_LOADER_FILE, TPM_LOG_FILE, tablesBlob } from '../files.ts';
import type { Qemu72AcpiFiles } from '../files.ts';
import { acpiTable } from '../tables.ts';
import { virtDsdtAml } from './dsdt.ts';
import { RSDP20_EXTENDED_CHECKSUM, RSDP20_XSDT_ADDRESS } from './layouts.ts';
import { rsdp20, virtDbg2, virtFadt, virtGtdt, virtIort, virtMadt, virtPptt, virtSpcr, xsdt } from './tables.ts';
import { VIRT_HIGH_MEMMAP, checkVirtVm } from './vm.ts';
import type { Qemu72VirtVm } from './vm.ts';

/** The ACPI 2.0 RSDP's length, over which its extended checksum runs. */
const RSDP20_SIZE = 36;

/** The DSDT definition block QEMU 7.2 builds for `vm`. */
export function qemu72VirtDsdtAml(vm: Qemu72VirtVm): Uint8Array {
  checkVirtVm(vm);
  return virtDsdtAml(vm);
}

/** The files QEMU 7.2 hands the firmware for `vm` (throws UNSUPPORTED_VM outside the model). */
export function qemu72VirtAcpiFiles(vm: Qemu72VirtVm): Qemu72AcpiFiles {
  checkVirtVm(vm);
  const T = ACPI_TABLES_FILE;
  const commands: LoaderCommand[] = [{ kind: 'allocate', file: ACPI_RSDP_FILE, align: 16, zone: ZONE_FSEG }];
  // tpm_build_log allocates the log before the tables blob is allocated (virt_acpi_build).
  if (vm.tpm) commands.push({ kind: 'allocate', file: TPM_LOG_FILE, align: 1, zone: ZONE_HIGH });
  commands.push({ kind: 'allocate', file: T, align: 64, zone: ZONE_HIGH });
  const { put, checksum, add, padded } = tablesBlob(commands);

  const dsdtAt = add(dsdtTable2(virtDsdtAml(vm)));
  const fadt = virtFadt(dsdtAt);
  const fadtAt = put(fadt);
  commands.push({ kind: 'add-pointer', destFile: T, srcFile: T, offset: fadtAt + FADT_X_DSDT, size: 8 });
  checksum(fadtAt, fadt.length);
  const listed = [fadtAt, add(virtMadt(vm)), add(virtPptt(vm)), add(virtGtdt()), add(mcfg(Number(VIRT_HIGH_MEMMAP.PCIE_ECAM[0]))), add(virtSpcr()), add(virtDbg2()), add(virtIort())];
  if (vm.tpm) {
    const t = tpm2({ tpm: 'tis' });
    const tpmAt = put(t);
    commands.push({ kind: 'add-pointer', destFile: T, srcFile: TPM_LOG_FILE, offset: tpmAt + TPM2_LASA, size: 8 });
    checksum(tpmAt, t.length);
    listed.push(tpmAt);
  }
  const x = xsdt(listed);
  const xsdtAt = put(x);
  listed.forEach((_, i) => commands.push({ kind: 'add-pointer', destFile: T, srcFile: T, offset: xsdtAt + 36 + 8 * i, size: 8 }));
  checksum(xsdtAt, x.length);
  // build_rsdp: the legacy checksum over the first 20 bytes, the XSDT pointer, the extended checksum over all 36.
  commands.push({ kind: 'add-checksum', file: ACPI_RSDP_FILE, offset: RSDP_CHECKSUM, start: 0, length: RSDP_SIZE });
  commands.push({ kind: 'add-pointer', destFile: ACPI_RSDP_FILE, srcFile: T, offset: RSDP20_XSDT_ADDRESS, size: 8 });
  commands.push({ kind: 'add-checksum', file: ACPI_RSDP_FILE, offset: RSDP20_EXTENDED_CHECKSUM, start: 0, length: RSDP20_SIZE });

  const files = new Map<string, Uint8Array>([[TABLE_LOADER_FILE, encodeTableLoaderUnpadded(commands)], [ACPI_RSDP_FILE, rsdp20(xsdtAt)]]);
  // virt_acpi_setup adds etc/tpm/log whatever the VM: empty without a TPM (no loader command names it then).
  files.set(TPM_LOG_FILE, new Uint8Array(vm.tpm ? TPM_LOG_SIZE : 0));
  files.set(T, padded());
  return files;
}

/** The virt DSDT: revision 2 (ACPI 2.0 and later: 64-bit integers), unlike q35/pc's revision 1. */
function dsdtTable2(aml: Uint8Array): Uint8Array {
  return acpiTable('DSDT', 2, aml);
}
