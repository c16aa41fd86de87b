/**
 * What OVMF's PlatformBootManagerLib does with QEMU's `bootorder` file (OvmfPkg/Library/
 * PlatformBootManagerLib/BdsPlatform.c, PlatformBootManagerAfterConsole, edk2-stable202211 and
 * edk2-stable202502 alike):
 *
 *  1. PlatformBdsConnectSequence → ConnectDevicesFromQemu: while the paths translate, connect each
 *     one's device and, recursively, its children; only when the whole file went through (and
 *     named at least one device) does BDS stop there, otherwise EfiBootManagerConnectAll follows.
 *     Devices left unconnected have no BlockIo or LoadFile handle, so the refresh
 *     (EfiBootManagerRefreshAllBootOption) creates no boot option for them;
 *  2. after the Shell option is registered, SetBootOrderFromQemu: for each translated path in file
 *     order, every active option (in BootOrder order) not taken yet whose device path text starts
 *     with it is appended; then BootOrderComplete keeps the unmatched options whose first node is
 *     neither HD() nor PciRoot() (UiApp's and the Shell's Fv() options survive, the DVD-ROM and
 *     unlisted disks and NICs do not), writes BootOrder and PruneBootVariables deletes the
 *     Boot#### of the options left out. Nothing changes when no option matched or the scan hit a
 *     parse error.
 *
 * StoreQemuBootOrder's VMMBootOrder#### variables are volatile and not measured: not modelled.
 */
import { devicePathToText } from '@tcg2sim/uefi';
import type { DevicePath } from '@tcg2sim/uefi';
import type { QemuBootOrder } from './qemu-boot-order.ts';

/** Which devices BDS connected before it enumerated boot options. */
export type DeviceConnection =
  | { readonly kind: 'all' }
  /** Only these devices (translated prefixes, in connect order) and their children. */
  | { readonly kind: 'listed'; readonly prefixes: readonly string[] };

/**
 * ConnectDevicesFromQemu's outcome. `exists(prefix)`: whether EfiBootManagerConnectDevicePath
 * finds a device at that UEFI path (it fails otherwise, and BDS connects everything).
 */
export function connectDevicesFromQemu(bo: QemuBootOrder, exists: (prefix: string) => boolean, notes: string[]): DeviceConnection {
  if (bo.end === 'empty' || bo.end === 'not-terminated') return { kind: 'all' };
  const prefixes: string[] = [];
  for (const p of bo.paths) {
    if (p.status !== 'success') {
      notes.push(`BDS: bootorder "${p.ofw}" does not translate (${p.status}): ConnectDevicesFromQemu fails and BDS connects every device`);
      return { kind: 'all' };
    }
    if (!exists(p.text)) {
      notes.push(`BDS: bootorder "${p.ofw}" (${p.text}) names no device of this VM: ConnectDevicesFromQemu fails and BDS connects every device`);
      return { kind: 'all' };
    }
    prefixes.push(p.text);
  }
  if (bo.end === 'parse-error') {
    notes.push(`BDS: bootorder has a parse error at offset ${bo.errorOffset ?? 0}: ConnectDevicesFromQemu fails and BDS connects every device`);
    return { kind: 'all' };
  }
  if (prefixes.length === 0) return { kind: 'all' };
  notes.push(`BDS: ConnectDevicesFromQemu connects only ${prefixes.join(', ')} (devices not in bootorder get no boot option)`);
  return { kind: 'listed', prefixes };
}

/** The rank of the first prefix `text` starts with, or undefined. */
export function connectRank(c: DeviceConnection, text: string): number | undefined {
  if (c.kind === 'all') return 0;
  const i = c.prefixes.findIndex((p) => text.startsWith(p));
  return i < 0 ? undefined : i;
}

/** An active boot option as SetBootOrderFromQemu sees it. */
export interface OrderableOption {
  readonly number: number;
  readonly filePath: DevicePath;
}

/** SetBootOrderFromQemu's result: the new BootOrder and the options whose Boot#### it deletes. */
export interface QemuBootOrderResult {
  readonly order: readonly number[];
  readonly pruned: readonly number[];
}

const MEDIA = 4;
const MEDIA_HARDDRIVE = 1;
const MEDIA_FILEPATH = 4;
const MSG = 3;
const MSG_URI = 24;
const MSG_USB_CLASS = 15;
const MSG_USB_WWID = 16;
const ACPI = 2;
const ACPI_DP = 1;
/** EISA_PNP_ID(0x0A03): PciRoot(). */
const PNP0A03 = 0x0a0341d0;

/**
 * SetBootOrderFromQemu over the active options `active` (in BootOrder order). Undefined when
 * BootOrder stays as it is (no path matched, or the scan ended in a parse error or the file is
 * ignored).
 */
export function setBootOrderFromQemu(bo: QemuBootOrder, active: readonly OrderableOption[], notes: string[]): QemuBootOrderResult | undefined {
  if (bo.end !== 'end') return undefined;
  const appended = new Set<number>();
  const order: number[] = [];
  const texts = active.map((o) => matchText(o.filePath, notes));
  for (const p of bo.paths) {
    if (p.status !== 'success') continue;
    active.forEach((o, i) => {
      const t = texts[i];
      if (!appended.has(o.number) && t !== undefined && t.startsWith(p.text)) {
        appended.add(o.number);
        order.push(o.number);
      }
    });
  }
  if (order.length === 0) return undefined;
  const pruned: number[] = [];
  for (const o of active) {
    if (appended.has(o.number)) continue;
    if (keptUnselected(o.filePath)) order.push(o.number);
    else pruned.push(o.number);
  }
  return { order, pruned };
}

/** Match's text of an option's device path; undefined for a short-form path (expanded by the firmware: not modelled). */
function matchText(path: DevicePath, notes: string[]): string | undefined {
  const first = path.nodes[0];
  const shortForm = (first !== undefined && ((first.type === MEDIA && (first.subType === MEDIA_HARDDRIVE || first.subType === MEDIA_FILEPATH)) || (first.type === MSG && first.subType === MSG_URI)))
    || path.nodes.some((n) => n.type === MSG && (n.subType === MSG_USB_CLASS || n.subType === MSG_USB_WWID));
  if (shortForm) {
    notes.push(`BDS: bootorder matching of the short-form option ${devicePathToText(path)} needs its expansion (not modelled): taken as no match`);
    return undefined;
  }
  return devicePathToText(path);
}

/** BootOrderComplete's survival policy: drop HD() and PciRoot() first nodes (PCI translation on). */
function keptUnselected(path: DevicePath): boolean {
  const first = path.nodes[0];
  if (first === undefined) return true;
  if (first.type === MEDIA && first.subType === MEDIA_HARDDRIVE) return false;
  if (first.type === ACPI && first.subType === ACPI_DP && first.data.length >= 4) {
    const hid = (first.data[0] ?? 0) | ((first.data[1] ?? 0) << 8) | ((first.data[2] ?? 0) << 16) | ((first.data[3] ?? 0) << 24);
    // (HID & PNP_EISA_ID_MASK) == PNP_EISA_ID_CONST && EISA_ID_TO_NUM (HID) == 0x0a03
    if ((hid & 0xffff) === (PNP0A03 & 0xffff) && (hid >>> 16) === 0x0a03) return false;
  }
  return true;
}
