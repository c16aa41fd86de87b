/**
 * The `virt` VM shapes the QEMU 7.2 ACPI model covers (`qemu-system-aarch64 -machine virt` or
 * `virt-7.2`, TCG): `-cpu cortex-a57` or `max`, `-smp N` with one socket, one cluster and one
 * thread per core, `-m` up to 255 GiB (no memory slots), `gic-version` 2 or 3 (`max` is 3 under
 * TCG), highmem on (QEMU's default), with or without `tpm-tis-device`, pflash unit 0 present (a
 * boot's firmware). PCI devices (virtio-net/blk/scsi, e1000, e1000e, nvme, AHCI) do not change
 * the tables: QEMU 7.2's generic PCIe host (hw/pci-host/gpex-acpi.c) describes only the root bus's
 * fixed windows, not the devices on it. The addresses are hw/arm/virt.c's memory and IRQ maps.
 */
import { QemuAcpiError } from '../errors.ts';

/** One `virt` VM. */
export interface Qemu72VirtVm {
  /** `-smp`: cores of one socket. */
  readonly cpus: number;
  /** `-m`, MiB. */
  readonly memoryMiB: number;
  /** `-cpu` model. */
  readonly cpu: 'cortex-a57' | 'max';
  /** The GIC: `gic-version=2` (default under TCG), `3` or `max` (3 under TCG). */
  readonly gicVersion: 2 | 3;
  /** `-device tpm-tis-device` (the TPM2 table, the TPM0 device, etc/tpm/log). */
  readonly tpm: boolean;
}

const GiB = 0x4000_0000;

/** hw/arm/virt.c base_memmap (QEMU 7.2): the low devices' [base, size]. */
export const VIRT_MEMMAP = {
  GIC_DIST: [0x0800_0000, 0x1_0000],
  GIC_CPU: [0x0801_0000, 0x1_0000],
  GIC_V2M: [0x0802_0000, 0x1000],
  GIC_HYP: [0x0803_0000, 0x1_0000],
  GIC_VCPU: [0x0804_0000, 0x1_0000],
  GIC_ITS: [0x0808_0000, 0x2_0000],
  GIC_REDIST: [0x080a_0000, 0xf6_0000],
  UART: [0x0900_0000, 0x1000],
  FW_CFG: [0x0902_0000, 0x18],
  ACPI_GED: [0x0908_0000, 0x4],
  MMIO: [0x0a00_0000, 0x200],
  PLATFORM_BUS: [0x0c00_0000, 0x200_0000],
  PCIE_MMIO: [0x1000_0000, 0x2eff_0000],
  PCIE_PIO: [0x3eff_0000, 0x1_0000],
  MEM: [0x4000_0000, 0],
} as const;

/**
 * The high regions virt_set_memmap places above RAM: from 256 GiB (LEGACY_RAMLIMIT_GB 255 above
 * the RAM base) while RAM ends below it, each aligned to its size: the second GICv3
 * redistributor region (64 MiB), the high ECAM (256 MiB) and the high PCIe MMIO window (512 GiB).
 */
export const VIRT_HIGH_MEMMAP = {
  GIC_REDIST2: [0x40_0000_0000n, 0x400_0000n],
  PCIE_ECAM: [0x40_1000_0000n, 0x1000_0000n],
  PCIE_MMIO: [0x80_0000_0000n, 0x80_0000_0000n],
} as const;

/** hw/arm/virt.c a15irqmap: SPI numbers (GSI = SPI + 32, ARM_SPI_BASE). */
export const VIRT_IRQ = { UART: 1, PCIE: 3, ACPI_GED: 9, MMIO: 16, GIC_V2M: 48 } as const;
export const ARM_SPI_BASE = 32;
/** NUM_VIRTIO_TRANSPORTS; NUM_GICV2M_SPIS. */
export const VIRT_MMIO_TRANSPORTS = 32;
export const GICV2M_SPIS = 64;
/** Redistributors the low GICv3 region holds (0x20000 bytes each). */
const GICV3_LOW_REDISTS = VIRT_MEMMAP.GIC_REDIST[1] / 0x2_0000;

/** Throws UNSUPPORTED_VM for a shape outside the model. */
export function checkVirtVm(vm: Qemu72VirtVm): void {
  const maxCpus = vm.gicVersion === 2 ? 8 : GICV3_LOW_REDISTS;
  if (!Number.isInteger(vm.cpus) || vm.cpus < 1 || vm.cpus > maxCpus) {
    // GICv2 takes at most 8 CPUs; more than 123 on GICv3 take the second redistributor region, not modelled.
    throw new QemuAcpiError('UNSUPPORTED_VM', `QEMU 7.2 virt ACPI model: ${vm.cpus} CPUs outside 1..${maxCpus} (GICv${vm.gicVersion})`);
  }
  if (!Number.isInteger(vm.memoryMiB) || vm.memoryMiB < 1 || vm.memoryMiB * 0x10_0000 > 254 * GiB) {
    // RAM reaching 255 GiB above its base moves the high regions (virt_set_memmap), which is not modelled.
    throw new QemuAcpiError('UNSUPPORTED_VM', `QEMU 7.2 virt ACPI model: ${vm.memoryMiB} MiB of RAM outside 1 MiB..254 GiB`);
  }
}

/**
 * MPIDR of CPU `i` (hw/arm/virt.c virt_cpu_mp_affinity): CPUs in clusters of 8 (GICv2's target
 * list) or 16 (GICv3's), the index in the cluster in Aff0 and the cluster in Aff1.
 */
export function virtMpidr(vm: Qemu72VirtVm, i: number): bigint {
  const cluster = vm.gicVersion === 2 ? 8 : 16;
  return (BigInt(Math.floor(i / cluster)) << 8n) | BigInt(i % cluster);
}
