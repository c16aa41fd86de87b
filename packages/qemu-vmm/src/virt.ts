/**
 * QEMU 7.2's Arm `virt` machine as the firmware sees it (`qemu-system-aarch64 -M virt`,
 * hw/arm/virt.c memory map): RAM from 1 GiB, two 64 MiB flash banks at 0, and a `tpm-tis-device`
 * placed on the platform bus, which the firmware finds through the device tree (compatible
 * "tcg,tpm-tis-mmio").
 */

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
