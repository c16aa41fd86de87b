import type { Qemu72PciState } from '../pci-state.ts';
import type { SerialPort } from '../vm.ts';

/** What QEMU 7.2's DSDT depends on, for the VMs the model covers. */
export interface DsdtShape {
  readonly cpus: number;
  readonly possibleCpus: number;
  /** RAM below 4 GiB and above it (QEMU's split), in bytes. */
  readonly belowFourG: number;
  readonly aboveFourG: bigint;
  readonly tpm: 'tis' | 'crb';
  /** OVMF negotiated SMI-based CPU hotplug (an SMM build on smm=on). */
  readonly smi: boolean;
  readonly s3: boolean;
  readonly s4: boolean;
  /** QEMU's default devices (no -nodefaults): VGA, a parallel port, pc's floppy drive. */
  readonly defaults: boolean;
  /** A serial port (COM1): see Qemu72AcpiVm.serialPort. */
  readonly serial: SerialPort;
  readonly pmBase: number;
  readonly pciExpressBase?: number;
  /** The PCI devices (checked) and the firmware's 64-bit window. */
  readonly pci: Qemu72PciState;
}
