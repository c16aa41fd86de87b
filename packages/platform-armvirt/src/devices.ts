/**
 * The PCI devices of a `virt` VM as ArmVirtQemu's BDS sees them (the firmware side; where QEMU
 * places them is @tcg2sim/qemu-config's business): NICs and disks on virt's PCIe root bus, each
 * with its PCI path under `PciRoot(0x0)` (FdtPciHostBridgeLib's one host bridge).
 *
 * NICs: QEMU gives virtio-net-pci its ROM BAR with efi-virtio.rom, but Debian's iPXE ROM holds a
 * legacy image and an x64 EFI image only (machine 0x8664): PciBusDxe on AArch64 does not start an
 * image of another machine type, so no option ROM driver runs and nothing is measured in PCR2
 * (real boots of all three Debian builds). ArmVirtQemu's own VirtioNetDxe drives the NIC and
 * NetworkPkg's UefiPxeBcDxe and HttpBootDxe install the LoadFile handles BDS turns into boot
 * options: PXEv4, PXEv6, HTTPv4, HTTPv6 (platform-ovmf's nicNetworkOptions without iPXE's own
 * MAC() option). From edk2-stable202405 NetworkPkg's drivers wait for EFI_RNG_PROTOCOL, which a
 * `virt` VM provides only through a CPU with RNDR (`-cpu max`) or a virtio-rng device.
 *
 * Disks: virtio-blk-pci, nvme and virtio-scsi-pci + scsi-hd, whose boot options and device
 * paths are OVMF's (platform-ovmf diskOptions with the placement given); BDS loads
 * `\EFI\BOOT\BOOTAA64.EFI`.
 */
import type { DiskBootLoader } from '@tcg2sim/uefi';
import { comparePciPaths, nicNetworkOptions } from '@tcg2sim/platform-ovmf';
import type { DiskSpec, NetworkOption, PciPath } from '@tcg2sim/platform-ovmf';

/** NIC models on virt: virtio-net-pci (VirtioNetDxe drives it), e1000 and e1000e (no driver in ArmVirtQemu). */
export type VirtNicModel = 'virtio-net-pci' | 'e1000' | 'e1000e';

/** A NIC. */
export interface VirtNic {
  /**
   * Default virtio-net-pci. e1000 and e1000e: QEMU's ROM BAR (efi-e1000.rom, efi-e1000e.rom) holds
   * an x64 iPXE image measured as virtio-net's is, and no driver of ArmVirtQemu binds the NIC, so
   * the network stack gives no option for it (real boots, docs/armvirt.md §15).
   */
  readonly model?: VirtNicModel;
  /** Its place under PciRoot(0x0) (virt: slot 1 onwards on pcie.0, or behind root ports). */
  readonly pciPath: PciPath;
  /** The 6-byte MAC (QEMU: 52:54:00:12:34:56, the last byte +1 per NIC without mac=). */
  readonly mac: Uint8Array;
  /** The ROM BAR QEMU gives it (romfile: efi-virtio.rom) and the file it came from; none: rombar=0. */
  readonly optionRom?: { readonly file: string; readonly bar: Uint8Array };
}

/** Disk interfaces modelled on virt (no AHCI on virt unless added: SATA is not modelled). */
export type VirtDiskInterface = 'virtio' | 'nvme' | 'scsi';

/** A raw GPT disk and its controller. */
export interface VirtDisk {
  readonly loader: DiskBootLoader;
  readonly iface: VirtDiskInterface;
  /** The controller's place under PciRoot(0x0). */
  readonly pciPath: PciPath;
  /** The SCSI target (scsi-id); default 0. */
  readonly unit?: number;
  /** The NVMe controller's serial (its boot option's description names it). */
  readonly serial?: string;
}

/** The devices besides the TPM. */
export interface VirtBootDevices {
  readonly nics?: readonly VirtNic[];
  /** In command-line order. */
  readonly disks?: readonly VirtDisk[];
  /**
   * AHCI controllers (ich9-ahci, ahci), with their SATA disks: PciBusDxe enumerates them, but
   * ArmVirtQemu has no AHCI/ATA driver (no AtaAtapiPassThruDxe, AtaBusDxe, SataControllerDxe), so
   * no boot option comes of them and nothing is measured (real boots of 2022.11 and 2025.02).
   */
  readonly ahciControllers?: number;
}

/** The modules that would drive an AHCI controller and its disks (MdeModulePkg/Bus/Ata, Pci/SataControllerDxe). */
export const ATA_DRIVERS = ['AtaAtapiPassThruDxe', 'AtaBusDxe', 'SataController'] as const;

/**
 * The LoadFile options of the NICs in PCI enumeration order, before BDS numbers them (none when
 * the network stack does not run).
 */
export function virtNetworkOptions(nics: readonly VirtNic[]): NetworkOption[] {
  // iPXE's own option (the MAC() path) is the first of nicNetworkOptions: no iPXE on AArch64.
  return drivenNics(nics)
    .sort((a, b) => comparePciPaths(a.pciPath, b.pciPath))
    .flatMap((n) => nicNetworkOptions({ device: n.pciPath[0]?.device ?? 0, pciPath: n.pciPath, mac: n.mac }).slice(1));
}

/** The NICs a driver of ArmVirtQemu binds (VirtioNetDxe: virtio-net-pci only). */
export function drivenNics(nics: readonly VirtNic[]): VirtNic[] {
  return nics.filter((n) => (n.model ?? 'virtio-net-pci') === 'virtio-net-pci');
}

/** The disks as platform-ovmf's option model takes them (always placed). */
export function virtDiskSpecs(disks: readonly VirtDisk[]): DiskSpec[] {
  return disks.map((d) => ({
    iface: d.iface,
    placement: { pci: d.pciPath, ...(d.unit !== undefined ? { unit: d.unit } : {}), ...(d.serial !== undefined ? { serial: d.serial } : {}) },
  }));
}
