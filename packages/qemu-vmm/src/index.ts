/** @tcg2sim/qemu-vmm: what QEMU hands the firmware: NIC models, PCI slots, MAC addresses, option ROM BARs. */
export { VmmError } from './errors.ts';
export type { VmmErrorCode } from './errors.ts';
export { NIC_MODELS, nicModel, defaultMac } from './nic.ts';
export type { NicModel, NicModelInfo } from './nic.ts';
export { FIRST_FREE_SLOT, pciSlot } from './pci-slots.ts';
export type { MachineType } from './pci-slots.ts';
export { DEFAULT_ROM_DIRS, MAX_ROM_FILE, findRomFile, romBar, readRomBar } from './option-rom-file.ts';
export type { OptionRomBar } from './option-rom-file.ts';
export { parseMac, qemuNics } from './vm-nics.ts';
export type { NicOptions, NicSpec, VmmNic, VmmPciFunction } from './vm-nics.ts';
export { VIRT_RAM_BASE, VIRT_FLASH_BANK_SIZE, VIRT_PLATFORM_BUS_BASE, VIRT_TPM_TIS_BASE, virtRamRanges, virtQemuArguments, virtDevicePlacement } from './virt.ts';
export type { VirtVmOptions, VirtDiskInterface } from './virt.ts';
export { ofwPath, qemuBootOrderFile, VIRT_OFW_PCI_ROOT } from './boot-order.ts';
export type { BootDevice, PciLocation } from './boot-order.ts';
