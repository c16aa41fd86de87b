import { expect } from 'chai';
import { OVMF_2025_02_CHIPSET_STATE, ovmfPciApertures, qemu72PciLayout, readQemuFwCfgFiles } from '@tcg2sim/qemu-fwcfg';
import type { PlacedResource } from '@tcg2sim/qemu-fwcfg';
import { qemu72AcpiFiles, ramSplit } from '@tcg2sim/qemu-acpi';
import { ACPI_FILE_NAMES, expectSameAcpiFiles, qemuWithSwtpm } from './qemu72-truth.ts';

interface Dev {
  readonly driver: string;
  /** bus 0 slot.fn, then (behind the root port there) slot.fn. */
  readonly at: readonly (readonly [number, number])[];
}
interface Vm {
  readonly machine: 'q35' | 'pc';
  readonly mib: number;
  readonly cpus: number;
  readonly tpm: 'tis' | 'crb';
  readonly nodefaults?: boolean;
  readonly devices: readonly Dev[];
}

const d = (driver: string, ...at: (readonly [number, number])[]): Dev => ({ driver, at });
const NICS = ['virtio-net-pci', 'e1000', 'e1000e'];
const DISKS = ['virtio-blk-pci', 'nvme', 'ahci', 'virtio-scsi-pci'];
const LIBVIRT: Dev[] = [
  ...Array.from({ length: 7 }, (_, i) => d('pcie-root-port', [2, i])),
  d('qemu-xhci', [2, 0], [0, 0]), d('virtio-serial-pci', [2, 1], [0, 0]), d('virtio-blk-pci', [2, 2], [0, 0]),
  d('virtio-net-pci', [2, 3], [0, 0]), d('virtio-balloon-pci', [2, 4], [0, 0]), d('virtio-rng-pci', [2, 5], [0, 0]),
];
const VMS: Vm[] = [];
for (const machine of ['q35', 'pc'] as const) {
  NICS.forEach((nic, i) => VMS.push({ machine, mib: [512, 2048, 5120][i] ?? 512, cpus: i + 1, tpm: i === 1 ? 'crb' : 'tis', devices: [d(nic, [machine === 'q35' ? 2 : 3, 0])] }));
  DISKS.forEach((disk, i) => VMS.push({ machine, mib: [1024, 3584, 512, 4096][i] ?? 512, cpus: [1, 2, 4, 3][i] ?? 1, tpm: 'tis', devices: [d(disk, [4, 0]), d(NICS[i % 3] ?? 'e1000', [5, 0])] }));
  VMS.push({ machine, mib: 2048, cpus: 2, tpm: 'tis', nodefaults: true, devices: [d('virtio-blk-pci', [2, 0]), d('virtio-net-pci', [3, 0]), d('virtio-rng-pci', [6, 0])] });
}
VMS.push({ machine: 'q35', mib: 2048, cpus: 2, tpm: 'crb', nodefaults: true, devices: LIBVIRT });
VMS.push({ machine: 'q35', mib: 5120, cpus: 4, tpm: 'tis', devices: [d('pcie-root-port', [3, 0]), d('nvme', [3, 0], [0, 0]), d('pcie-root-port', [4, 0]), d('e1000e', [4, 0], [0, 0]), d('virtio-net-pci', [5, 0])] });
VMS.push({ machine: 'q35', mib: 512, cpus: 1, tpm: 'tis', devices: [d('pcie-root-port', [2, 0]), d('pcie-root-port', [2, 1]), d('virtio-scsi-pci', [2, 1], [0, 0]), d('pcie-root-port', [6, 0]), d('ahci', [6, 0], [0, 0])] });
VMS.push({ machine: 'q35', mib: 1024, cpus: 1, tpm: 'tis', devices: [d('e1000', [2, 0]), d('virtio-net-pci', [2, 1]), d('qemu-xhci', [7, 0]), d('virtio-balloon-pci', [8, 0])] });

const hex = (n: number): string => n.toString(16);
const slotAddr = ([s, f]: readonly [number, number]): string => `addr=${hex(s)}.${hex(f)}`;

/** QEMU options for the devices: ids, buses, addresses, multifunction on function 0 of shared slots. */
function deviceArgs(vm: Vm): string[] {
  const args: string[] = [];
  const multi = new Set(vm.devices.filter((x) => x.at.length === 1 && (x.at[0]?.[1] ?? 0) > 0).map((x) => x.at[0]?.[0]));
  vm.devices.forEach((x, i) => {
    const [first, second] = x.at;
    if (first === undefined) return;
    const props = [x.driver, `id=dev${i}`];
    if (second === undefined) props.push(`bus=${vm.machine === 'q35' ? 'pcie.0' : 'pci.0'}`, slotAddr(first), ...(first[1] === 0 && multi.has(first[0]) ? ['multifunction=on'] : []));
    else props.push(`bus=rp${hex(first[0])}${first[1]}`, slotAddr(second));
    if (x.driver === 'pcie-root-port') props[1] = `id=rp${hex(first[0])}${first[1]}`, props.push(`chassis=${i + 1}`);
    if (NICS.includes(x.driver)) args.push('-netdev', `user,id=net${i}`), props.push(`netdev=net${i}`);
    if (x.driver === 'virtio-blk-pci') args.push('-drive', `if=none,id=drv${i},format=raw,readonly=on,file=/dev/null`), props.push(`drive=drv${i}`);
    if (x.driver === 'nvme') props.push(`serial=tcg2sim${i}`);
    args.push('-device', props.join(','));
  });
  return args;
}

const label = (vm: Vm): string => `${vm.machine} ${vm.cpus} CPU ${vm.mib} MiB tpm-${vm.tpm}${vm.nodefaults === true ? ' -nodefaults' : ''}: ${vm.devices.map((x) => `${x.driver}@${x.at.map(([s, f]) => `${hex(s)}.${f}`).join('/')}`).join(' ')}`;
const placedText = (p: readonly PlacedResource[]): string[] => p.map((r) => `${r.function} ${r.what} 0x${r.base.toString(16)}+0x${r.length.toString(16)}`).sort();

// Truth: the installed QEMU 7.2's four files for each VM after its PCI hierarchy was programmed
// under qtest as OVMF's PciBusDxe leaves it (the --fw-cfg-from-qemu path); the model places the
// same devices in a modelled configuration space (no QEMU) and builds the files from that.
describe('qemu72AcpiFiles with PCI devices = the installed QEMU 7.2\'s @integration', function () {
  this.timeout(180_000);
  const startSwtpm = qemuWithSwtpm('tcg2sim-acpi72-dev-');

  for (const vm of VMS) {
    it(label(vm), async () => {
      const tpmArgs = await startSwtpm(vm.tpm);
      const chipset = OVMF_2025_02_CHIPSET_STATE[vm.machine];
      const split = ramSplit(vm.machine, vm.mib);
      const apertures = ovmfPciApertures({ machine: vm.machine, belowFourG: BigInt(split.belowFourG), aboveFourG: split.aboveFourG, ...(chipset.pciExpressBase !== undefined ? { pciExpressBase: chipset.pciExpressBase } : {}) });
      const args = [
        '-machine', vm.machine, '-m', String(vm.mib), '-smp', String(vm.cpus),
        ...tpmArgs,
        ...(vm.nodefaults === true ? ['-nodefaults'] : ['-net', 'none', '-serial', 'null']), ...deviceArgs(vm),
      ];
      let qemuPlaced: readonly PlacedResource[] = [];
      const qemu = await readQemuFwCfgFiles({ machine: vm.machine, chipset, args, names: ACPI_FILE_NAMES, pci: apertures, onPciPlaced: (p) => { qemuPlaced = p; } });
      const devices = vm.devices.map((x) => ({ driver: x.driver, path: x.at.map(([dev, fn]) => ({ dev, fn })) }));
      const layout = await qemu72PciLayout({ machine: vm.machine, defaultDevices: vm.nodefaults !== true, devices, apertures });
      expect(placedText(layout.placed), 'OVMF\'s placement').to.deep.equal(placedText(qemuPlaced));
      const rootBus = vm.devices.filter((x) => x.at.length === 1).map((x) => ({ slot: x.at[0]?.[0] ?? 0, fn: x.at[0]?.[1] ?? 0, ...(x.driver === 'pcie-root-port' ? { rootPort: true } : {}) }));
      const ours = qemu72AcpiFiles({
        machine: vm.machine, cpus: vm.cpus, memoryMiB: vm.mib, tpm: vm.tpm, chipset, defaultDevices: vm.nodefaults !== true,
        pci: { rootBus, ...(layout.w64 !== undefined ? { w64: layout.w64 } : {}) },
      });
      expectSameAcpiFiles(ours, qemu);
    });
  }
});
