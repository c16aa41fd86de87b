/**
 * The VM shapes the QEMU 7.2 ACPI model covers: `-machine q35|pc` (pc-q35-7.2, pc-i440fx-7.2)
 * with the TCG default CPU, one socket, a TPM (tpm-tis or tpm-crb), optionally smm=on, the
 * PM device's disable_s3/disable_s4, QEMU's default devices (VGA, parallel port, floppy drive
 * on pc, the serial port of -serial) or -nodefaults, and PCI devices as {@link Qemu72PciState}
 * describes them (./pci-state.ts).
 */
import { QemuAcpiError } from './errors.ts';
import type { DsdtShape } from './dsdt/shape.ts';
import { checkPciState } from './pci-state.ts';
import type { Qemu72PciState } from './pci-state.ts';

/** COM1: absent, the machine's (-serial), or an isa-serial -device created after / before -device tpm-tis. */
export type SerialPort = boolean | 'device-after-tpm' | 'device-before-tpm';

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
  /** `-m`, MiB. */
  readonly memoryMiB: number;
  readonly tpm: 'tis' | 'crb';
  readonly chipset: Qemu72ChipsetState;
  /**
   * The firmware negotiated SMI-based CPU hotplug before reading the blobs (OVMF's SMM builds on
   * q35 with smm=on: etc/smi/requested-features); QEMU then builds other CPU hotplug AML.
   */
  readonly smiCpuHotplug?: boolean;
  /** `-machine …,smm=off` (TCG's default is on): the FADT has no SMI command port. */
  readonly smmDisabled?: boolean;
  /** `disable_s3=1`, `disable_s4=1` on the PM device (ICH9-LPC, PIIX4_PM). */
  readonly s3Disabled?: boolean;
  readonly s4Disabled?: boolean;
  /** QEMU's default devices (default true; false for -nodefaults). */
  readonly defaultDevices?: boolean;
  /**
   * A serial port, COM1 (-serial; default: with the default devices), or `isa-serial` given as
   * -device, created after or before `-device tpm-tis`: QEMU describes the ISA devices given as
   * -device first, newest first, then the machine's own (keyboard, mouse, …, -serial's COM1, RTC).
   */
  readonly serialPort?: SerialPort;
  /** PCI devices beyond the chipset's and the default VGA, and the 64-bit window the firmware left (default: none). */
  readonly pci?: Qemu72PciState;
}

const MiB = 1 << 20;

/** QEMU 7.2's RAM below and above 4 GiB (q35: all below up to 0xB0000000, else 2 GiB; pc: up to 0xE0000000, else 3 GiB). */
export function ramSplit(machine: 'q35' | 'pc', memoryMiB: number): { belowFourG: number; aboveFourG: bigint } {
  const ram = BigInt(memoryMiB) * BigInt(MiB);
  const [limit, low] = machine === 'q35' ? [0xb000_0000n, 0x8000_0000n] : [0xe000_0000n, 0xc000_0000n];
  return ram >= limit ? { belowFourG: Number(low), aboveFourG: ram - low } : { belowFourG: Number(ram), aboveFourG: 0n };
}

/** Throws UNSUPPORTED_VM for a shape outside the model; else what the DSDT depends on. */
export function checkVm(vm: Qemu72AcpiVm): DsdtShape {
  const max = vm.maxCpus ?? vm.cpus;
  if (!Number.isInteger(vm.cpus) || vm.cpus < 1 || !Number.isInteger(max) || max < vm.cpus || max > 254) {
    // APIC IDs from 255 on take x2APIC MADT entries, which the model does not build.
    throw new QemuAcpiError('UNSUPPORTED_VM', `QEMU 7.2 ACPI model: ${vm.cpus} CPUs (maxcpus ${max}) outside 1..254`);
  }
  if (!Number.isInteger(vm.memoryMiB) || vm.memoryMiB < 1 || vm.memoryMiB > 1 << 24) {
    throw new QemuAcpiError('UNSUPPORTED_VM', `QEMU 7.2 ACPI model: ${vm.memoryMiB} MiB of RAM outside 1 MiB..16 TiB`);
  }
  if (!Number.isInteger(vm.chipset.pmBase) || vm.chipset.pmBase < 0 || vm.chipset.pmBase > 0xffc0) {
    throw new QemuAcpiError('UNSUPPORTED_VM', `QEMU 7.2 ACPI model: PM base 0x${vm.chipset.pmBase.toString(16)} is not an I/O port block`);
  }
  if (vm.machine === 'pc' && vm.chipset.pciExpressBase !== undefined) {
    throw new QemuAcpiError('UNSUPPORTED_VM', 'QEMU 7.2 ACPI model: the pc machine has no PCIEXBAR');
  }
  if (vm.smmDisabled === true && vm.smiCpuHotplug === true) throw new QemuAcpiError('UNSUPPORTED_VM', 'QEMU 7.2 ACPI model: SMI features without SMM');
  if (vm.machine === 'pc' && vm.smiCpuHotplug === true) {
    throw new QemuAcpiError('UNSUPPORTED_VM', 'QEMU 7.2 ACPI model: the pc machine offers no SMI features');
  }
  const defaults = vm.defaultDevices ?? true;
  const pci = checkPciState(vm.machine, defaults, vm.pci);
  return {
    pci,
    cpus: vm.cpus, possibleCpus: max, ...ramSplit(vm.machine, vm.memoryMiB), tpm: vm.tpm, smi: vm.smiCpuHotplug ?? false,
    s3: !(vm.s3Disabled ?? false), s4: !(vm.s4Disabled ?? false), defaults, serial: vm.serialPort ?? defaults,
    pmBase: vm.chipset.pmBase, ...(vm.chipset.pciExpressBase !== undefined ? { pciExpressBase: vm.chipset.pciExpressBase } : {}),
  };
}
