/**
 * Hardware (type 1) and ACPI (type 2) device path nodes: layouts (UEFI 2.9 §10.3.2-§10.3.3) and
 * their EDK II text forms (MdePkg UefiDevicePathLib DevicePathToText / DevicePathFromText
 * conventions, non-display-only).
 */
import { fixedBytes, restBytes, struct, u32le, u64le, u8 } from '@tcg2sim/binary-codec';
import { DEVICE_PATH_TYPE } from './node.ts';
import { arity, form, hexBytes, hx, parseGuidArg, parseHexBytes, parseNum, parseU64, textError, guidToString } from './text-util.ts';
import type { NodeForm } from './text-util.ts';

const HW = DEVICE_PATH_TYPE.HARDWARE;
const ACPI = DEVICE_PATH_TYPE.ACPI;

/** PCI_DEVICE_PATH (1/1): Function then Device. */
export const PciDevicePath = struct('PCI_DEVICE_PATH', { function: u8, device: u8 });
/** PCCARD_DEVICE_PATH (1/2). */
export const PcCardDevicePath = struct('PCCARD_DEVICE_PATH', { functionNumber: u8 });
/** MEMMAP_DEVICE_PATH (1/3). */
export const MemMapDevicePath = struct('MEMMAP_DEVICE_PATH', { memoryType: u32le, startingAddress: u64le, endingAddress: u64le });
/** VENDOR_DEVICE_PATH (1/4, 3/10, 4/3): a GUID and vendor-defined data. */
export const VendorDevicePath = struct('VENDOR_DEVICE_PATH', { guid: fixedBytes('Guid', 16), data: restBytes('VendorDefinedData', 0xffff) });
/** CONTROLLER_DEVICE_PATH (1/5). */
export const ControllerDevicePath = struct('CONTROLLER_DEVICE_PATH', { controllerNumber: u32le });
/** BMC_DEVICE_PATH (1/6). */
export const BmcDevicePath = struct('BMC_DEVICE_PATH', { interfaceType: u8, baseAddress: u64le });
/** ACPI_HID_DEVICE_PATH (2/1). */
export const AcpiHidDevicePath = struct('ACPI_HID_DEVICE_PATH', { hid: u32le, uid: u32le });
/**
 * ACPI_EXTENDED_HID_DEVICE_PATH (2/2): HID, UID, CID, then the NUL-terminated ASCII strings
 * HIDSTR, UIDSTR, CIDSTR (in that order).
 */
export const AcpiExtendedHidDevicePath = struct('ACPI_EXTENDED_HID_DEVICE_PATH', { hid: u32le, uid: u32le, cid: u32le, strings: restBytes('HIDSTR/UIDSTR/CIDSTR', 0xffff) });
/** ACPI_ADR_DEVICE_PATH (2/3): one or more _ADR values. */
export const AcpiAdrDevicePath = struct('ACPI_ADR_DEVICE_PATH', { adr: restBytes('ADR', 0xffff) });

/** EFI_PNP_ID / EISA_PNP_ID: the compressed EISA id of `PNPxxxx`. */
export function eisaPnpId(num: number): number {
  return ((num << 16) | 0x41d0) >>> 0;
}

/** The vendor forms of one node type (VenHw, VenMsg, VenMedia). */
export function vendorForm(name: string, type: number, subType: number): NodeForm {
  return form(name, type, subType, VendorDevicePath,
    (v) => (v.data.length > 0 ? [guidToString(v.guid), hexBytes(v.data)] : [guidToString(v.guid)]),
    (a, n) => {
      if (a.length < 1 || a.length > 2) throw textError(`${n} takes 1 or 2 arguments`, n);
      return { guid: parseGuidArg(a[0], n), data: parseHexBytes(a[1] ?? '', n) };
    });
}

const acpiShortcuts: readonly [string, number][] = [
  ['PciRoot', 0x0a03], ['PcieRoot', 0x0a08], ['Floppy', 0x0604], ['Keyboard', 0x0301], ['Serial', 0x0501], ['ParallelPort', 0x0401],
];

function acpiShortcut(name: string, num: number): NodeForm {
  return form(name, ACPI, 1, AcpiHidDevicePath,
    (v) => (v.hid === eisaPnpId(num) ? [hx(v.uid)] : undefined),
    (a, n) => {
      arity(a, 1, n);
      return { hid: eisaPnpId(num), uid: parseNum(a[0], 0xffffffff, n) };
    });
}

/** EDK II's text of a compressed EISA id: three letters (0 prints as '@') and four hex digits. */
export function eisaIdText(id: number): string {
  const c = (shift: number): string => String.fromCharCode(((id >>> shift) & 0x1f) + 0x40);
  return `${c(10)}${c(5)}${c(0)}${(id >>> 16).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** HIDSTR, UIDSTR, CIDSTR: exactly three printable NUL-terminated strings, or undefined. */
function acpiExStrings(b: Uint8Array): [string, string, string] | undefined {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < b.length && out.length < 3; i++) {
    if (b[i] !== 0) continue;
    const part = b.subarray(start, i);
    if (!part.every((c) => c > 0x20 && c < 0x7f)) return undefined;
    out.push(String.fromCharCode(...part));
    start = i + 1;
  }
  if (out.length !== 3 || start !== b.length) return undefined;
  return [out[0] ?? '', out[1] ?? '', out[2] ?? ''];
}

function acpiExBytes(hidStr: string, uidStr: string, cidStr: string): Uint8Array {
  return Uint8Array.from(`${hidStr}\0${uidStr}\0${cidStr}\0`, (c) => c.charCodeAt(0) & 0xff);
}

function parseEisa(s: string | undefined, n: string): number {
  const t = (s ?? '').trim();
  const m = /^([@-_]{3})([0-9A-Fa-f]{4})$/.exec(t);
  if (m?.[1] && m[2]) {
    const c = (i: number): number => ((m[1]?.charCodeAt(i) ?? 0x40) - 0x40) & 0x1f;
    return ((parseInt(m[2], 16) << 16) | (c(0) << 10) | (c(1) << 5) | c(2)) >>> 0;
  }
  return parseNum(t, 0xffffffff, n);
}

/** Hardware and ACPI forms, in the order EDK II tries them. */
export const HW_ACPI_FORMS: readonly NodeForm[] = [
  form('Pci', HW, 1, PciDevicePath, (v) => [hx(v.device), hx(v.function)], (a, n) => {
    arity(a, 2, n);
    return { device: parseNum(a[0], 0xff, n), function: parseNum(a[1], 0xff, n) };
  }),
  form('PcCard', HW, 2, PcCardDevicePath, (v) => [hx(v.functionNumber)], (a, n) => {
    arity(a, 1, n);
    return { functionNumber: parseNum(a[0], 0xff, n) };
  }),
  form('MemoryMapped', HW, 3, MemMapDevicePath, (v) => [hx(v.memoryType), hx(v.startingAddress), hx(v.endingAddress)], (a, n) => {
    arity(a, 3, n);
    return { memoryType: parseNum(a[0], 0xffffffff, n), startingAddress: parseU64(a[1], n), endingAddress: parseU64(a[2], n) };
  }),
  vendorForm('VenHw', HW, 4),
  form('Ctrl', HW, 5, ControllerDevicePath, (v) => [hx(v.controllerNumber)], (a, n) => {
    arity(a, 1, n);
    return { controllerNumber: parseNum(a[0], 0xffffffff, n) };
  }),
  form('BMC', HW, 6, BmcDevicePath, (v) => [hx(v.interfaceType), hx(v.baseAddress)], (a, n) => {
    arity(a, 2, n);
    return { interfaceType: parseNum(a[0], 0xff, n), baseAddress: parseU64(a[1], n) };
  }),
  ...acpiShortcuts.map(([name, num]) => acpiShortcut(name, num)),
  form('Acpi', ACPI, 1, AcpiHidDevicePath,
    (v) => {
      if ((v.hid & 0xffff) === 0x41d0) return [`PNP${(v.hid >>> 16).toString(16).toUpperCase().padStart(4, '0')}`, hx(v.uid)];
      return [`0x${v.hid.toString(16).toUpperCase().padStart(8, '0')}`, hx(v.uid)];
    },
    (a, n) => {
      arity(a, 2, n);
      return { hid: parseEisa(a[0], n), uid: parseNum(a[1], 0xffffffff, n) };
    }),
  // AcpiExp: only a UIDSTR (HIDSTR and CIDSTR empty, UID 0); CID 0 prints as "0".
  form('AcpiExp', ACPI, 2, AcpiExtendedHidDevicePath,
    (v) => {
      const strs = acpiExStrings(v.strings);
      if (!strs || strs[0] !== '' || strs[2] !== '' || strs[1] === '') return undefined;
      return [eisaIdText(v.hid), v.cid === 0 ? '0' : eisaIdText(v.cid), strs[1]];
    },
    (a, n) => {
      arity(a, 3, n);
      return { hid: parseEisa(a[0], n), uid: 0, cid: a[1] === '0' ? 0 : parseEisa(a[1], n), strings: acpiExBytes('', a[2] ?? '', '') };
    }),
  // AcpiEx(HID,CID,UID,HIDSTR,CIDSTR,UIDSTR): note the text order of the strings differs from the binary one.
  form('AcpiEx', ACPI, 2, AcpiExtendedHidDevicePath,
    (v) => {
      const strs = acpiExStrings(v.strings);
      if (!strs) return undefined;
      const [hidStr, uidStr, cidStr] = strs;
      return [eisaIdText(v.hid), eisaIdText(v.cid), hx(v.uid), hidStr, cidStr, uidStr];
    },
    (a, n) => {
      arity(a, 6, n);
      return { hid: parseEisa(a[0], n), uid: parseNum(a[2], 0xffffffff, n), cid: parseEisa(a[1], n), strings: acpiExBytes(a[3] ?? '', a[5] ?? '', a[4] ?? '') };
    }),
  form('AcpiAdr', ACPI, 3, AcpiAdrDevicePath,
    (v) => {
      if (v.adr.length === 0 || v.adr.length % 4 !== 0) return undefined;
      const dv = new DataView(v.adr.buffer, v.adr.byteOffset, v.adr.byteLength);
      const out: string[] = [];
      for (let i = 0; i < v.adr.length; i += 4) out.push(hx(dv.getUint32(i, true)));
      return out;
    },
    (a, n) => {
      if (a.length === 0) throw textError('AcpiAdr needs at least one _ADR', n);
      const adr = new Uint8Array(4 * a.length);
      const dv = new DataView(adr.buffer);
      a.forEach((s, i) => {
        dv.setUint32(4 * i, parseNum(s, 0xffffffff, n), true);
      });
      return { adr };
    }),
];
