/**
 * The NIC models QEMU offers with an iPXE option ROM, as QEMU's device classes declare them
 * (hw/net/virtio-net-pci, e1000, e1000e: `romfile` property default, PCI IDs).
 */
import { VmmError } from './errors.ts';

/** A QEMU NIC device model (`-device MODEL,netdev=…`). */
export type NicModel = 'virtio-net-pci' | 'e1000' | 'e1000e';

/** What QEMU's device class gives the firmware for a NIC model. */
export interface NicModelInfo {
  readonly model: NicModel;
  /** The `romfile` property's default: the EFI iPXE ROM in QEMU's data directories. */
  readonly romfile: string;
  readonly vendorId: number;
  readonly deviceId: number;
}

/** The models `predict --nic` accepts. */
export const NIC_MODELS: Readonly<Record<NicModel, NicModelInfo>> = {
  'virtio-net-pci': { model: 'virtio-net-pci', romfile: 'efi-virtio.rom', vendorId: 0x1af4, deviceId: 0x1000 },
  e1000: { model: 'e1000', romfile: 'efi-e1000.rom', vendorId: 0x8086, deviceId: 0x100e },
  e1000e: { model: 'e1000e', romfile: 'efi-e1000e.rom', vendorId: 0x8086, deviceId: 0x10d3 },
};

/** The model named `name`, or VmmError UNKNOWN_NIC. */
export function nicModel(name: string): NicModelInfo {
  if (Object.hasOwn(NIC_MODELS, name)) return NIC_MODELS[name as NicModel];
  throw new VmmError('UNKNOWN_NIC', `unknown NIC model ${JSON.stringify(name)} (known: ${Object.keys(NIC_MODELS).join(', ')})`);
}

/**
 * QEMU's default MAC address for the `index`-th NIC created without `mac=`
 * (net/net.c qemu_macaddr_default_if_unset): 52:54:00:12:34:56, the last byte counting up.
 */
export function defaultMac(index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > 0xff - 0x56) throw new RangeError(`NIC index ${index} out of range`);
  return Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56 + index);
}
