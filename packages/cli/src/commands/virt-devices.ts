/**
 * The scenario's disks and NICs as the ArmVirtQemu boot takes them (@tcg2sim/platform-armvirt
 * VirtBootDevices): each disk's `\EFI\BOOT\BOOTAA64.EFI`, the PCI places (given by a command line
 * or libvirt XML, else QEMU's auto placement on virt: qemu-vmm virtDevicePlacement), the NICs'
 * MACs and option ROM BARs (qemu-vmm, efi-virtio.rom from QEMU's data directories).
 */
import { REMOVABLE_MEDIA_FILE_NAME_AA64 } from '@tcg2sim/uefi';
import { parsePciPathText, rootPciPath } from '@tcg2sim/platform-ovmf';
import type { PciPath, Scenario } from '@tcg2sim/platform-ovmf';
import { nvmeSerial } from '@tcg2sim/platform-ovmf';
import { virtDevicePlacement } from '@tcg2sim/qemu-vmm';
import type { OptionRomBar, VirtDiskInterface } from '@tcg2sim/qemu-vmm';
import type { VirtBootDevices, VirtDisk } from '@tcg2sim/platform-armvirt';
import type { PredictInput } from '@tcg2sim/qemu-config';
import { UsageError } from '../errors.ts';
import { loadDiskBootLoader } from '../disk.ts';
import { loadNics } from '../nics.ts';

/** The scenario fields that describe devices. */
export type VirtScenarioDevices = Pick<Scenario, 'disk' | 'diskInterface' | 'diskPlacement' | 'moreDisks' | 'nics' | 'optionRomDir'>;

function pciOf(text: string): PciPath {
  const p = parsePciPathText(text);
  if (p === undefined) throw new UsageError(`${text}: not a PciRoot(0x0)/Pci(D,F)/… device path`);
  return p;
}

/** The devices of a described virt VM (--qemu-cmdline, --libvirt-xml), as {@link virtBootDevices} takes them. */
export function virtBootDevicesOfInput(vm: PredictInput): VirtBootDevices | undefined {
  return withAhci(virtBootDevices({
    ...(vm.disk !== undefined ? { disk: vm.disk } : {}),
    ...(vm.diskInterface !== undefined ? { diskInterface: vm.diskInterface } : {}),
    ...(vm.diskPlacement !== undefined ? { diskPlacement: vm.diskPlacement } : {}),
    ...(vm.moreDisks !== undefined ? { moreDisks: vm.moreDisks.map((d) => ({ disk: d.file, diskInterface: d.iface, diskPlacement: d.placement })) } : {}),
    ...(vm.nics !== undefined ? { nics: vm.nics.map((n) => ({ ...n })) } : {}),
  }), vm.virt?.ahciControllers);
}

/** `devices` with the command line's AHCI controllers (no driver for them in ArmVirtQemu). */
export function withAhci(devices: VirtBootDevices | undefined, ahciControllers: number | undefined): VirtBootDevices | undefined {
  if (ahciControllers === undefined || ahciControllers === 0) return devices;
  return { ...(devices ?? {}), ahciControllers };
}

/** The devices of scenario `s` on virt, or undefined without any. */
export function virtBootDevices(s: VirtScenarioDevices, readRom?: (path: string) => OptionRomBar): VirtBootDevices | undefined {
  const given = s.disk === undefined ? [] : [{ disk: s.disk, diskInterface: s.diskInterface, diskPlacement: s.diskPlacement }, ...(s.moreDisks ?? [])];
  // predictArmVirtScenario refused sata before this
  const ifaces = given.map((d) => (d.diskInterface ?? 'virtio') as VirtDiskInterface);
  const auto = virtDevicePlacement(ifaces.filter((_, i) => given[i]?.diskPlacement === undefined), 0);
  let next = 0;
  const ordinals = new Map<VirtDiskInterface, number>();
  const disks: VirtDisk[] = given.map((d, i) => {
    const iface = ifaces[i] ?? 'virtio';
    const ordinal = ordinals.get(iface) ?? 0;
    ordinals.set(iface, ordinal + 1);
    const p = d.diskPlacement;
    const a = p === undefined ? auto.disks[next++] : undefined;
    return {
      loader: loadDiskBootLoader(d.disk, REMOVABLE_MEDIA_FILE_NAME_AA64),
      iface,
      pciPath: p !== undefined ? pciOf(p.pci) : rootPciPath(a?.slot ?? 1),
      ...(p?.unit !== undefined ? { unit: p.unit } : a !== undefined && iface === 'scsi' ? { unit: a.unit } : {}),
      ...(iface === 'nvme' ? { serial: p?.serial ?? nvmeSerial(ordinal) } : {}),
    };
  });
  // NICs after the disks' controllers (auto.nicSlots would start there): loadNics' slotsBefore.
  const diskSlots = new Set(auto.disks.map((d) => d.slot)).size;
  const nics = (loadNics('virt', s.nics, s.optionRomDir, diskSlots, readRom) ?? []).map((n) => ({
    model: n.model, pciPath: n.pciPath ?? rootPciPath(n.device), mac: n.mac, optionRom: { file: n.optionRom.file, bar: n.optionRom.bar },
  }));
  if (disks.length === 0 && nics.length === 0) return undefined;
  return { disks, nics };
}
