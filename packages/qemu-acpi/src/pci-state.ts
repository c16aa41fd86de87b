/**
 * The PCI devices a QEMU 7.2 VM has beyond the chipset's own functions and the default VGA, as
 * far as QEMU's ACPI tables show them: the functions on bus 0 (q35: a Device per slot's function 0
 * and per PCI Express root port, each root port with ACPI PCI hotplug for its one slot; pc: every
 * slot of bus 0 is described the same with or without a single-function hot-pluggable device) and
 * the 64-bit window the firmware's BARs and bridge windows decode on bus 0, which moves
 * `_SB.PCI0._CRS`'s 64-bit range (QEMU's `pci_hole64_start`/`end` with `pci_hole64_fix`).
 * What sits behind a root port does not show: its slot 0 reads the same populated or not, as
 * long as it is one hot-pluggable endpoint (the caller's check).
 */
import { QemuAcpiError } from './errors.ts';

/** A function on bus 0. */
export interface Qemu72PciFunction {
  readonly slot: number;
  readonly fn: number;
  /** A pcie-root-port (q35 only). */
  readonly rootPort?: boolean;
}

/** The PCI state QEMU reads when it builds the tables. */
export interface Qemu72PciState {
  /** The functions on bus 0 beyond the chipset's and the default VGA, in creation (command-line) order. */
  readonly rootBus: readonly Qemu72PciFunction[];
  /** [base, limit] of the 64-bit BARs and 64-bit prefetchable windows decoding on bus 0; undefined: none. */
  readonly w64?: { readonly base: bigint; readonly limit: bigint };
}

const NONE: Qemu72PciState = { rootBus: [] };

/** Throws UNSUPPORTED_VM for a state outside the model; else the state (none: empty). */
export function checkPciState(machine: 'q35' | 'pc', defaults: boolean, pci: Qemu72PciState | undefined): Qemu72PciState {
  if (pci === undefined) return NONE;
  const taken = (slot: number): boolean => machine === 'q35' ? slot === 0 || slot === 0x1f || (defaults && slot === 1) : slot <= 1 || (defaults && slot === 2);
  const seen = new Set<number>();
  for (const f of pci.rootBus) {
    const where = `00:${f.slot.toString(16).padStart(2, '0')}.${f.fn}`;
    const refuse = (why: string): QemuAcpiError => new QemuAcpiError('UNSUPPORTED_VM', `QEMU 7.2 ACPI model: the PCI function at ${where}: ${why}`);
    if (!Number.isInteger(f.slot) || f.slot < 0 || f.slot > 31 || !Number.isInteger(f.fn) || f.fn < 0 || f.fn > 7) throw refuse('not a PCI location');
    if (taken(f.slot) || seen.has(f.slot * 8 + f.fn)) throw refuse('the slot is taken');
    seen.add(f.slot * 8 + f.fn);
    if (machine === 'pc' && (f.fn !== 0 || f.rootPort === true)) throw refuse('only single-function endpoints are modelled on the pc machine');
  }
  if (machine === 'pc') {
    for (const f of pci.rootBus) if (pci.rootBus.some((g) => g.slot === f.slot && g.fn !== 0)) throw new QemuAcpiError('UNSUPPORTED_VM', 'QEMU 7.2 ACPI model: multi-function slots on the pc machine');
  }
  const w = pci.w64;
  if (w !== undefined && (w.base < 1n << 32n || w.limit < w.base || w.limit >= 1n << 52n)) {
    throw new QemuAcpiError('UNSUPPORTED_VM', `QEMU 7.2 ACPI model: 64-bit window [0x${w.base.toString(16)}, 0x${w.limit.toString(16)}] is not above 4 GiB`);
  }
  return pci;
}
