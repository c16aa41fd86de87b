/**
 * The disk controllers a QEMU VM boots from (`--disk-interface`): where QEMU puts each one, the
 * device path EDK II's drivers build for it and the boot option BDS registers. Facts measured on
 * real boots of Debian's OVMF 2022.11-6+deb12u2 under QEMU 7.2 (the Boot#### variables the
 * firmware wrote; see test/disk-interfaces.spec.ts), cross-checked with EDK II edk2-stable202211:
 * MdeModulePkg/Library/UefiBootManagerLib/BmBootDescription.c (descriptions),
 * MdeModulePkg/Bus/Pci/NvmExpressDxe, MdeModulePkg/Bus/Ata/AtaAtapiPassThru, MdeModulePkg/Bus/Scsi
 * (device path nodes).
 */
import { devicePathFromText } from '@tcg2sim/uefi';
import type { DevicePath } from '@tcg2sim/uefi';
import type { MachineDescription } from '../machine.ts';
import { comparePciPaths, pciPathText, rootPciPath } from './pci-path.ts';
import type { PciPath } from './pci-path.ts';
import { connectRank } from './boot-order-apply.ts';
import type { DeviceConnection } from './boot-order-apply.ts';

/** How a disk is attached (the CLI's `--disk-interface`). */
export const DISK_INTERFACES = ['virtio', 'nvme', 'sata', 'scsi'] as const;
export type DiskInterface = (typeof DISK_INTERFACES)[number];

/**
 * Where a disk's controller sits and the disk on it, when QEMU was told (`bus=`/`addr=`, root
 * ports; libvirt): the controller's PCI location, the SATA port or SCSI target, the NVMe serial.
 * Without it the disk is placed as {@link diskQemuArguments} attaches it.
 */
export interface DiskPlacement {
  readonly pci: PciPath;
  /** AHCI port (SATA) or SCSI target (scsi-id); default the disk's ordinal on its interface. */
  readonly unit?: number;
  /** The NVMe controller's serial (BDS's description names it). */
  readonly serial?: string;
}

/** A disk's interface, and its placement when given. */
export interface AttachedDisk {
  readonly iface: DiskInterface;
  readonly placement?: DiskPlacement;
}

/** How the boot model takes an attached disk: the interface alone (default placement) or with a placement. */
export type DiskSpec = DiskInterface | AttachedDisk;

/** The interface of a disk spec. */
export function diskInterfaceOf(d: DiskSpec): DiskInterface {
  return typeof d === 'string' ? d : d.iface;
}

/**
 * The NVMe controller serial the captures give their first NVMe disk (`-device nvme,serial=…`;
 * the n-th gets `tcg2sim<n>`): BDS's description of an NVMe disk names it, so predict and capture
 * must agree.
 */
export const NVME_SERIAL = 'tcg2sim0';

/** The serial of the `ordinal`-th (0-based) NVMe disk. */
export function nvmeSerial(ordinal: number): string {
  return `tcg2sim${ordinal}`;
}

/**
 * The first PCI slot free for a `-device` without `addr=`: q35 has the host bridge at 0x0, VGA at
 * 0x1 (ICH9 LPC/AHCI/SMBus sit at 0x1F); pc has the host bridge 0x0, PIIX3 0x1, VGA 0x2. Each
 * further controller takes the next slot, in command-line order.
 */
export function firstFreePciSlot(m: MachineDescription): number {
  return m.machine === 'q35' ? 2 : 3;
}

/**
 * Whether QEMU still adds its default CD-ROM: a `-device ide-hd` or `scsi-hd` on the command
 * line clears it (QEMU 7.2 softmmu/vl.c default_list: ide-hd, ide-cd, scsi-hd, scsi-cd …), a
 * virtio-blk or NVMe disk does not (measured: with a SATA or SCSI disk BDS registers no DVD-ROM
 * option and the disk is Boot0001).
 */
export function keepsDefaultCdrom(disks: readonly DiskInterface[]): boolean {
  return !disks.some((d) => d === 'sata' || d === 'scsi');
}

/**
 * QEMU's ATA serial "QM%05d" numbers every IDE unit of every IDE/AHCI bus the board creates, from
 * 1: q35's ICH9 AHCI port p is unit 0 of bus p, so QM0000(2p+1). On pc the PIIX IDE's four units
 * come first (QM00001..QM00004), then the `-device ahci` ports.
 */
function ataSerial(m: MachineDescription, port: number): string {
  const n = (m.machine === 'q35' ? 0 : 4) + 2 * port + 1;
  return `QM${n.toString().padStart(5, '0')}`;
}

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase()}`;
}

/** The controller part of the disk's device path, and BDS's description of its boot option. */
function diskText(m: MachineDescription, iface: DiskInterface, pciPath: PciPath, ordinal: number, serial: string): { description: string; path: string } {
  const pci = pciPathText(pciPath);
  switch (iface) {
    case 'virtio':
      // BmGetBootDescription has no name for a virtio-blk BlockIo: BmGetMiscDescription.
      return { description: 'UEFI Misc Device', path: pci };
    case 'nvme':
      // BmGetNvmeDescription: model, serial, namespace id; QEMU 7.2's namespace 1 has EUI-64 0.
      return { description: `UEFI QEMU NVMe Ctrl ${serial} 1`, path: `${pci}/NVMe(0x1,00-00-00-00-00-00-00-00)` };
    case 'sata':
      // BmGetDescriptionFromDiskInfo (IDENTIFY model "QEMU HARDDISK", serial) on AHCI port
      // `ordinal` (the captures put the n-th SATA disk on port n).
      return { description: `UEFI QEMU HARDDISK ${ataSerial(m, ordinal)} `, path: `${pci}/Sata(${hex(ordinal)},0xFFFF,0x0)` };
    case 'scsi':
      // BmGetDescriptionFromDiskInfo (INQUIRY vendor "QEMU", product "QEMU HARDDISK"), target
      // `ordinal` (the captures' scsi-id), LUN 0.
      return { description: 'UEFI QEMU QEMU HARDDISK ', path: `${pci}/Scsi(${hex(ordinal)},0x0)` };
  }
}

/**
 * QEMU arguments that attach `disks` as predict models them (one `-drive if=none` each, the
 * controllers in command-line order; `snapshot=on` keeps the image file unchanged, which the
 * guest does not see). SATA on q35 uses the built-in AHCI (`ide.<port>`), on pc one `-device ahci`;
 * SCSI one `virtio-scsi-pci` with the n-th disk at scsi-id n.
 */
export function diskQemuArguments(m: 'q35' | 'pc', disks: readonly { readonly file: string; readonly iface: DiskInterface }[]): string[] {
  const args: string[] = [];
  const ordinals = new Map<DiskInterface, number>();
  disks.forEach((d, i) => {
    const ordinal = ordinals.get(d.iface) ?? 0;
    ordinals.set(d.iface, ordinal + 1);
    const id = `tcg2sim-disk${i}`;
    args.push('-drive', `if=none,id=${id},format=raw,snapshot=on,file=${d.file.replaceAll(',', ',,')}`);
    switch (d.iface) {
      case 'virtio':
        args.push('-device', `virtio-blk-pci,drive=${id}`);
        break;
      case 'nvme':
        args.push('-device', `nvme,drive=${id},serial=${nvmeSerial(ordinal)}`);
        break;
      case 'sata':
        if (m === 'pc' && ordinal === 0) args.push('-device', 'ahci,id=tcg2sim-ahci');
        args.push('-device', `ide-hd,drive=${id},bus=${m === 'q35' ? 'ide' : 'tcg2sim-ahci'}.${ordinal}`);
        break;
      case 'scsi':
        if (ordinal === 0) args.push('-device', 'virtio-scsi-pci,id=tcg2sim-scsi');
        args.push('-device', `scsi-hd,drive=${id},bus=tcg2sim-scsi.0,scsi-id=${ordinal},lun=0`);
        break;
    }
  });
  return args;
}

/** The auto-created boot option of an attached disk. */
export interface DiskOption {
  /** The disk's position on the command line (0-based). */
  readonly index: number;
  readonly iface: DiskInterface;
  readonly description: string;
  /** The option's device path: the disk, short of any partition. */
  readonly filePath: DevicePath;
  readonly text: string;
  /** The controller's PCI location; its last node's device; the disk's port or target on it (0 for virtio-blk and NVMe). */
  readonly pci: PciPath;
  readonly slot: number;
  readonly ordinal: number;
}

/**
 * The options of `disks` (given in command-line order) in BDS's order. Each PCI disk controller
 * takes the next free slot (q35's SATA uses the built-in AHCI at 0x1F.2, pc's `-device ahci` a
 * slot). BmEnumerateBootOptions takes removable media (the CD-ROM) first, then fixed disks in
 * BlockIo handle order, which is the order the controllers were connected in: PCI slot order, then
 * port or target (measured: a q35 SATA disk comes after a virtio-scsi one at 0x2 whatever the
 * command line's order; NVMe at 0x2 before virtio-blk at 0x3). BmMakeBootOptionDescriptionUnique
 * then appends " 2", " 3" … to repeated descriptions (measured: two virtio-blk disks are
 * "UEFI Misc Device" and "UEFI Misc Device 2").
 */
export function diskOptions(m: MachineDescription, disks: readonly DiskSpec[], connection: DeviceConnection = { kind: 'all' }): DiskOption[] {
  let slot = firstFreePciSlot(m);
  let sataSlot: number | undefined;
  let scsiSlot: number | undefined;
  const ordinals = new Map<DiskInterface, number>();
  const placed = disks.map((spec, index) => {
    const iface = diskInterfaceOf(spec);
    const given = typeof spec === 'string' ? undefined : spec.placement;
    const ordinal = ordinals.get(iface) ?? 0;
    ordinals.set(iface, ordinal + 1);
    let pci: PciPath;
    if (given !== undefined) pci = given.pci;
    else if (iface === 'sata' && m.machine === 'q35') pci = rootPciPath(0x1f, 2); // the ICH9 AHCI, function 2 at 0x1F
    else if (iface === 'sata') pci = rootPciPath(sataSlot ??= slot++);
    else if (iface === 'scsi') pci = rootPciPath(scsiSlot ??= slot++);
    else pci = rootPciPath(slot++);
    const unit = given?.unit ?? ordinal;
    return { index, iface, pci, unit, ...diskText(m, iface, pci, unit, given?.serial ?? nvmeSerial(ordinal)) };
  });
  placed.sort((a, b) => comparePciPaths(a.pci, b.pci) || a.unit - b.unit);
  // Devices QEMU's bootorder left unconnected have no BlockIo; the connected ones got their
  // handles in connect order (boot-order-apply.ts).
  const connected = placed
    .map((p) => ({ p, rank: connectRank(connection, p.path) }))
    .filter((r): r is { p: (typeof placed)[number]; rank: number } => r.rank !== undefined)
    .sort((a, b) => a.rank - b.rank)
    .map((r) => r.p);
  const seen = new Map<string, number>();
  return connected.map((p) => {
    const n = (seen.get(p.description) ?? 0) + 1;
    seen.set(p.description, n);
    return {
      index: p.index, iface: p.iface, description: n === 1 ? p.description : `${p.description} ${n}`, filePath: devicePathFromText(p.path), text: p.path,
      pci: p.pci, slot: p.pci[p.pci.length - 1]?.device ?? 0, ordinal: p.unit,
    };
  });
}

/** Bus-0 slots the disks' controllers take (q35's SATA uses the built-in AHCI; one virtio-scsi or pc AHCI controller serves all its disks). */
export function diskPciSlotCount(m: 'q35' | 'pc', specs: readonly DiskSpec[]): number {
  const disks = specs.filter((d) => typeof d === 'string' || d.placement === undefined).map(diskInterfaceOf);
  const shared = (iface: DiskInterface): number => (disks.includes(iface) ? 1 : 0);
  return disks.filter((d) => d === 'virtio' || d === 'nvme').length + shared('scsi') + (m === 'pc' ? shared('sata') : 0);
}

/** The prediction's notes about the attached disks' model (nothing for one virtio-blk disk). */
export function attachedDiskNotes(specs: readonly DiskSpec[]): string[] {
  const disks = specs.map(diskInterfaceOf);
  if (disks.length <= 1 && disks.every((d) => d === 'virtio')) return [];
  const notes = [
    `disks: ${disks.join(', ')} (command-line order); loader buffer calibrated per interface for one disk (q35 OVMF_CODE_4M.fd, pc OVMF_CODE.fd)${disks.length > 1 ? ` and for two virtio-blk disks on q35; ${disks.every((d) => d === 'virtio') ? 'this pair is calibrated' : 'other pairs are a guess (ImageLocationInMemory)'}` : ''}`,
  ];
  if (disks.filter((d) => d === 'scsi').length > 1) notes.push('disks: OVMF registered no option for a second virtio-scsi target on a real boot; the model gives it one (not modelled)');
  return notes;
}
