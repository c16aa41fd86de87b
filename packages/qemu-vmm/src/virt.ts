/**
 * QEMU 7.2's Arm `virt` machine as the firmware sees it (`qemu-system-aarch64 -M virt`,
 * hw/arm/virt.c memory map): RAM from 1 GiB, two 64 MiB flash banks at 0, and a `tpm-tis-device`
 * placed on the platform bus, which the firmware finds through the device tree (compatible
 * "tcg,tpm-tis-mmio").
 */

import { VmmError } from './errors.ts';

/** VIRT_MEM: guest RAM starts here. */
export const VIRT_RAM_BASE = 0x4000_0000;
/** Each pflash bank (VIRT_FLASH is two banks of 64 MiB): the images are padded to this size. */
export const VIRT_FLASH_BANK_SIZE = 64 * 1024 * 1024;
/**
 * VIRT_PLATFORM_BUS: where dynamic sysbus devices go; the only one here is tpm-tis-device, so its
 * TIS register block (0x5000 bytes) sits at the bus base.
 */
export const VIRT_PLATFORM_BUS_BASE = 0x0c00_0000;
/** The TPM's MMIO base on `virt` (the device tree's reg of the tcg,tpm-tis-mmio node). */
export const VIRT_TPM_TIS_BASE = VIRT_PLATFORM_BUS_BASE;

/** Guest-physical RAM [start, end) of a `virt` VM with `memoryMiB` of RAM (one bank). */
export function virtRamRanges(memoryMiB: number): Array<readonly [number, number]> {
  return [[VIRT_RAM_BASE, VIRT_RAM_BASE + memoryMiB * 1024 * 1024]];
}

/** What a `virt` VM with a TPM is booted with. */
export interface VirtVmOptions {
  /** AAVMF_CODE.fd (unit 0, read-only). */
  readonly code: string;
  /** The private copy of AAVMF_VARS.fd (unit 1). */
  readonly vars: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  /** `-cpu` (default cortex-a57: what the captures in this repository used). */
  readonly cpu?: string;
  /** swtpm's control socket. */
  readonly swtpmCtrl: string;
  /** QMP socket path. */
  readonly qmp: string;
}

/**
 * The `qemu-system-aarch64` command line (without the binary) for a `virt` VM under TCG with
 * swtpm behind tpm-tis-device, no NIC (a virtio-net NIC would add its own boot options), the
 * serial console on stdio and QMP on a socket.
 */
export function virtQemuArguments(o: VirtVmOptions): string[] {
  return [
    '-machine', 'virt', '-cpu', o.cpu ?? 'cortex-a57', '-m', String(o.memoryMiB), '-smp', String(o.cpus),
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${o.code}`,
    '-drive', `if=pflash,format=raw,unit=1,file=${o.vars}`,
    '-chardev', `socket,id=chrtpm,path=${o.swtpmCtrl}`,
    '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm',
    '-device', 'tpm-tis-device,tpmdev=tpm0',
    '-net', 'none',
    '-display', 'none',
    '-monitor', 'none',
    '-serial', 'stdio',
    '-qmp', `unix:${o.qmp},server=on,wait=off`,
  ];
}

/** A disk interface QEMU's virt machine is modelled with (no built-in AHCI: no SATA). */
export type VirtDiskInterface = 'virtio' | 'nvme' | 'scsi';

/**
 * Where QEMU 7.2 puts `predict --disk … --nic …` on virt when the command line gives no `addr=`
 * (the order capture's arguments use: the disks' controllers, then the NICs): every PCI device
 * takes the next free slot on pcie.0 from 01.0 (00.0 is the GPEX host bridge's root function);
 * virtio-blk-pci and nvme one each, one virtio-scsi-pci for all SCSI disks (scsi-id = the disk's
 * ordinal among the SCSI disks), then each NIC.
 */
export function virtDevicePlacement(disks: readonly VirtDiskInterface[], nics: number): { disks: Array<{ slot: number; unit: number }>; nicSlots: number[] } {
  let slot = 1;
  let scsiSlot: number | undefined;
  let scsiUnits = 0;
  const placed = disks.map((iface) => {
    if (iface === 'scsi') return { slot: (scsiSlot ??= slot++), unit: scsiUnits++ };
    return { slot: slot++, unit: 0 };
  });
  const nicSlots = Array.from({ length: nics }, () => slot++);
  if (slot > 0x20) throw new VmmError('NO_PCI_SLOT', `no free PCI slot on virt's pcie.0 for ${disks.length} disk(s) and ${nics} NIC(s)`);
  return { disks: placed, nicSlots };
}
