/**
 * The <devices> of a libvirt domain as libvirt 9.0 writes them for QEMU 7.2: the controllers it
 * adds on its own (q35: qemu-xhci USB, the built-in SATA controller, virtio-serial for virtio
 * channels, pcie-root-ports; pc: piix3-uhci at 1.2), the virtio memballoon it adds unless
 * model='none', the default video for <graphics> (cirrus), and PCI addresses (pci-assign.ts).
 */
import { QemuConfigError } from '../errors.ts';
import { all, first } from './xml.ts';
import type { XmlElement } from './xml.ts';
import { assignPci } from './pci-assign.ts';
import type { PciWant } from './pci-assign.ts';

/** One device to emit: its -device JSON (bus/addr filled in later when it wants PCI), and extra options before it. */
interface Pending {
  readonly props: Record<string, unknown>;
  readonly before: string[];
  readonly want: PciWant | undefined;
  /** libvirt's address-assignment group (lower first): see pci-assign.ts. */
  readonly group: number;
  /** The order libvirt writes it in on the command line. */
  readonly emit: number;
}

/** The order of libvirt's command-line sections (qemuBuildCommandLine). */
const LINE = { controller: 0, disk: 1, net: 2, serial: 3, channel: 4, tpm: 5, input: 6, video: 7, sound: 8, watchdog: 9, balloon: 10, rng: 11 } as const;

const PCIE_CONTROLLER_DRIVERS: Readonly<Record<string, string>> = {
  'pcie-root-port': 'pcie-root-port', 'pci-bridge': 'pci-bridge', 'dmi-to-pci-bridge': 'i82801b11-bridge', 'pcie-to-pci-bridge': 'pcie-pci-bridge',
  'pcie-switch-upstream-port': 'x3130-upstream', 'pcie-switch-downstream-port': 'xio3130-downstream',
};
const NIC_MODELS: Readonly<Record<string, { driver: string; conventional: boolean }>> = {
  virtio: { driver: 'virtio-net-pci', conventional: false }, e1000e: { driver: 'e1000e', conventional: false }, igb: { driver: 'igb', conventional: false },
  e1000: { driver: 'e1000', conventional: true }, rtl8139: { driver: 'rtl8139', conventional: true }, vmxnet3: { driver: 'vmxnet3', conventional: true },
};
const VIDEO: Readonly<Record<string, [string, string] | undefined>> = {
  vga: ['VGA', 'VGA'], cirrus: ['cirrus-vga', 'cirrus-vga'], qxl: ['qxl-vga', 'qxl'], virtio: ['virtio-vga', 'virtio-gpu-pci'], bochs: ['bochs-display', 'bochs-display'], none: undefined,
};
const USB_MODELS: Readonly<Record<string, { driver: string; conventional: boolean }>> = {
  'qemu-xhci': { driver: 'qemu-xhci', conventional: false }, 'nec-xhci': { driver: 'nec-usb-xhci', conventional: false }, 'piix3-uhci': { driver: 'piix3-usb-uhci', conventional: true },
  'piix4-uhci': { driver: 'piix4-usb-uhci', conventional: true },
};

function explicitPci(e: XmlElement): PciWant['explicit'] {
  const a = first(e, 'address');
  if (a?.attrs['type'] !== 'pci') return undefined;
  const n = (k: string): number => {
    const v = a.attrs[k] ?? '0';
    if (!/^(0x[0-9a-fA-F]{1,4}|\d{1,5})$/.test(v)) throw new QemuConfigError('BAD_XML', `${a.path}: bad ${k} ${JSON.stringify(v)}`, { where: a.path });
    return Number(v);
  };
  const slot = n('slot');
  const fn = n('function');
  if (slot > 31 || fn > 7 || n('bus') > 255 || n('domain') !== 0) throw new QemuConfigError('BAD_XML', `${a.path}: PCI address out of range`, { where: a.path });
  return { bus: n('bus'), slot, fn, multifunction: a.attrs['multifunction'] === 'on' };
}

function bootIndex(e: XmlElement): number | undefined {
  const b = first(e, 'boot')?.attrs['order'];
  if (b === undefined) return undefined;
  if (!/^\d{1,6}$/.test(b)) throw new QemuConfigError('BAD_XML', `${e.path}/boot: order must be a whole number`, { where: e.path });
  return Number(b);
}

/**
 * The device options of `dom` on `family`.
 * @throws QemuConfigError
 */
export function domainDevices(dom: XmlElement, family: 'q35' | 'pc' | 'virt'): string[] {
  const virt = family === 'virt';
  const devs = first(dom, 'devices');
  const os = first(dom, 'os');
  const pending: Pending[] = [];
  let seq = 0;
  /** `line` is libvirt's command-line section: controllers, disks, nets, serial, channels, tpm, inputs, video, sound, watchdog, balloon, rng. */
  const add = (group: number, props: Record<string, unknown>, want: PciWant | undefined, before: string[] = [], line: number = LINE.controller): void => {
    pending.push({ props, before, want, group, emit: line * 10_000 + seq++ });
  };
  const pci = (e: XmlElement, conventional: boolean, fixed?: number): PciWant => ({ explicit: explicitPci(e), conventional, where: e.path, ...(fixed !== undefined ? { fixed: { slot: fixed } } : {}) });
  // <os><boot dev=…> becomes bootindex on the first device of each kind
  const osBoot = all(os, 'boot').map((b) => b.attrs['dev'] ?? '');
  const perDevice = [...all(devs, 'disk'), ...all(devs, 'interface'), ...all(devs, 'hostdev')].some((e) => first(e, 'boot') !== undefined);
  const bootDevs = osBoot.length > 0 || perDevice ? osBoot : ['hd'];
  const disks = all(devs, 'disk');
  const nets = all(devs, 'interface');
  const osIndex = (el: XmlElement): number | undefined => {
    const kinds: Array<[string, XmlElement | undefined]> = [
      ['hd', disks.find((d) => (d.attrs['device'] ?? 'disk') === 'disk')], ['cdrom', disks.find((d) => d.attrs['device'] === 'cdrom')],
      ['fd', disks.find((d) => d.attrs['device'] === 'floppy')], ['network', nets[0]],
    ];
    const i = bootDevs.findIndex((dev) => kinds.find(([k]) => k === dev)?.[1] === el);
    return i < 0 ? undefined : i + 1;
  };
  // controllers: PCI ones from the XML (group 0), others (group 3) with libvirt's implicit ones
  const controllers = all(devs, 'controller');
  let manualPci = false;
  for (const c of controllers.filter((x) => x.attrs['type'] === 'pci')) {
    const model = c.attrs['model'] ?? '';
    if (model === 'pci-root' || model === 'pcie-root') continue;
    manualPci = true;
    const driver = first(c, 'model')?.attrs['name'] ?? PCIE_CONTROLLER_DRIVERS[model];
    if (driver === undefined) throw new QemuConfigError('NOT_MODELLED', `${c.path}: PCI controller model ${JSON.stringify(model)} is not reproduced`, { where: c.path });
    const t = first(c, 'target');
    const props: Record<string, unknown> = { driver };
    if (t?.attrs['port'] !== undefined) props['port'] = Number(t.attrs['port']);
    if (t?.attrs['chassis'] !== undefined) props['chassis'] = Number(t.attrs['chassis']);
    props['id'] = `pci.${c.attrs['index'] ?? ''}`;
    if (explicitPci(c) === undefined) throw new QemuConfigError('NOT_MODELLED', `${c.path}: a PCI controller without <address> (virsh dumpxml shows the one libvirt assigned)`, { where: c.path });
    add(0, props, pci(c, false));
  }
  // nets (group 1)
  nets.forEach((n, i) => {
    const model = first(n, 'model')?.attrs['type'] ?? 'rtl8139';
    const m = NIC_MODELS[model];
    if (m === undefined) throw new QemuConfigError('NOT_MODELLED', `${n.path}: NIC model ${JSON.stringify(model)} is not reproduced`, { where: n.path });
    const props: Record<string, unknown> = { driver: m.driver, netdev: `hostnet${i}`, id: `net${i}` };
    const mac = first(n, 'mac')?.attrs['address'];
    if (mac !== undefined) props['mac'] = mac;
    const rom = first(n, 'rom');
    if (rom?.attrs['bar'] === 'off') props['rombar'] = 0;
    if (rom?.attrs['enabled'] === 'no') props['romfile'] = '';
    else if (rom?.attrs['file'] !== undefined) props['romfile'] = rom.attrs['file'];
    const bi = bootIndex(n) ?? osIndex(n);
    if (bi !== undefined) props['bootindex'] = bi;
    const netdev = n.attrs['type'] === 'user' ? { type: 'user', id: `hostnet${i}` } : { type: 'tap', fd: String(40 + i), id: `hostnet${i}` };
    add(1, props, pci(n, m.conventional), ['-netdev', JSON.stringify(netdev)], LINE.net);
  });
  // sound (group 2)
  for (const [i, s] of all(devs, 'sound').entries()) {
    const model = s.attrs['model'] ?? 'ich6';
    const driver = model === 'ich9' ? 'ich9-intel-hda' : model === 'ich6' ? 'intel-hda' : model === 'ac97' ? 'AC97' : undefined;
    if (driver === undefined) throw new QemuConfigError('NOT_MODELLED', `${s.path}: sound model ${model} is not reproduced`, { where: s.path });
    add(2, { driver, id: `sound${i}` }, pci(s, model !== 'ich9' || family !== 'q35', model === 'ich9' && family === 'q35' ? 0x1b : undefined), [], LINE.sound);
    if (driver !== 'AC97') add(99, { driver: 'hda-duplex', id: `sound${i}-codec0`, bus: `sound${i}.0`, cad: 0, audiodev: 'audio1' }, undefined, [], LINE.sound);
  }
  // device controllers (group 3): explicit ones, then libvirt's own
  const usbCtl = controllers.find((c) => c.attrs['type'] === 'usb');
  // aarch64 virt: no USB controller unless the XML has one (virsh domxml-to-native)
  const usbModel = usbCtl?.attrs['model'] ?? (family === 'q35' ? 'qemu-xhci' : virt ? 'none' : 'piix3-uhci');
  if (usbModel !== 'none') {
    const m = USB_MODELS[usbModel];
    if (m === undefined) throw new QemuConfigError('NOT_MODELLED', `${usbCtl?.path ?? 'domain/devices'}: USB controller ${usbModel} is not reproduced`, { where: usbCtl?.path ?? '' });
    const fixedUhci = usbModel === 'piix3-uhci' && family === 'pc';
    const want: PciWant = fixedUhci ? { explicit: { bus: 0, slot: 1, fn: 2, multifunction: false }, conventional: true, where: 'usb' } : usbCtl !== undefined ? pci(usbCtl, m.conventional) : { explicit: undefined, conventional: m.conventional, where: 'domain/devices (usb controller)' };
    add(3, { driver: m.driver, id: 'usb' }, want);
  }
  const scsiCtl = controllers.find((c) => c.attrs['type'] === 'scsi');
  const scsiDisks = disks.some((d) => first(d, 'target')?.attrs['bus'] === 'scsi');
  if (scsiCtl !== undefined || scsiDisks) {
    const model = scsiCtl?.attrs['model'] ?? 'lsilogic';
    const driver = model === 'virtio-scsi' ? 'virtio-scsi-pci' : model === 'lsilogic' ? 'lsi' : undefined;
    if (driver === undefined) throw new QemuConfigError('NOT_MODELLED', `${scsiCtl?.path ?? 'domain/devices'}: SCSI controller ${model} is not reproduced`, { where: scsiCtl?.path ?? '' });
    add(3, { driver, id: 'scsi0' }, scsiCtl !== undefined ? pci(scsiCtl, driver === 'lsi') : { explicit: undefined, conventional: driver === 'lsi', where: 'scsi controller' });
  }
  const channels = all(devs, 'channel').filter((c) => first(c, 'target')?.attrs['type'] === 'virtio');
  const vsCtl = controllers.find((c) => c.attrs['type'] === 'virtio-serial');
  if (vsCtl !== undefined || channels.length > 0) add(3, { driver: 'virtio-serial-pci', id: 'virtio-serial0' }, vsCtl !== undefined ? pci(vsCtl, false) : { explicit: undefined, conventional: false, where: 'virtio-serial controller' });
  // disks (virtio: group 4; others have no PCI address)
  disks.forEach((d, i) => {
    const target = first(d, 'target');
    const bus = target?.attrs['bus'] ?? 'ide';
    const dev = target?.attrs['dev'] ?? '';
    const device = d.attrs['device'] ?? 'disk';
    const src = first(d, 'source');
    const file = src?.attrs['file'] ?? src?.attrs['dev'];
    const node = `libvirt-${disks.length - i}`;
    const before: string[] = [];
    const props: Record<string, unknown> = {};
    if (file !== undefined) {
      const fmt = first(d, 'driver')?.attrs['type'] ?? 'raw';
      before.push('-blockdev', JSON.stringify({ driver: d.attrs['type'] === 'block' ? 'host_device' : 'file', filename: file, 'node-name': `${node}-storage`, 'auto-read-only': true, discard: 'unmap' }));
      before.push('-blockdev', JSON.stringify({ 'node-name': `${node}-format`, 'read-only': first(d, 'readonly') !== undefined, driver: fmt, file: `${node}-storage` }));
    }
    const unit = dev.length > 2 ? dev.charCodeAt(dev.length - 1) - 'a'.charCodeAt(0) : 0;
    if (bus === 'virtio') Object.assign(props, { driver: 'virtio-blk-pci' });
    else if ((bus === 'sata' || bus === 'ide') && virt) throw new QemuConfigError('NOT_MODELLED', `${d.path}: disk bus ${bus} on aarch64 virt (no IDE/AHCI controller) is not reproduced`, { where: d.path });
    else if (bus === 'sata') Object.assign(props, { driver: device === 'cdrom' ? 'ide-cd' : 'ide-hd', bus: `ide.${unit}` });
    else if (bus === 'ide') Object.assign(props, { driver: device === 'cdrom' ? 'ide-cd' : 'ide-hd', bus: `ide.${Math.floor(unit / 2)}`, unit: unit % 2 });
    else if (bus === 'scsi') Object.assign(props, { driver: device === 'cdrom' ? 'scsi-cd' : 'scsi-hd', bus: 'scsi0.0', 'scsi-id': unit, lun: 0 });
    else if (bus === 'usb') Object.assign(props, { driver: 'usb-storage', bus: 'usb.0' });
    else throw new QemuConfigError('NOT_MODELLED', `${d.path}: disk bus ${bus} is not reproduced`, { where: d.path });
    if (file !== undefined) props['drive'] = `${node}-format`;
    props['id'] = bus === 'virtio' ? `virtio-disk${unit}` : `${bus}0-0-${unit}`;
    const bi = bootIndex(d) ?? osIndex(d);
    if (bi !== undefined) props['bootindex'] = bi;
    add(bus === 'virtio' ? 4 : 99, props, bus === 'virtio' ? pci(d, false) : undefined, before, LINE.disk);
  });
  for (const h of all(devs, 'hostdev')) throw new QemuConfigError('NOT_MODELLED', `${h.path}: host devices are not modelled (their option ROM and boot options change PCR1/PCR2)`, { where: h.path });
  for (const f of all(devs, 'filesystem')) throw new QemuConfigError('NOT_MODELLED', `${f.path}: shared file systems are not modelled`, { where: f.path });
  // serial/console, channels, tpm, inputs (no PCI except virtio inputs: group 10)
  const serial = all(devs, 'serial')[0] ?? all(devs, 'console').find((c) => (first(c, 'target')?.attrs['type'] ?? 'serial') === 'serial');
  // virt's serial port is its built-in PL011: -serial chardev:… (virsh domxml-to-native)
  if (serial !== undefined && virt) pending.push({ props: {}, before: ['-chardev', 'pty,id=charserial0', '-serial', 'chardev:charserial0'], want: undefined, group: 99, emit: LINE.serial * 10_000 + seq++ });
  else if (serial !== undefined) add(99, { driver: 'isa-serial', chardev: 'charserial0', id: 'serial0', index: 0 }, undefined, ['-chardev', 'pty,id=charserial0'], LINE.serial);
  channels.forEach((c, i) => add(99, { driver: 'virtserialport', bus: 'virtio-serial0.0', nr: i + 1, chardev: `charchannel${i}`, id: `channel${i}`, name: first(c, 'target')?.attrs['name'] ?? '' }, undefined, ['-chardev', `socket,id=charchannel${i},fd=${50 + i},server=on,wait=off`], LINE.channel));
  for (const t of all(devs, 'tpm')) {
    const backend = first(t, 'backend');
    const before = backend?.attrs['type'] === 'passthrough'
      ? ['-tpmdev', `passthrough,id=tpm-tpm0,path=${first(backend, 'device')?.attrs['path'] ?? '/dev/tpm0'},cancel-path=/sys/class/tpm/tpm0/device/cancel`]
      : ['-chardev', 'socket,id=chrtpm,path=/run/libvirt/qemu/swtpm/tpm.sock', '-tpmdev', 'emulator,id=tpm-tpm0,chardev=chrtpm'];
    // on virt libvirt writes model tpm-tis as the sysbus tpm-tis-device
    const model = t.attrs['model'] ?? 'tpm-tis';
    add(99, { driver: virt && model === 'tpm-tis' ? 'tpm-tis-device' : model, tpmdev: 'tpm-tpm0', id: 'tpm0' }, undefined, before, LINE.tpm);
  }
  let usbPort = 1;
  for (const [i, inp] of all(devs, 'input').entries()) {
    const kind = inp.attrs['type'] ?? 'mouse';
    const bus = inp.attrs['bus'] ?? 'ps2';
    const name = kind === 'tablet' ? 'tablet' : kind === 'keyboard' ? 'kbd' : 'mouse';
    if (bus === 'usb') add(99, { driver: `usb-${name}`, id: `input${i}`, bus: 'usb.0', port: String(usbPort++) }, undefined, [], LINE.input);
    else if (bus === 'virtio') add(10, { driver: `virtio-${kind === 'keyboard' ? 'keyboard' : kind}-pci`, id: `input${i}` }, pci(inp, false), [], LINE.input);
  }
  // videos: the primary one on its chipset slot, others in group 9; <graphics> alone gets cirrus
  let videos = all(devs, 'video');
  const videoModels = videos.map((v) => first(v, 'model')?.attrs['type'] ?? 'cirrus');
  if (videos.length === 0 && all(devs, 'graphics').length > 0) {
    videos = [devs ?? dom];
    videoModels.push('cirrus');
  }
  videos.forEach((v, i) => {
    const model = videoModels[i] ?? 'cirrus';
    if (!(model in VIDEO)) throw new QemuConfigError('NOT_MODELLED', `${v.path}: video model ${model} is not reproduced`, { where: v.path });
    const drivers = VIDEO[model];
    if (drivers === undefined) return;
    add(i === 0 ? 8 : 9, { driver: i === 0 ? drivers[0] : drivers[1], id: `video${i}` }, i === 0 ? { explicit: v === devs ? undefined : explicitPci(v), conventional: false, where: v.path, fixed: { slot: family === 'q35' ? 1 : 2 } } : pci(v, false), [], LINE.video);
  });
  // memballoon (group 5) unless model='none', rng (group 6), watchdog (group 7)
  const balloon = first(devs, 'memballoon');
  // aarch64 virt: no balloon unless the XML has one (virsh domxml-to-native)
  if (balloon?.attrs['model'] !== 'none' && (!virt || balloon !== undefined)) add(5, { driver: 'virtio-balloon-pci', id: 'balloon0' }, balloon !== undefined ? pci(balloon, false) : { explicit: undefined, conventional: false, where: 'memballoon' }, [], LINE.balloon);
  all(devs, 'rng').forEach((r, i) => add(6, { driver: 'virtio-rng-pci', rng: `objrng${i}`, id: `rng${i}` }, pci(r, false), ['-object', JSON.stringify({ 'qom-type': 'rng-random', id: `objrng${i}`, filename: first(r, 'backend')?.text ?? '/dev/urandom' })], LINE.rng));
  all(devs, 'watchdog').forEach((w, i) => {
    if ((w.attrs['model'] ?? 'i6300esb') !== 'i6300esb') throw new QemuConfigError('NOT_MODELLED', `${w.path}: watchdog ${w.attrs['model'] ?? ''} is not reproduced`, { where: w.path });
    add(7, { driver: 'i6300esb', id: `watchdog${i}` }, pci(w, true), [], LINE.watchdog);
  });
  return place(pending, family, manualPci);
}

function place(pending: readonly Pending[], family: 'q35' | 'pc' | 'virt', manualPci: boolean): string[] {
  // the primary video and ich9 sound are placed by the chipset step before everything else
  const wanting = pending.filter((p) => p.want !== undefined).sort((a, b) => {
    const fa = a.want?.fixed !== undefined ? 0 : 1;
    const fb = b.want?.fixed !== undefined ? 0 : 1;
    return fa - fb || a.group - b.group || a.emit - b.emit;
  });
  const { placed, rootPorts } = assignPci(family, wanting.map((p) => p.want).filter((w): w is PciWant => w !== undefined), manualPci);
  const where = new Map<Pending, { bus: string; addr: string; multifunction: boolean }>();
  wanting.forEach((p, i) => {
    const pl = placed[i];
    if (pl !== undefined) where.set(p, pl);
  });
  const out: string[] = [];
  for (const r of rootPorts) {
    const props: Record<string, unknown> = { driver: 'pcie-root-port', port: r.port, chassis: r.chassis, id: `pci.${r.index}`, bus: 'pcie.0' };
    if (r.multifunction) props['multifunction'] = true;
    props['addr'] = r.addr;
    out.push('-device', JSON.stringify(props));
  }
  for (const p of [...pending].sort((a, b) => a.emit - b.emit)) {
    out.push(...p.before);
    const w = where.get(p);
    const props = w !== undefined ? { ...p.props, bus: w.bus, ...(w.multifunction ? { multifunction: true } : {}), addr: w.addr } : p.props;
    if (Object.keys(props).length > 0) out.push('-device', JSON.stringify(props));
  }
  return out;
}
