/**
 * Which PCI slot on bus 0 QEMU gives a `-device` without `addr=`: the first free one, after the
 * devices the machine itself creates. On the VMs modelled here (default VGA, `-net none`, no
 * other PCI devices): q35 has the MCH at 00.0 and VGA at 01.0 (the ICH9 functions sit at 1f.x),
 * pc has the i440FX at 00.0, PIIX3 at 01.x and VGA at 02.0. The first NIC is 02.0 on q35 (seen
 * in real captures: PciRoot(0x0)/Pci(0x2,0x0)) and 03.0 on pc. Arm's virt has only its GPEX host
 * bridge's root function at 00.0 and no default VGA: the first NIC is 01.0 (real captures of
 * ArmVirtQemu: PciRoot(0x0)/Pci(0x1,0x0)).
 */
import { VmmError } from './errors.ts';

/** The machine types modelled. */
export type MachineType = 'q35' | 'pc' | 'virt';

/** The first slot free for command-line devices. */
export const FIRST_FREE_SLOT: Readonly<Record<MachineType, number>> = { q35: 0x02, pc: 0x03, virt: 0x01 };

/** The slot of the `index`-th command-line PCI device. */
export function pciSlot(machine: MachineType, index: number): number {
  const slot = FIRST_FREE_SLOT[machine] + index;
  // q35 reserves 1f (ICH9 LPC, SATA, SMBus); 20 and above do not exist.
  if (slot >= (machine === 'q35' ? 0x1f : 0x20)) throw new VmmError('NO_PCI_SLOT', `no free PCI slot for device ${index + 1} on ${machine}`);
  return slot;
}
