/**
 * What each QEMU device model is, for deciding whether it changes a measured boot: whether it
 * sits on PCI (and so takes a slot), and its kind. Facts from QEMU 7.2's device models.
 */
import type { DeviceKind } from './vm-description.ts';

export interface DeviceModel {
  readonly kind: DeviceKind;
  readonly pci: boolean;
  /** Whether QEMU gives it an option ROM file by default (NICs: iPXE efi-*.rom; VGAs: legacy vgabios-*.bin). */
  readonly defaultRom: 'efi' | 'legacy' | 'none';
}

const model = (kind: DeviceKind, pci: boolean, defaultRom: DeviceModel['defaultRom'] = 'none'): DeviceModel => ({ kind, pci, defaultRom });

/** The variants QEMU registers for a virtio PCI device: -transitional, -non-transitional. */
function virtio(base: string): string[] {
  return [base, `${base}-transitional`, `${base}-non-transitional`];
}

const entries: Array<[string, DeviceModel]> = [];
const add = (names: readonly string[], m: DeviceModel): void => {
  for (const n of names) entries.push([n, m]);
};

add(['pcie-root-port', 'ioh3420', 'x3130-upstream', 'xio3130-downstream', 'pci-bridge', 'pcie-pci-bridge', 'i82801b11-bridge'], model('pci-bridge', true));
add([...virtio('virtio-net-pci'), 'e1000e', 'rtl8139', 'vmxnet3', 'ne2k_pci', 'pcnet'], model('nic', true, 'efi'));
add(['e1000', 'e1000-82544gc', 'e1000-82545em'], model('nic', true, 'efi'));
add(['igb', 'i82550', 'i82551', 'i82557a', 'i82557b', 'i82557c', 'i82558a', 'i82558b', 'i82559a', 'i82559b', 'i82559c', 'i82559er', 'i82562', 'i82801'], model('nic', true, 'efi'));
add(['usb-net'], model('nic', false));
add([...virtio('virtio-blk-pci'), 'vhost-user-blk-pci', 'nvme'], model('disk', true));
add(['scsi-hd', 'scsi-cd', 'scsi-block', 'scsi-generic', 'ide-hd', 'ide-cd', 'ide-drive', 'nvme-ns', 'usb-storage', 'floppy', 'sd-card'], model('disk', false));
add([...virtio('virtio-scsi-pci'), 'vhost-scsi-pci', 'lsi53c895a', 'lsi53c810', 'megasas', 'megasas-gen2', 'mptsas1068', 'am53c974', 'dc390', 'ahci', 'ich9-ahci', 'piix3-ide', 'piix4-ide'], model('storage-controller', true));
add(['usb-uas', 'usb-bot'], model('storage-controller', false));
add(['qemu-xhci', 'nec-usb-xhci', 'piix3-usb-uhci', 'piix4-usb-uhci', 'ich9-usb-ehci1', 'ich9-usb-ehci2', 'ich9-usb-uhci1', 'ich9-usb-uhci2', 'ich9-usb-uhci3', 'ich9-usb-uhci4', 'ich9-usb-uhci5', 'ich9-usb-uhci6', 'usb-ehci', 'pci-ohci'], model('usb-controller', true));
add(['VGA', 'cirrus-vga', 'qxl-vga', 'virtio-vga', 'virtio-vga-gl', 'vmware-svga', 'secondary-vga', 'ati-vga'], model('display', true, 'legacy'));
add(['qxl', 'virtio-gpu-pci', 'virtio-gpu-gl-pci', 'bochs-display'], model('display', true));
add(['ramfb'], model('display', false));
add(['tpm-tis', 'tpm-crb', 'tpm-tis-device'], model('tpm', false));
add([...virtio('virtio-serial-pci'), ...virtio('virtio-balloon-pci'), ...virtio('virtio-rng-pci'), ...virtio('vhost-vsock-pci'), 'virtio-keyboard-pci', 'virtio-mouse-pci', 'virtio-tablet-pci', 'virtio-input-host-pci', 'ich9-intel-hda', 'intel-hda', 'AC97', 'ES1370', 'i6300esb', 'pvpanic-pci', 'ivshmem-plain', 'ivshmem-doorbell', 'pci-serial', 'pci-serial-2x', 'pci-serial-4x'], model('inert', true));
add(['isa-serial', 'isa-parallel', 'virtserialport', 'virtconsole', 'usb-tablet', 'usb-kbd', 'usb-mouse', 'usb-redir', 'usb-hub', 'usb-ccid', 'ccid-card-passthru', 'ccid-card-emulated', 'hda-duplex', 'hda-micro', 'hda-output', 'pvpanic', 'ib700', 'isa-debugcon', 'isa-debug-exit', 'usb-audio', 'usb-serial', 'usb-wacom-tablet'], model('inert', false));
// built-in devices of the machines (never given with -device, named in the description)
add(['mch', 'i440FX', 'ICH9-LPC', 'ICH9-SMB', 'PIIX3', 'PIIX4_PM'], model('inert', true));

const CATALOG: ReadonlyMap<string, DeviceModel> = new Map(entries);

/** The model of a driver name; undefined for one tcg2sim does not know. */
export function deviceModel(driver: string): DeviceModel | undefined {
  return CATALOG.get(driver);
}

/** The NIC model QEMU 7.2 adds by default (no -nodefaults, no -net/-netdev/-nic): e1000e on q35, e1000 on pc. */
export function defaultNicModel(family: 'q35' | 'pc'): string {
  return family === 'q35' ? 'e1000e' : 'e1000';
}

/** The device -vga TYPE creates. */
export const VGA_DEVICES: Readonly<Record<string, string | undefined>> = {
  std: 'VGA',
  cirrus: 'cirrus-vga',
  vmware: 'vmware-svga',
  qxl: 'qxl-vga',
  virtio: 'virtio-vga',
  none: undefined,
};
