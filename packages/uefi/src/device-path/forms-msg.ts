/**
 * Messaging (type 3) device path nodes (UEFI 2.9 §10.3.4) and their EDK II text forms.
 * Nodes without a form here (iSCSI, SAS, Bluetooth, Wi-Fi, …) print in the generic form.
 */
import { fixedBytes, restBytes, struct, u16le, u32le, u64le, u8 } from '@tcg2sim/binary-codec';
import { DEVICE_PATH_TYPE } from './node.ts';
import { VendorDevicePath, vendorForm } from './forms-hw-acpi.ts';
import { arity, form, guidToString, hexBytes, hx, parseGuidArg, parseHexBytes, parseNum, parseU64, shortcut, textError } from './text-util.ts';
import type { NodeForm } from './text-util.ts';

const MSG = DEVICE_PATH_TYPE.MESSAGING;

/** ATAPI_DEVICE_PATH (3/1). */
export const AtapiDevicePath = struct('ATAPI_DEVICE_PATH', { primarySecondary: u8, slaveMaster: u8, lun: u16le });
/** SCSI_DEVICE_PATH (3/2). */
export const ScsiDevicePath = struct('SCSI_DEVICE_PATH', { pun: u16le, lun: u16le });
/** FIBRECHANNEL_DEVICE_PATH (3/3). */
export const FibreChannelDevicePath = struct('FIBRECHANNEL_DEVICE_PATH', { reserved: u32le, wwn: u64le, lun: u64le });
/** USB_DEVICE_PATH (3/5). */
export const UsbDevicePath = struct('USB_DEVICE_PATH', { parentPortNumber: u8, interfaceNumber: u8 });
/** MAC_ADDR_DEVICE_PATH (3/11). */
export const MacAddrDevicePath = struct('MAC_ADDR_DEVICE_PATH', { macAddress: fixedBytes('MacAddress', 32), ifType: u8 });
/** IPv4_DEVICE_PATH (3/12), 27 bytes since UEFI 2.2 (with gateway and subnet mask). */
export const Ipv4DevicePath = struct('IPv4_DEVICE_PATH', {
  localIpAddress: fixedBytes('LocalIpAddress', 4), remoteIpAddress: fixedBytes('RemoteIpAddress', 4),
  localPort: u16le, remotePort: u16le, protocol: u16le, staticIpAddress: u8,
  gatewayIpAddress: fixedBytes('GatewayIpAddress', 4), subnetMask: fixedBytes('SubnetMask', 4),
});
/** IPv6_DEVICE_PATH (3/13), 60 bytes. */
export const Ipv6DevicePath = struct('IPv6_DEVICE_PATH', {
  localIpAddress: fixedBytes('LocalIpAddress', 16), remoteIpAddress: fixedBytes('RemoteIpAddress', 16),
  localPort: u16le, remotePort: u16le, protocol: u16le, ipAddressOrigin: u8, prefixLength: u8,
  gatewayIpAddress: fixedBytes('GatewayIpAddress', 16),
});
/** UART_DEVICE_PATH (3/14). */
export const UartDevicePath = struct('UART_DEVICE_PATH', { reserved: u32le, baudRate: u64le, dataBits: u8, parity: u8, stopBits: u8 });
/** USB_CLASS_DEVICE_PATH (3/15). */
export const UsbClassDevicePath = struct('USB_CLASS_DEVICE_PATH', { vendorId: u16le, productId: u16le, deviceClass: u8, deviceSubClass: u8, deviceProtocol: u8 });
/** DEVICE_LOGICAL_UNIT_DEVICE_PATH (3/17). */
export const DeviceLogicalUnitDevicePath = struct('DEVICE_LOGICAL_UNIT_DEVICE_PATH', { lun: u8 });
/** SATA_DEVICE_PATH (3/18). */
export const SataDevicePath = struct('SATA_DEVICE_PATH', { hbaPortNumber: u16le, portMultiplierPortNumber: u16le, lun: u16le });
/** VLAN_DEVICE_PATH (3/20). */
export const VlanDevicePath = struct('VLAN_DEVICE_PATH', { vlanId: u16le });
/** NVME_NAMESPACE_DEVICE_PATH (3/23). */
export const NvmeNamespaceDevicePath = struct('NVME_NAMESPACE_DEVICE_PATH', { namespaceId: u32le, namespaceUuid: fixedBytes('NamespaceUuid', 8) });
/** URI_DEVICE_PATH (3/24). */
export const UriDevicePath = struct('URI_DEVICE_PATH', { uri: restBytes('Uri', 0xffff) });
/** UART_FLOW_CONTROL_DEVICE_PATH: a messaging vendor node with a UINT32 FlowControlMap. */
export const UartFlowControlDevicePath = struct('UART_FLOW_CONTROL_DEVICE_PATH', { guid: fixedBytes('Guid', 16), flowControlMap: u32le });

/** Vendor GUIDs with their own text forms (UEFI 2.9 §10.3.4.6; MdePkg Guid/PcAnsi.h etc.). */
export const MSG_VENDOR_GUID = {
  PC_ANSI: 'E0C14753-F9BE-11D2-9A0C-0090273FC14D',
  VT_100: 'DFA66065-B419-11D3-9A2D-0090273FC14D',
  VT_100_PLUS: '7BAEC70B-57E0-4C76-8E87-2F9E28088343',
  VT_UTF8: 'AD15A0D6-8BEC-4ACF-A073-D01DE77E2D88',
  UART_FLOW_CONTROL: '37499A9D-542F-4C89-A026-35DA142094E4',
  DEBUG_PORT: 'EBA4E8D2-3858-41EC-A281-2647BA9660D0',
} as const;

function fixedVendor(name: string, guid: string): NodeForm {
  return shortcut(form(name, MSG, 10, VendorDevicePath,
    (v) => (guidToString(v.guid) === guid && v.data.length === 0 ? [] : undefined),
    (a, n) => {
      arity(a, 0, n);
      return { guid: parseGuidArg(guid, n), data: new Uint8Array() };
    }));
}

const ip4 = (b: Uint8Array): string => [...b].join('.');
function parseIp4(s: string | undefined, n: string): Uint8Array {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec((s ?? '').trim());
  if (!m) throw textError(`not an IPv4 address: ${JSON.stringify(s ?? '')}`, n);
  return Uint8Array.from(m.slice(1), (x) => parseNum(x, 255, n));
}
// EDK II prints every 16-bit group as two %02x bytes: 2001:0DB8:0000:… (no zero compression).
const ip6 = (b: Uint8Array): string => {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(hexBytes(b.subarray(i, i + 2)));
  return g.join(':');
};
function parseIp6(s: string | undefined, n: string): Uint8Array {
  const parts = (s ?? '').trim().split(':');
  if (parts.length !== 8 || parts.some((p) => !/^[0-9a-fA-F]{1,4}$/.test(p))) throw textError(`not a full IPv6 address: ${JSON.stringify(s ?? '')}`, n);
  const out = new Uint8Array(16);
  parts.forEach((p, i) => {
    const v = parseInt(p, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}
const protocolText = (p: number): string => (p === 6 ? 'TCP' : p === 17 ? 'UDP' : hx(p));
const parseProtocol = (s: string | undefined, n: string): number => (s === 'TCP' ? 6 : s === 'UDP' ? 17 : parseNum(s, 0xffff, n));

const PARITY = ['D', 'N', 'E', 'O', 'M', 'S'];
const STOP_BITS = ['D', '1', '1.5', '2'];
const USB_CLASS_NAMES: Readonly<Record<number, string>> = {
  1: 'UsbAudio', 2: 'UsbCDCControl', 3: 'UsbHID', 6: 'UsbImage', 7: 'UsbPrinter', 8: 'UsbMassStorage', 9: 'UsbHub',
  10: 'UsbCDCData', 11: 'UsbSmartCard', 14: 'UsbVideo', 220: 'UsbDiagnostic', 224: 'UsbWireless',
};
const USB_RESERVED_SUBCLASS_NAMES: Readonly<Record<number, string>> = { 1: 'UsbDeviceFirmwareUpdate', 2: 'UsbIrdaBridge', 3: 'UsbTestAndMeasurement' };

function usbClassForm(name: string, deviceClass: number): NodeForm {
  return form(name, MSG, 15, UsbClassDevicePath,
    (v) => (v.deviceClass === deviceClass ? [hx(v.vendorId), hx(v.productId), hx(v.deviceSubClass), hx(v.deviceProtocol)] : undefined),
    (a, n) => {
      arity(a, 4, n);
      return { vendorId: parseNum(a[0], 0xffff, n), productId: parseNum(a[1], 0xffff, n), deviceClass, deviceSubClass: parseNum(a[2], 0xff, n), deviceProtocol: parseNum(a[3], 0xff, n) };
    });
}
function usbReservedForm(name: string, subClass: number): NodeForm {
  return form(name, MSG, 15, UsbClassDevicePath,
    (v) => (v.deviceClass === 0xfe && v.deviceSubClass === subClass ? [hx(v.vendorId), hx(v.productId), hx(v.deviceProtocol)] : undefined),
    (a, n) => {
      arity(a, 3, n);
      return { vendorId: parseNum(a[0], 0xffff, n), productId: parseNum(a[1], 0xffff, n), deviceClass: 0xfe, deviceSubClass: subClass, deviceProtocol: parseNum(a[2], 0xff, n) };
    });
}

/** Messaging forms, in the order they are tried. */
export const MSG_FORMS: readonly NodeForm[] = [
  form('Ata', MSG, 1, AtapiDevicePath,
    (v) => (v.primarySecondary <= 1 && v.slaveMaster <= 1
      ? [v.primarySecondary === 1 ? 'Secondary' : 'Primary', v.slaveMaster === 1 ? 'Slave' : 'Master', hx(v.lun)] : undefined),
    (a, n) => {
      arity(a, 3, n);
      const ps = a[0] === 'Secondary' ? 1 : a[0] === 'Primary' ? 0 : parseNum(a[0], 0xff, n);
      const sm = a[1] === 'Slave' ? 1 : a[1] === 'Master' ? 0 : parseNum(a[1], 0xff, n);
      return { primarySecondary: ps, slaveMaster: sm, lun: parseNum(a[2], 0xffff, n) };
    }),
  form('Scsi', MSG, 2, ScsiDevicePath, (v) => [hx(v.pun), hx(v.lun)], (a, n) => {
    arity(a, 2, n);
    return { pun: parseNum(a[0], 0xffff, n), lun: parseNum(a[1], 0xffff, n) };
  }),
  form('Fibre', MSG, 3, FibreChannelDevicePath, (v) => (v.reserved === 0 ? [hx(v.wwn), hx(v.lun)] : undefined), (a, n) => {
    arity(a, 2, n);
    return { reserved: 0, wwn: parseU64(a[0], n), lun: parseU64(a[1], n) };
  }),
  form('USB', MSG, 5, UsbDevicePath, (v) => [hx(v.parentPortNumber), hx(v.interfaceNumber)], (a, n) => {
    arity(a, 2, n);
    return { parentPortNumber: parseNum(a[0], 0xff, n), interfaceNumber: parseNum(a[1], 0xff, n) };
  }),
  fixedVendor('VenPcAnsi', MSG_VENDOR_GUID.PC_ANSI),
  fixedVendor('VenVt100', MSG_VENDOR_GUID.VT_100),
  fixedVendor('VenVt100Plus', MSG_VENDOR_GUID.VT_100_PLUS),
  fixedVendor('VenUtf8', MSG_VENDOR_GUID.VT_UTF8),
  fixedVendor('DebugPort', MSG_VENDOR_GUID.DEBUG_PORT),
  shortcut(form('UartFlowCtrl', MSG, 10, UartFlowControlDevicePath,
    (v) => {
      if (guidToString(v.guid) !== MSG_VENDOR_GUID.UART_FLOW_CONTROL) return undefined;
      const name = ['None', 'Hardware', 'XonXoff'][v.flowControlMap];
      return name === undefined ? undefined : [name];
    },
    (a, n) => {
      arity(a, 1, n);
      const map = ['None', 'Hardware', 'XonXoff'].indexOf(a[0] ?? '');
      if (map < 0) throw textError(`unknown flow control ${JSON.stringify(a[0] ?? '')}`, n);
      return { guid: parseGuidArg(MSG_VENDOR_GUID.UART_FLOW_CONTROL, n), flowControlMap: map };
    })),
  vendorForm('VenMsg', MSG, 10),
  form('MAC', MSG, 11, MacAddrDevicePath,
    (v) => {
      const size = v.ifType === 0 || v.ifType === 1 ? 6 : 32;
      return [hexBytes(v.macAddress.subarray(0, size)), hx(v.ifType)];
    },
    (a, n) => {
      arity(a, 2, n);
      const mac = parseHexBytes(a[0], n);
      if (mac.length > 32) throw textError('MAC address longer than 32 bytes', n);
      const macAddress = new Uint8Array(32);
      macAddress.set(mac);
      return { macAddress, ifType: parseNum(a[1], 0xff, n) };
    }),
  form('IPv4', MSG, 12, Ipv4DevicePath,
    (v) => (v.localPort === 0 && v.remotePort === 0 && v.staticIpAddress <= 1
      ? [ip4(v.remoteIpAddress), protocolText(v.protocol), v.staticIpAddress === 1 ? 'Static' : 'DHCP', ip4(v.localIpAddress), ip4(v.gatewayIpAddress), ip4(v.subnetMask)]
      : undefined),
    (a, n) => {
      arity(a, 6, n);
      return {
        localIpAddress: parseIp4(a[3], n), remoteIpAddress: parseIp4(a[0], n), localPort: 0, remotePort: 0,
        protocol: parseProtocol(a[1], n), staticIpAddress: a[2] === 'Static' ? 1 : 0,
        gatewayIpAddress: parseIp4(a[4], n), subnetMask: parseIp4(a[5], n),
      };
    }),
  form('IPv6', MSG, 13, Ipv6DevicePath,
    (v) => {
      const origin = ['Static', 'StatelessAutoConfigure', 'StatefulAutoConfigure'][v.ipAddressOrigin];
      if (v.localPort !== 0 || v.remotePort !== 0 || origin === undefined) return undefined;
      return [ip6(v.remoteIpAddress), protocolText(v.protocol), origin, ip6(v.localIpAddress), hx(v.prefixLength), ip6(v.gatewayIpAddress)];
    },
    (a, n) => {
      arity(a, 6, n);
      const origin = ['Static', 'StatelessAutoConfigure', 'StatefulAutoConfigure'].indexOf(a[2] ?? '');
      if (origin < 0) throw textError(`unknown IPv6 address origin ${JSON.stringify(a[2] ?? '')}`, n);
      return {
        localIpAddress: parseIp6(a[3], n), remoteIpAddress: parseIp6(a[0], n), localPort: 0, remotePort: 0,
        protocol: parseProtocol(a[1], n), ipAddressOrigin: origin, prefixLength: parseNum(a[4], 0xff, n), gatewayIpAddress: parseIp6(a[5], n),
      };
    }),
  form('Uart', MSG, 14, UartDevicePath,
    (v) => {
      const parity = PARITY[v.parity];
      const stop = STOP_BITS[v.stopBits];
      if (v.reserved !== 0 || parity === undefined || stop === undefined) return undefined;
      return [v.baudRate === 0n ? 'DEFAULT' : v.baudRate.toString(), v.dataBits === 0 ? 'DEFAULT' : String(v.dataBits), parity, stop];
    },
    (a, n) => {
      arity(a, 4, n);
      const parity = PARITY.indexOf(a[2] ?? '');
      const stopBits = STOP_BITS.indexOf(a[3] ?? '');
      if (parity < 0 || stopBits < 0) throw textError('bad Uart parity or stop bits', n);
      return {
        reserved: 0, baudRate: a[0] === 'DEFAULT' ? 0n : parseU64(a[0], n), dataBits: a[1] === 'DEFAULT' ? 0 : parseNum(a[1], 0xff, n), parity, stopBits,
      };
    }),
  ...Object.entries(USB_CLASS_NAMES).map(([c, name]) => usbClassForm(name, Number(c))),
  ...Object.entries(USB_RESERVED_SUBCLASS_NAMES).map(([s, name]) => usbReservedForm(name, Number(s))),
  form('UsbClass', MSG, 15, UsbClassDevicePath,
    (v) => [hx(v.vendorId), hx(v.productId), hx(v.deviceClass), hx(v.deviceSubClass), hx(v.deviceProtocol)],
    (a, n) => {
      arity(a, 5, n);
      return {
        vendorId: parseNum(a[0], 0xffff, n), productId: parseNum(a[1], 0xffff, n), deviceClass: parseNum(a[2], 0xff, n),
        deviceSubClass: parseNum(a[3], 0xff, n), deviceProtocol: parseNum(a[4], 0xff, n),
      };
    }),
  form('Unit', MSG, 17, DeviceLogicalUnitDevicePath, (v) => [hx(v.lun)], (a, n) => {
    arity(a, 1, n);
    return { lun: parseNum(a[0], 0xff, n) };
  }),
  form('Sata', MSG, 18, SataDevicePath, (v) => [hx(v.hbaPortNumber), hx(v.portMultiplierPortNumber), hx(v.lun)], (a, n) => {
    arity(a, 3, n);
    return { hbaPortNumber: parseNum(a[0], 0xffff, n), portMultiplierPortNumber: parseNum(a[1], 0xffff, n), lun: parseNum(a[2], 0xffff, n) };
  }),
  form('Vlan', MSG, 20, VlanDevicePath, (v) => [String(v.vlanId)], (a, n) => {
    arity(a, 1, n);
    return { vlanId: parseNum(a[0], 0xffff, n) };
  }),
  form('NVMe', MSG, 23, NvmeNamespaceDevicePath,
    (v) => [hx(v.namespaceId), [...v.namespaceUuid].reverse().map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('-')],
    (a, n) => {
      arity(a, 2, n);
      const parts = (a[1] ?? '').split('-');
      if (parts.length !== 8 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw textError('NVMe EUI-64 must be 8 hex bytes', n);
      return { namespaceId: parseNum(a[0], 0xffffffff, n), namespaceUuid: Uint8Array.from(parts.reverse(), (p) => parseInt(p, 16)) };
    }),
  form('Uri', MSG, 24, UriDevicePath,
    (v) => (v.uri.every((b) => b >= 0x20 && b < 0x7f) ? [String.fromCharCode(...v.uri)] : undefined),
    (a) => ({ uri: Uint8Array.from(a.join(','), (c) => c.charCodeAt(0) & 0xff) })),
];
