/**
 * The devices of a `virt` command line (qemu-system-aarch64 -M virt, QEMU 7.2 hw/arm/virt.c), in
 * creation order: NICs from -nic/-net (machine init; virt's default NIC model is virtio-net-pci,
 * and without -nodefaults or any -net/-nic/-netdev QEMU adds one), then -device options in
 * key=value form, the virtio-blk devices -drive if=virtio implies (virt's default block
 * interface), the JSON -device options, and the other disks. virt has no default VGA and no
 * default CD-ROM (its machine class sets no_cdrom); its serial port and fw_cfg are built in.
 */
import { optionText } from './option-syntax.ts';
import { legacyNics } from './net-options.ts';
import type { WalkedOption } from './parse-argv.ts';
import { fromOption } from './build-devices.ts';
import type { DeviceRequest } from './build-devices.ts';

/** virt's mc->default_nic. */
export const VIRT_DEFAULT_NIC = 'virtio-net-pci';

/** The device requests of a virt command line (see the module comment). */
export function virtDeviceRequests(opts: readonly WalkedOption[], virtioDrives: readonly DeviceRequest[], otherDisks: readonly DeviceRequest[]): DeviceRequest[] {
  const out: DeviceRequest[] = [];
  const nodefaults = opts.some((o) => o.name === '-nodefaults');
  const { nics, netOptions } = legacyNics(opts);
  for (const n of nics) {
    out.push({ driver: n.model === 'virtio' || n.model === undefined ? VIRT_DEFAULT_NIC : n.model, props: n.props, origin: { text: optionText(n.option), offset: n.option.offset }, implicit: true });
  }
  if (!netOptions && !nodefaults) out.push({ driver: VIRT_DEFAULT_NIC, props: {}, origin: { text: '(default NIC: no -net none, -nic none or -nodefaults)', offset: undefined }, implicit: true });
  const vga = opts.findLast((o) => o.name === '-vga');
  if (vga !== undefined && vga.raw !== 'none') out.push({ driver: `-vga ${vga.raw ?? ''}`, props: {}, origin: { text: optionText(vga), offset: vga.offset }, implicit: true });
  const explicit = opts.filter((o) => o.name === '-device');
  out.push(...explicit.filter((x) => !x.json).map(fromOption), ...virtioDrives, ...explicit.filter((x) => x.json).map(fromOption), ...otherDisks);
  return out;
}
