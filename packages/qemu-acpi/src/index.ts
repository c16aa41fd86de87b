/**
 * @tcg2sim/qemu-acpi: the ACPI fw_cfg files QEMU 7.2 builds for its q35 and pc machines (./files.ts)
 * and for the Arm `virt` machine (./virt/)
 * (etc/table-loader, etc/acpi/rsdp, etc/acpi/tables, etc/tpm/log), the data OVMF's
 * AcpiPlatformLib measures as "ACPI DATA" from edk2-stable202302 on.
 */
export { QemuAcpiError } from './errors.ts';
export type { QemuAcpiErrorCode } from './errors.ts';
export { checkVm, ramSplit } from './vm.ts';
export type { Qemu72AcpiVm, Qemu72ChipsetState, SerialPort } from './vm.ts';
export { checkPciState } from './pci-state.ts';
export type { Qemu72PciState, Qemu72PciFunction } from './pci-state.ts';
export {
  AcpiTableHeader, GenericAddress, Rsdp10, Facs, FadtV1, FadtV3Extension, MadtFixed, MadtLocalApic, MadtIoApic, MadtInterruptOverride,
  MadtLocalApicNmi, HpetBody, Tpm2Body, McfgBody, WaetBody, ACPI_TABLE_HEADER_SIZE,
} from './layouts.ts';
export { acpiTable, facs, fadt, madt, hpet, tpm2, mcfg, waet, rsdt, rsdp, TPM_LOG_SIZE } from './tables.ts';
export {
  encodeTableLoader, LoaderAllocate, LoaderAddPointer, LoaderAddChecksum, LOADER_COMMAND_SIZE, LOADER_ALLOCATE, LOADER_ADD_POINTER,
  LOADER_ADD_CHECKSUM, ZONE_FSEG, ZONE_HIGH,
} from './table-loader.ts';
export type { LoaderCommand } from './table-loader.ts';
export { qemu72AcpiFiles, qemu72DsdtAml, dsdtTable, ACPI_TABLES_FILE, ACPI_RSDP_FILE, TPM_LOG_FILE, TABLE_LOADER_FILE, ACPI_TABLES_ALIGN } from './files.ts';
export type { Qemu72AcpiFiles } from './files.ts';
export type { DsdtShape } from './dsdt/shape.ts';
export type { Aml } from './aml/aml.ts';
export * as aml from './aml/aml.ts';
export * as amlResources from './aml/resources.ts';
export { qemu72VirtAcpiFiles, qemu72VirtDsdtAml } from './virt/files.ts';
export { checkVirtVm, virtMpidr, VIRT_MEMMAP, VIRT_HIGH_MEMMAP } from './virt/vm.ts';
export type { Qemu72VirtVm } from './virt/vm.ts';
export { encodeTableLoaderUnpadded } from './table-loader.ts';
