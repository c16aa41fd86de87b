/**
 * The VM shapes the QEMU 7.2 ACPI model covers: `-machine q35|pc` (pc-q35-7.2, pc-i440fx-7.2)
 * with the TCG default CPU, one socket, a TPM (tpm-tis or tpm-crb), optionally smm=on, the
 * PM device's disable_s3/disable_s4, QEMU's default devices or -nodefaults, and no other device.
 */
import { QemuAcpiError } from './errors.ts';

/** The chipset state the firmware left when it first read the blobs (QEMU builds them then). */
export interface Qemu72ChipsetState {
  /** ACPI PM I/O base: ICH9 PMBASE (q35) or PIIX4 PMBA (pc). */
  readonly pmBase: number;
  /** q35: the MMCONFIG base PCIEXBAR enables (256 MiB), undefined when disabled (no MCFG). */
  readonly pciExpressBase?: number;
}

/** One VM. */
export interface Qemu72AcpiVm {
  readonly machine: 'q35' | 'pc';
  /** vCPUs present at start. */
  readonly cpus: number;
  /** Possible vCPUs (`-smp N,maxcpus=M`); default `cpus`. */
  readonly maxCpus?: number;
  readonly tpm: 'tis' | 'crb';
  readonly chipset: Qemu72ChipsetState;
}

/** Throws UNSUPPORTED_VM for a shape outside the model. */
export function checkVm(vm: Qemu72AcpiVm): void {
  const max = vm.maxCpus ?? vm.cpus;
  if (!Number.isInteger(vm.cpus) || vm.cpus < 1 || !Number.isInteger(max) || max < vm.cpus || max > 254) {
    // APIC IDs from 255 on take x2APIC MADT entries, which the model does not build.
    throw new QemuAcpiError('UNSUPPORTED_VM', `QEMU 7.2 ACPI model: ${vm.cpus} CPUs (maxcpus ${max}) outside 1..254`);
  }
  if (!Number.isInteger(vm.chipset.pmBase) || vm.chipset.pmBase < 0 || vm.chipset.pmBase > 0xffc0) {
    throw new QemuAcpiError('UNSUPPORTED_VM', `QEMU 7.2 ACPI model: PM base 0x${vm.chipset.pmBase.toString(16)} is not an I/O port block`);
  }
  if (vm.machine === 'pc' && vm.chipset.pciExpressBase !== undefined) {
    throw new QemuAcpiError('UNSUPPORTED_VM', 'QEMU 7.2 ACPI model: the pc machine has no PCIEXBAR');
  }
}
