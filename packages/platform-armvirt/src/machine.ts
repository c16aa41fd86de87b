/** The QEMU `virt` VM a simulated ArmVirtQemu boot runs on. */
import { VIRT_RAM_BASE } from '@tcg2sim/qemu-vmm';

/** `-M virt -m memoryMiB -smp cpus`, no devices beyond the TPM (`-net none`). */
export interface VirtMachine {
  readonly memoryMiB: number;
  readonly cpus: number;
  /**
   * The VM gives the firmware an EFI_RNG_PROTOCOL source (a CPU with RNDR, `-cpu max`, or a
   * virtio-rng device): NetworkPkg's drivers of edk2-stable202405 and later wait for one.
   */
  readonly rng?: boolean;
  /**
   * False for a VM without ACPI (`-no-acpi`, `-machine acpi=off`): QEMU offers no
   * etc/table-loader, so PlatformHasAcpiDtDxe installs the device tree and QemuFwCfgAcpiPlatform
   * (which depends on gEdkiiPlatformHasAcpiGuid) never runs. Default true.
   */
  readonly acpi?: boolean;
}

/** The default VM: 1024 MiB, 1 CPU (the shape of the captures in test/vectors). */
export const DEFAULT_VIRT_MACHINE: VirtMachine = { memoryMiB: 1024, cpus: 1 };

/** One past the last byte of guest RAM (ArmVirtQemu's DXE allocates top-down from here). */
export function virtRamTop(m: VirtMachine): bigint {
  return BigInt(VIRT_RAM_BASE) + BigInt(m.memoryMiB) * 0x100000n;
}
