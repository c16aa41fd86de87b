/**
 * @tcg2sim/qemu-fwcfg: the data QEMU hands the firmware through fw_cfg (ACPI blobs, table loader,
 * SMBIOS), read from an installed QEMU with the qtest accelerator: no guest code, no firmware.
 */
export { FwCfgError } from './errors.ts';
export type { FwCfgErrorCode } from './errors.ts';
export { QtestSession } from './qtest.ts';
export type { QtestOptions } from './qtest.ts';
export { FwCfg, x86PortRegisters, FWCfgFile, FWCfgFiles, FWCfgDmaAccess, FW_CFG_PORT, FW_CFG_KEY, FW_CFG_DMA, MAX_FILE_SIZE } from './fw-cfg.ts';
export type { FwCfgFileEntry, FwCfgRegisters } from './fw-cfg.ts';
export { readVirtFwCfgFiles, virtMmioRegisters, VIRT_FW_CFG } from './virt.ts';
export type { ReadVirtFwCfgOptions } from './virt.ts';
export { programFirmwareChipset, OVMF_CHIPSET_STATE, OVMF_2025_02_CHIPSET_STATE } from './chipset.ts';
export type { FirmwareChipsetState } from './chipset.ts';
export { readQemuFwCfgFiles, OVMF_SMI_FEATURE_MASK } from './read-files.ts';
export type { ReadFwCfgOptions } from './read-files.ts';
export {
  SMBIOS_ANCHOR_FILE, SMBIOS_TABLES_FILE, SmbiosEntryPoint21, SmbiosEntryPoint30, SmbiosStructureHeader,
  parseSmbiosAnchor, parseSmbiosStructures, smbiosStructureSize,
} from './smbios.ts';
export type { SmbiosAnchor, SmbiosStructure } from './smbios.ts';
export { qemu72SmbiosFiles } from './smbios-qemu72.ts';
export type { Qemu72SmbiosVm } from './smbios-qemu72.ts';
export { qtestConfigSpace, pciAddressText, scanPciHierarchy, programOvmfPci, ovmfPciApertures, parseE820 } from './ovmf-pci/index.ts';
export type { PciAddress, PciConfigSpace, PciFunction, OvmfPciApertures, PlacedResource, ApertureVm, ApertureCpu, E820Entry } from './ovmf-pci/index.ts';
export { qemu72PciLayout, qemu72PciHierarchy, QEMU72_PCI_DEVICES, modelConfigSpace } from './ovmf-pci/index.ts';
export type { Qemu72PciDevice, Qemu72PciVm, Qemu72PciLayout, ModelFunction, ModelConfigSpace, Aperture } from './ovmf-pci/index.ts';
