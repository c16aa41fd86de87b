/**
 * Firmware, block images, devices and the TPM of a command line, with the devices QEMU 7.2 adds
 * by itself (the machine's built-in functions, default VGA, NIC and CD-ROM) and every PCI
 * function placed (pci-topology.ts). Creation order, which decides automatic slots: built-in
 * devices, the VGA, NICs from -nic/-net (machine init), then -device options in key=value form,
 * the virtio-blk devices -drive if=virtio implies, and last the JSON -device options (QEMU keeps
 * those in a separate list it creates after the others).
 */
import { QemuConfigError } from './errors.ts';
import { defaultNicModel, deviceModel, VGA_DEVICES } from './device-catalog.ts';
import { optionText, propBool, propInt, propString } from './option-syntax.ts';
import type { PropObject, PropValue } from './option-syntax.ts';
import { PciTopology } from './pci-topology.ts';
import { legacyNics } from './net-options.ts';
import type { WalkedOption } from './parse-argv.ts';
import type { BlockImage, DeviceConfig, Firmware, MachineConfig, Origin, TpmConfig } from './vm-description.ts';
import { virtDeviceRequests } from './virt-devices.ts';

function origin(o: WalkedOption): Origin {
  return { text: optionText(o), offset: o.offset };
}

function where(o: WalkedOption): string {
  return `${optionText(o)} (offset ${o.offset})`;
}

/** Resolves -blockdev node names down to the file QEMU opens. */
class BlockNodes {
  private readonly nodes = new Map<string, { props: PropObject; option: WalkedOption }>();
  add(o: WalkedOption): void {
    const name = propString(o.props, 'node-name');
    if (name === undefined) throw new QemuConfigError('BAD_OPTION', `${where(o)}: no node-name`, { where: where(o), offset: o.offset });
    if (this.nodes.has(name)) throw new QemuConfigError('BAD_OPTION', `${where(o)}: node-name ${name} given twice`, { where: where(o), offset: o.offset });
    this.nodes.set(name, { props: o.props, option: o });
  }
  has(name: string): boolean {
    return this.nodes.has(name);
  }
  resolve(name: string, w: string): BlockImage {
    const n = this.nodes.get(name);
    if (n === undefined) throw new QemuConfigError('BAD_OPTION', `${w}: no -blockdev node-name ${name}`, { where: w });
    const img = this.image(n.props, w, 0);
    return { ...img, id: name, origin: origin(n.option) };
  }
  private image(p: PropObject, w: string, depth: number): Omit<BlockImage, 'id' | 'origin'> {
    if (depth > 8) throw new QemuConfigError('BAD_OPTION', `${w}: -blockdev chain deeper than 8`, { where: w });
    const driver = propString(p, 'driver');
    const readOnly = propBool(p, 'read-only', w) ?? false;
    if (driver === 'file' || driver === 'host_device') return { filename: propString(p, 'filename'), format: undefined, readOnly };
    const file: PropValue | undefined = p['file'];
    let inner: Omit<BlockImage, 'id' | 'origin'>;
    if (typeof file === 'string') {
      const n = this.nodes.get(file);
      if (n === undefined) throw new QemuConfigError('BAD_OPTION', `${w}: no -blockdev node-name ${file}`, { where: w });
      inner = this.image(n.props, w, depth + 1);
    } else if (typeof file === 'object') inner = this.image(file, w, depth + 1);
    else {
      const flat = propString(p, 'file.filename');
      inner = { filename: flat, format: undefined, readOnly };
    }
    return { filename: inner.filename, format: driver, readOnly: readOnly || inner.readOnly };
  }
}

function driveImage(o: WalkedOption): BlockImage {
  const w = where(o);
  return {
    filename: propString(o.props, 'file'),
    format: propString(o.props, 'format'),
    readOnly: (propBool(o.props, 'readonly', w) ?? false) || propString(o.props, 'read-only') === 'on',
    id: propString(o.props, 'id'),
    origin: origin(o),
  };
}

export interface BuiltDevices {
  readonly firmware: Firmware;
  readonly tpm: TpmConfig | undefined;
  readonly devices: DeviceConfig[];
}

const DEFAULT: Origin = { text: '(added by QEMU)', offset: undefined };

function builtIn(m: MachineConfig): Array<{ driver: string; addr: string }> {
  if (m.family === 'q35') {
    const usb = m.usb ? [['ich9-usb-ehci1', '1d.7'], ['ich9-usb-uhci1', '1d.0'], ['ich9-usb-uhci2', '1d.1'], ['ich9-usb-uhci3', '1d.2']] : [];
    return [['mch', '0'], ['ICH9-LPC', '1f.0'], ['ich9-ahci', '1f.2'], ['ICH9-SMB', '1f.3'], ...usb].map(([driver = '', addr = '']) => ({ driver, addr }));
  }
  const usb = m.usb ? [['piix3-usb-uhci', '1.2']] : [];
  return [['i440FX', '0'], ['PIIX3', '1.0'], ['piix3-ide', '1.1'], ...usb, ['PIIX4_PM', '1.3']].map(([driver = '', addr = '']) => ({ driver, addr }));
}

export interface DeviceRequest {
  readonly driver: string;
  readonly props: PropObject;
  readonly origin: Origin;
  readonly implicit: boolean;
  readonly drive?: BlockImage;
}

/**
 * @throws QemuConfigError('BAD_OPTION')
 */
export function buildDevices(opts: readonly WalkedOption[], m: MachineConfig): BuiltDevices {
  const nodes = new BlockNodes();
  for (const o of opts) if (o.name === '-blockdev') nodes.add(o);
  const drives = new Map<string, BlockImage>();
  const pflash: Array<BlockImage | undefined> = [];
  const virtioDrives: DeviceRequest[] = [];
  const otherDisks: DeviceRequest[] = [];
  for (const o of opts) {
    if (o.name === '-pflash' && o.raw !== undefined) pflash.push({ filename: o.raw, format: undefined, readOnly: false, id: undefined, origin: origin(o) });
    if (o.name !== '-drive') continue;
    const img = driveImage(o);
    // -drive without if=: the machine's default block interface (virt: virtio, PC machines: IDE)
    const iface = propString(o.props, 'if') ?? (m.family === 'virt' ? 'virtio' : 'ide');
    if (img.id !== undefined) {
      if (drives.has(img.id) || nodes.has(img.id)) throw new QemuConfigError('BAD_OPTION', `${where(o)}: drive id ${img.id} given twice`, { where: where(o), offset: o.offset });
      drives.set(img.id, img);
    }
    if (iface === 'pflash') {
      const unit = propInt(o.props, 'unit', where(o), 7) ?? pflash.length;
      pflash[unit] = img;
    } else if (iface === 'virtio') virtioDrives.push({ driver: 'virtio-blk-pci', props: {}, origin: origin(o), implicit: true, drive: img });
    else if (iface !== 'none') {
      const cd = propString(o.props, 'media') === 'cdrom';
      otherDisks.push({ driver: iface === 'scsi' ? (cd ? 'scsi-cd' : 'scsi-hd') : iface === 'floppy' ? 'floppy' : cd ? 'ide-cd' : 'ide-hd', props: {}, origin: origin(o), implicit: true, drive: img });
    }
  }
  const firmware = firmwareOf(opts, m, nodes, pflash);
  if (m.family === 'virt') {
    // virt's PCIe devices on its GPEX root bus pcie.0 (slot 0 is the host bridge's own function)
    const virtTopo = new PciTopology('virt');
    const virtDevices = virtDeviceRequests(opts, virtioDrives, otherDisks).map((r) => makeDevice(r, virtTopo, drives, nodes));
    return { firmware, tpm: tpmOf(opts, virtDevices), devices: virtDevices };
  }
  const topo = new PciTopology(m.family);
  const devices: DeviceConfig[] = [];
  const add = (r: DeviceRequest): void => {
    devices.push(makeDevice(r, topo, drives, nodes));
  };
  for (const b of builtIn(m)) add({ driver: b.driver, props: { addr: b.addr }, origin: DEFAULT, implicit: true });
  const nodefaults = opts.some((o) => o.name === '-nodefaults');
  const vgaOpt = opts.findLast((o) => o.name === '-vga');
  const vga = vgaOpt !== undefined ? VGA_DEVICES[vgaOpt.raw ?? ''] : nodefaults ? undefined : 'VGA';
  if (vgaOpt !== undefined && !((vgaOpt.raw ?? '') in VGA_DEVICES)) throw new QemuConfigError('BAD_OPTION', `${where(vgaOpt)}: unknown VGA type`, { where: where(vgaOpt), offset: vgaOpt.offset });
  if (vga !== undefined) add({ driver: vga, props: {}, origin: vgaOpt !== undefined ? origin(vgaOpt) : DEFAULT, implicit: true });
  const { nics, netOptions } = legacyNics(opts);
  for (const n of nics) add({ driver: n.model === 'virtio' ? 'virtio-net-pci' : (n.model ?? defaultNicModel(m.family)), props: n.props, origin: origin(n.option), implicit: true });
  if (!netOptions && !nodefaults) add({ driver: defaultNicModel(m.family), props: {}, origin: DEFAULT, implicit: true });
  const explicit = opts.filter((o) => o.name === '-device');
  for (const o of explicit.filter((x) => !x.json)) add(fromOption(o));
  for (const r of virtioDrives) add(r);
  for (const o of explicit.filter((x) => x.json)) add(fromOption(o));
  for (const r of otherDisks) add(r);
  const hasIdeDrive = otherDisks.some((d) => d.driver.startsWith('ide-'));
  if (!nodefaults && !hasIdeDrive) add({ driver: 'ide-cd', props: { bus: m.family === 'q35' ? 'ide.2' : 'ide.1' }, origin: { text: '(default CD-ROM, no -nodefaults)', offset: undefined }, implicit: true });
  return { firmware, tpm: tpmOf(opts, devices), devices };
}

export function fromOption(o: WalkedOption): DeviceRequest {
  const driver = propString(o.props, 'driver');
  if (driver === undefined || driver === '') throw new QemuConfigError('BAD_OPTION', `${where(o)}: no driver`, { where: where(o), offset: o.offset });
  return { driver, props: o.props, origin: origin(o), implicit: false };
}

function makeDevice(r: DeviceRequest, topo: PciTopology | undefined, drives: ReadonlyMap<string, BlockImage>, nodes: BlockNodes): DeviceConfig {
  const w = r.origin.offset !== undefined ? `${r.origin.text} (offset ${r.origin.offset})` : r.origin.text;
  const model = deviceModel(r.driver);
  const id = propString(r.props, 'id');
  const busProperty = propString(r.props, 'bus');
  const addr = r.props['addr'];
  const onPci = topo !== undefined && (model !== undefined ? model.pci : busProperty !== undefined && topo.hasBus(busProperty));
  const pci = onPci ? topo.place({ driver: r.driver, id, bus: busProperty, addr: typeof addr === 'number' || typeof addr === 'string' ? addr : undefined, where: w }) : undefined;
  let drive = r.drive;
  const driveRef = propString(r.props, 'drive');
  if (drive === undefined && driveRef !== undefined) {
    drive = drives.get(driveRef) ?? (nodes.has(driveRef) ? nodes.resolve(driveRef, w) : undefined);
    if (drive === undefined) throw new QemuConfigError('BAD_OPTION', `${w}: no drive or -blockdev node ${driveRef}`, { where: w });
  }
  return {
    driver: r.driver,
    id,
    kind: model?.kind ?? 'unknown',
    pci,
    busProperty,
    bootindex: propInt(r.props, 'bootindex', w, 0x7fff_ffff),
    romfile: propString(r.props, 'romfile'),
    rombar: propInt(r.props, 'rombar', w, 1),
    drive,
    netdev: propString(r.props, 'netdev'),
    implicit: r.implicit,
    props: r.props,
    origin: r.origin,
  };
}

function firmwareOf(opts: readonly WalkedOption[], m: MachineConfig, nodes: BlockNodes, pflash: Array<BlockImage | undefined>): Firmware {
  const bios = opts.findLast((o) => o.name === '-bios');
  const p0 = m.properties['pflash0'];
  const p1 = m.properties['pflash1'];
  const w = m.origin.text;
  const code = p0 !== undefined ? nodes.resolve(p0, w) : pflash[0];
  const vars = p1 !== undefined ? nodes.resolve(p1, w) : pflash[1];
  if (code !== undefined) {
    if (bios !== undefined) throw new QemuConfigError('BAD_OPTION', `${where(bios)}: -bios and pflash firmware together`, { where: where(bios), offset: bios.offset });
    return { kind: 'pflash', code, vars };
  }
  if (vars !== undefined) throw new QemuConfigError('BAD_OPTION', `${vars.origin.text}: a second pflash unit without the first (the code)`, { where: vars.origin.text });
  if (bios?.raw !== undefined) return { kind: 'bios', file: bios.raw, origin: origin(bios) };
  return { kind: 'default' };
}

function tpmOf(opts: readonly WalkedOption[], devices: readonly DeviceConfig[]): TpmConfig | undefined {
  const tpms = devices.filter((d) => d.kind === 'tpm');
  const first = tpms[0];
  if (first === undefined) return undefined;
  if (tpms.length > 1) throw new QemuConfigError('BAD_OPTION', `${tpms[1]?.origin.text ?? ''}: a second TPM device`, { where: tpms[1]?.origin.text ?? '' });
  const ref = propString(first.props, 'tpmdev');
  const dev = opts.find((o) => o.name === '-tpmdev' && propString(o.props, 'id') === ref);
  if (dev === undefined) throw new QemuConfigError('BAD_OPTION', `${first.origin.text}: no -tpmdev with id ${String(ref)}`, { where: first.origin.text });
  return { model: first.driver, backend: propString(dev.props, 'type') ?? '', origin: first.origin };
}
