/**
 * `bootindex=` (and `-boot strict=`) of a {@link VmDescription} into QEMU 7.2's `bootorder`
 * fw_cfg file, with @tcg2sim/qemu-vmm's OpenFirmware paths. `-boot order=`, `once=` and `menu=`
 * alone give no bootorder entries (QEMU 7.2 passes an empty file, which OVMF ignores: checked
 * over qtest, packages/qemu-vmm/test/boot-order.spec.ts). `menu=on` adds no fw_cfg file in QEMU
 * 7.2; `splash-time=` adds etc/boot-menu-wait (the front page timeout, read over qtest), which no
 * PCR measures but which sid's 2026.08 PlatformPei caches in a HOB (it moves PCR0 of its SMM
 * builds: platform-pei/pei-hob-list-202608.ts).
 */
import { VIRT_OFW_PCI_ROOT, VmmError, qemuBootOrderFile } from '@tcg2sim/qemu-vmm';
import type { BootDevice, PciLocation } from '@tcg2sim/qemu-vmm';
import { QemuConfigError } from './errors.ts';
import { propInt } from './option-syntax.ts';
import type { DeviceConfig, VmDescription } from './vm-description.ts';

/** Something with a bootindex whose path is not modelled. */
export interface BootOrderFinding {
  readonly device: DeviceConfig;
  readonly reason: string;
}

/** Bridges, slot and function from a PciAddress's device path text (`PciRoot(0x0)/Pci(0x1C,0x1)/Pci(0x0,0x0)`). */
function locationOf(devicePath: string): PciLocation | undefined {
  const nodes = [...devicePath.matchAll(/Pci\(0x([0-9A-Fa-f]+),0x([0-9A-Fa-f]+)\)/g)].map((m) => ({ slot: parseInt(m[1] ?? '', 16), fn: parseInt(m[2] ?? '', 16) }));
  const last = nodes.pop();
  return last === undefined ? undefined : { bridges: nodes, slot: last.slot, fn: last.fn };
}

const NIC_DRIVERS = new Set(['virtio-net-pci', 'e1000', 'e1000e']);

/** The bus property `ID.N`: the controller with that id and the bus number. */
function busOf(dev: DeviceConfig): { id: string; n: number } | undefined {
  const m = /^(.+)\.(\d+)$/.exec(dev.busProperty ?? '');
  return m === null ? undefined : { id: m[1] ?? '', n: Number(m[2]) };
}

function bootDevice(d: VmDescription, dev: DeviceConfig): BootDevice | string {
  const where = dev.origin.text;
  const loc = (x: DeviceConfig): PciLocation | undefined => (x.pci === undefined ? undefined : locationOf(x.pci.devicePath));
  const pciOf = (x: DeviceConfig): PciLocation | undefined => {
    const l = loc(x);
    return l !== undefined && d.machine.family === 'virt' ? { ...l, root: VIRT_OFW_PCI_ROOT } : l;
  };
  if (dev.driver === 'virtio-blk-pci' || NIC_DRIVERS.has(dev.driver) || dev.driver === 'nvme') {
    const pci = pciOf(dev);
    if (pci === undefined) return 'no PCI address';
    if (dev.driver === 'virtio-blk-pci') return { kind: 'virtio-blk', pci };
    if (dev.driver === 'nvme') return { kind: 'nvme', pci, nsid: 1 };
    return { kind: 'nic', pci };
  }
  const bus = busOf(dev);
  const controller = bus === undefined ? undefined : d.devices.find((x) => x.id === bus.id);
  if (dev.driver === 'scsi-hd' || dev.driver === 'scsi-cd') {
    const target = propInt(dev.props, 'scsi-id', where, 255);
    const pci = controller === undefined ? undefined : pciOf(controller);
    if (controller?.driver !== 'virtio-scsi-pci' || pci === undefined || target === undefined) return 'a SCSI disk needs bus=ID.0 of a virtio-scsi-pci and scsi-id= for its path';
    return { kind: 'virtio-scsi', pci, target, lun: propInt(dev.props, 'lun', where, 0x3fff) ?? 0 };
  }
  if (dev.driver === 'ide-hd' || dev.driver === 'ide-cd') {
    if (bus === undefined) return 'an IDE/SATA disk needs bus= for its path';
    if (controller !== undefined) {
      const pci = pciOf(controller);
      if ((controller.driver !== 'ahci' && controller.driver !== 'ich9-ahci') || pci === undefined) return `bus=${dev.busProperty ?? ''} is not an AHCI controller`;
      return { kind: 'ahci', pci, port: bus.n };
    }
    if (bus.id !== 'ide') return `no controller ${bus.id}`;
    if (d.machine.family === 'q35') return { kind: 'ahci', pci: { slot: 0x1f, fn: 2 }, port: bus.n };
    return { kind: 'ide', pci: { slot: 1, fn: 1 }, bus: bus.n, unit: propInt(dev.props, 'unit', where, 1) ?? 0 };
  }
  return `bootindex on ${dev.driver}: its OpenFirmware path is not modelled`;
}

/**
 * The bootorder file QEMU passes for `d` (undefined: no bootindex); devices whose path is not
 * modelled are findings. Two devices with one bootindex are refused, as QEMU refuses them.
 * @throws QemuConfigError('BAD_OPTION')
 */
export function bootOrderOf(d: VmDescription, findings: BootOrderFinding[]): Uint8Array | undefined {
  const entries: { bootindex: number; device: BootDevice }[] = [];
  for (const dev of d.devices) {
    if (dev.bootindex === undefined || dev.bootindex < 0) continue;
    const b = bootDevice(d, dev);
    if (typeof b === 'string') findings.push({ device: dev, reason: `bootindex: ${b}` });
    else entries.push({ bootindex: dev.bootindex, device: b });
  }
  if (entries.length === 0) return undefined;
  try {
    return qemuBootOrderFile(entries, d.boot.strict === true);
  } catch (e) {
    if (e instanceof VmmError) throw new QemuConfigError('BAD_OPTION', `bootindex: ${e.message}`, {}, { cause: e });
    throw e;
  }
}
