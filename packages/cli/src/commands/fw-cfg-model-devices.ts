/**
 * The PCI devices of the VM `tcg2sim capture` starts for `--disk`/`--nic` (fw-cfg-qemu.ts
 * vmArguments: the disks' controllers in order, then the NICs), as QEMU 7.2 places them without
 * bus=/addr=: each new controller or NIC takes bus 0's next free slot (q35 from 0x2, pc from 0x3,
 * platform-ovmf firstFreePciSlot), q35's SATA disks use the built-in AHCI at 0x1F.2, one
 * virtio-scsi controller or pc AHCI controller serves all its disks. Then OVMF's allocation of
 * their resources (@tcg2sim/qemu-fwcfg qemu72PciLayout, no QEMU) and the PCI state QEMU's ACPI
 * tables read back (@tcg2sim/qemu-acpi Qemu72PciState).
 */
import { ovmfPciApertures, qemu72PciLayout } from '@tcg2sim/qemu-fwcfg';
import type { Qemu72PciDevice } from '@tcg2sim/qemu-fwcfg';
import type { Qemu72PciState } from '@tcg2sim/qemu-acpi';
import { ramSplit } from '@tcg2sim/qemu-acpi';
import type { Scenario } from '@tcg2sim/platform-ovmf';

/** The scenario fields the device list comes from. */
export type DeviceVm = Pick<Scenario, 'machine' | 'memoryMiB' | 'disk' | 'diskInterface' | 'diskPlacement' | 'moreDisks' | 'nics' | 'devices'>;

const DISK_CONTROLLER = { virtio: 'virtio-blk-pci', nvme: 'nvme', scsi: 'virtio-scsi-pci', sata: 'ahci' } as const;

/** Why the flags' devices are not placed as the model places them, or undefined. */
export function placedDevicesReason(s: DeviceVm): string | undefined {
  if (s.devices !== undefined && s.devices.length > 0) return 'other PCI devices (a scenario\'s devices)';
  if (s.diskPlacement !== undefined || (s.moreDisks ?? []).some((d) => d.diskPlacement !== undefined)) return 'disks placed by bus/addr';
  if ((s.nics ?? []).some((n) => typeof n !== 'string' && n.pciPath !== undefined)) return 'NICs placed by bus/addr';
  return undefined;
}

/** The controllers and NICs in creation order, each on the slot QEMU gives it. */
export function flagDevices(s: DeviceVm): Qemu72PciDevice[] {
  let slot = s.machine === 'q35' ? 2 : 3;
  const out: Qemu72PciDevice[] = [];
  const shared = new Set<string>();
  const disks = s.disk === undefined ? [] : [s.diskInterface ?? 'virtio', ...(s.moreDisks ?? []).map((d) => d.diskInterface ?? 'virtio')];
  for (const iface of disks) {
    if (iface === 'sata' && s.machine === 'q35') continue;
    if (iface === 'sata' || iface === 'scsi') {
      if (shared.has(iface)) continue;
      shared.add(iface);
    }
    out.push({ driver: DISK_CONTROLLER[iface], path: [{ dev: slot++, fn: 0 }] });
  }
  for (const n of s.nics ?? []) out.push({ driver: typeof n === 'string' ? n : n.model, path: [{ dev: slot++, fn: 0 }] });
  return out;
}

/** OVMF's placement of `devices` in the apertures PlatformPei sets for QEMU's default CPU, and the PCI state QEMU reads back. */
export async function modelledPciState(s: Pick<Scenario, 'machine' | 'memoryMiB'>, devices: readonly Qemu72PciDevice[], pciExpressBase: number | undefined, defaultDevices = true): Promise<Qemu72PciState> {
  if (devices.length === 0) return { rootBus: [] };
  const split = ramSplit(s.machine, s.memoryMiB);
  const apertures = ovmfPciApertures({ machine: s.machine, belowFourG: BigInt(split.belowFourG), aboveFourG: split.aboveFourG, ...(pciExpressBase !== undefined ? { pciExpressBase } : {}) });
  const layout = await qemu72PciLayout({ machine: s.machine, defaultDevices, devices, apertures });
  const rootBus = devices.flatMap((d) => {
    const [at, behind] = d.path;
    return at === undefined || behind !== undefined ? [] : [{ slot: at.dev, fn: at.fn, ...(d.driver === 'pcie-root-port' ? { rootPort: true } : {}) }];
  });
  return { rootBus, ...(layout.w64 !== undefined ? { w64: layout.w64 } : {}) };
}
