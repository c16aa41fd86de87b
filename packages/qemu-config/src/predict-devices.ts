/**
 * The NICs and disks of a {@link VmDescription} as predict models them: each NIC with its PCI
 * location (root ports and bridges included), `mac=` and `romfile=`; each disk (up to
 * {@link MAX_DISKS}, in creation order) with its controller's location, AHCI port or SCSI target
 * and NVMe serial. Anything of theirs that
 * changes a digest and has no model is a {@link Finding} naming the option.
 */
import { optionRomOf } from './option-roms.ts';
import { propInt, propString } from './option-syntax.ts';
import type { DeviceConfig, Origin, VmDescription } from './vm-description.ts';

/** A NIC as predict takes it (the scenario's `nics[]`). */
export interface PredictNic {
  readonly model: 'virtio-net-pci' | 'e1000' | 'e1000e';
  /** `PciRoot(0x0)/Pci(0x1,0x0)/Pci(0x0,0x0)`. */
  readonly pciPath: string;
  readonly mac?: string;
  /** The ROM file QEMU loads when `romfile=` names one (a path when found). */
  readonly romfile?: string;
}

/** A disk as predict takes it (the scenario's `disk` for the first, `moreDisks[]` for the others). */
export interface PredictDisk {
  /** The raw image. */
  readonly file: string;
  readonly iface: 'virtio' | 'nvme' | 'sata' | 'scsi';
  readonly placement: { readonly pci: string; readonly unit?: number; readonly serial?: string };
}

interface FindingSink {
  push(f: { origin: Origin; reason: string }): void;
}

const NIC_MODELS = new Set(['virtio-net-pci', 'e1000', 'e1000e']);

/** The NICs of `d` in creation order, findings for what is not modelled. */
export function nicsOf(d: VmDescription, findings: FindingSink): PredictNic[] {
  const out: PredictNic[] = [];
  for (const dev of d.devices) {
    if (dev.kind !== 'nic') continue;
    if (!NIC_MODELS.has(dev.driver)) {
      findings.push({ origin: dev.origin, reason: `NIC model ${dev.driver} is not modelled (virtio-net-pci, e1000 and e1000e are: their iPXE option ROM is measured in PCR2)` });
      continue;
    }
    if (dev.pci === undefined) continue;
    if (dev.romfile === '' || dev.rombar === 0) {
      findings.push({ origin: dev.origin, reason: `${dev.romfile === '' ? 'romfile=""' : 'rombar=0'}: without an option ROM BAR the NIC is left to OVMF's own drivers (VirtioNetDxe for virtio-net), not modelled` });
      continue;
    }
    const mac = propString(dev.props, 'mac');
    if (mac !== undefined && !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) {
      findings.push({ origin: dev.origin, reason: `mac=${mac} is not six hex bytes` });
      continue;
    }
    let romfile: string | undefined;
    if (dev.romfile !== undefined) {
      const rom = optionRomOf(dev, d);
      if (rom?.path === undefined) {
        findings.push({ origin: dev.origin, reason: `romfile=${dev.romfile}: not found where QEMU looks (-L directories, its data directories)` });
        continue;
      }
      romfile = rom.path;
    }
    out.push({ model: dev.driver as PredictNic['model'], pciPath: dev.pci.devicePath, ...(mac !== undefined ? { mac: mac.toLowerCase() } : {}), ...(romfile !== undefined ? { romfile } : {}) });
  }
  return out;
}

/** The controller a non-PCI disk hangs off (`bus=ID.N`), with N. */
function controllerOf(dev: DeviceConfig, d: VmDescription): { ctrl: DeviceConfig | undefined; n: number | undefined } {
  const bus = dev.busProperty;
  const m = bus === undefined ? undefined : /^(.+)\.(\d{1,3})$/.exec(bus);
  if (m?.[1] === undefined || m[2] === undefined) return { ctrl: undefined, n: undefined };
  const id = m[1];
  const n = Number(m[2]);
  // q35's built-in AHCI is `ide` (bus ide.0 … ide.5); pc's PIIX IDE is `ide` too (not AHCI).
  if (id === 'ide') return { ctrl: d.devices.find((x) => x.driver === (d.machine.family === 'q35' ? 'ich9-ahci' : 'piix3-ide') && x.implicit), n };
  return { ctrl: d.devices.find((x) => x.id === id), n };
}

/** Why a disk device is not modelled, or its interface, placement and file. */
function diskOf(dev: DeviceConfig, d: VmDescription): PredictDisk | string {
  const pciOf = (x: DeviceConfig | undefined): string | undefined => x?.pci?.devicePath;
  let iface: PredictDisk['iface'];
  let placement: PredictDisk['placement'];
  const w = dev.origin.text;
  switch (dev.driver) {
    case 'virtio-blk-pci': {
      const pci = pciOf(dev);
      if (pci === undefined) return 'a virtio-blk disk without a PCI address';
      iface = 'virtio';
      placement = { pci };
      break;
    }
    case 'nvme': {
      const pci = pciOf(dev);
      const serial = propString(dev.props, 'serial');
      if (pci === undefined || serial === undefined) return 'an NVMe disk without serial= (QEMU 7.2 refuses it; BDS names the serial in the boot option)';
      if (dev.props['namespace'] !== undefined || d.devices.some((x) => x.driver === 'nvme-ns')) return 'NVMe namespaces (nvme-ns) are not modelled';
      iface = 'nvme';
      placement = { pci, serial };
      break;
    }
    case 'ide-hd': {
      const { ctrl, n } = controllerOf(dev, d);
      const builtIn = ctrl?.driver === 'ich9-ahci' && ctrl.implicit;
      const pcAhci = d.machine.family === 'pc' && ctrl?.driver === 'ahci' && d.devices.filter((x) => x.driver === 'ahci' || x.driver === 'ich9-ahci').length === 1;
      if (ctrl === undefined || n === undefined || (!builtIn && !pcAhci) || pciOf(ctrl) === undefined) {
        return `a SATA disk ${dev.busProperty !== undefined ? `on ${dev.busProperty} ` : 'without bus= '}is not modelled (on q35 the built-in AHCI's ide.N ports are, on pc one -device ahci's)`;
      }
      iface = 'sata';
      placement = { pci: pciOf(ctrl) ?? '', unit: n };
      break;
    }
    case 'scsi-hd': {
      const { ctrl } = controllerOf(dev, d);
      if (ctrl === undefined || !/^virtio-scsi-pci/.test(ctrl.driver) || pciOf(ctrl) === undefined) return 'a SCSI disk not on a virtio-scsi-pci controller (bus=ID.0) is not modelled';
      const lun = propInt(dev.props, 'lun', w, 16383) ?? 0;
      const target = propInt(dev.props, 'scsi-id', w, 255);
      if (lun !== 0 || target === undefined) return 'a SCSI disk needs scsi-id=N and LUN 0 to be modelled (the target is in its device path)';
      iface = 'scsi';
      placement = { pci: pciOf(ctrl) ?? '', unit: target };
      break;
    }
    default:
      return `disks on ${dev.driver} are not modelled (BDS creates a boot option for each disk: PCR1)`;
  }
  const file = dev.drive?.filename;
  if (file === undefined) return 'a disk without an image file';
  if (dev.drive?.format !== 'raw') return `a ${dev.drive?.format ?? 'probed (no format=)'} image is not modelled (predict reads raw images; give format=raw)`;
  return { file, iface, placement };
}

/** Disks predict models in one VM (the scenario's `disk` and at most 7 `moreDisks`). */
export const MAX_DISKS = 8;

/** The disks of `d` that BDS sees in creation order, findings for what is not modelled; the default empty CD-ROM is noted. */
export function disksOf(d: VmDescription, findings: FindingSink): { disks: PredictDisk[]; cdrom: boolean } {
  const disks: PredictDisk[] = [];
  let cdrom = false;
  for (const dev of d.devices) {
    if (dev.kind !== 'disk') continue;
    if (dev.driver === 'ide-cd' && dev.implicit && dev.drive === undefined) {
      cdrom = true;
      continue;
    }
    const r = diskOf(dev, d);
    if (typeof r === 'string') findings.push({ origin: dev.origin, reason: r });
    else if (disks.length >= MAX_DISKS) findings.push({ origin: dev.origin, reason: `a disk beyond the ${MAX_DISKS}th is not modelled` });
    else if (r.iface === 'scsi' && disks.some((x) => x.iface === 'scsi')) findings.push({ origin: dev.origin, reason: 'a second SCSI disk is not modelled (on a real boot OVMF registered no boot option for a second virtio-scsi target)' });
    else if (disks.some((x) => x.placement.pci === r.placement.pci && x.placement.unit === r.placement.unit)) findings.push({ origin: dev.origin, reason: `a second disk at ${r.placement.pci}${r.placement.unit !== undefined ? ` unit ${r.placement.unit}` : ''} (QEMU refuses it)` });
    else disks.push(r);
  }
  return { disks, cdrom };
}

/** A PCI device besides the NICs and the disks, as predict takes it. */
export interface PredictDevice {
  readonly driver: string;
  readonly pciPath: string;
}

/**
 * The VM's other PCI devices whose drivers' allocations move boot-file buffers: everything on PCI
 * that the command line adds (not the machine's built-in functions nor QEMU's default VGA, which
 * the calibration includes), other than NICs, the disks and their controllers.
 */
export function otherDevicesOf(d: VmDescription, disks: readonly PredictDisk[]): PredictDevice[] {
  const diskPci = new Set(disks.map((x) => x.placement.pci));
  return d.devices.flatMap((dev) => {
    if (dev.pci === undefined || dev.implicit || dev.kind === 'nic') return [];
    if (diskPci.has(dev.pci.devicePath)) return [];
    return [{ driver: dev.driver, pciPath: dev.pci.devicePath }];
  });
}
