/**
 * The network boot options BDS creates for a NIC driven by an iPXE option ROM driver
 * (EfiBootManagerRefreshAllBootOption → BmEnumerateBootOptions: one option per LoadFile handle,
 * in the order the LoadFile protocols were installed; descriptions from BmGetNetworkDescription,
 * MdeModulePkg/Library/UefiBootManagerLib/BmBootDescription.c, edk2-stable202211).
 *
 * The LoadFile handles of one NIC, in installation order (seen on real OVMF 2022.11 boots):
 *  1. iPXE's own SNP handle, `PciRoot(0x0)/Pci(d,0)[/Pci(…)…]/MAC(mac,0x1)` (one Pci() per bridge level) (iPXE installs LoadFile there);
 *  2. UefiPxeBcDxe's IPv4 child, `…/MAC(…)/IPv4(0.0.0.0,…)` (all fields zero);
 *  3. UefiPxeBcDxe's IPv6 child, `…/MAC(…)/IPv6(::,…)` (all zero but PrefixLength 64);
 *  4. HttpBootDxe's IPv4 child, `…/MAC(…)/IPv4(…)/Uri()` (an empty URI);
 *  5. HttpBootDxe's IPv6 child, `…/MAC(…)/IPv6(…)/Uri()`.
 * BmGetNetworkDescription names them "PXEv4 (MAC:…)" (no IP node counts as v4), "PXEv4",
 * "PXEv6", "HTTPv4", "HTTPv6", with the MAC as twelve upper-case hex digits; BmGetBootDescription
 * puts "UEFI " in front, and BmMakeBootOptionDescriptionUnique appends " 2", " 3", … to later
 * duplicates (the iPXE option and PxeBc's IPv4 option share a name: the second is "… 2").
 */
import { encode } from '@tcg2sim/binary-codec';
import {
  Ipv4DevicePath, Ipv6DevicePath, MacAddrDevicePath, UriDevicePath, decodeDevicePath, encodeDevicePath,
} from '@tcg2sim/uefi';
import type { DevicePath, DevicePathNode } from '@tcg2sim/uefi';
import { pciPathNodes, rootPciPath } from './pci-path.ts';
import type { PciPath } from './pci-path.ts';

/** A NIC whose option ROM driver (iPXE) started. */
export interface NetworkNic {
  /** PCI device number on bus 0 (function 0), when `pciPath` is not given. */
  readonly device: number;
  /** Where the NIC sits (behind root ports or bridges); default function 0 of `device` on bus 0. */
  readonly pciPath?: PciPath;
  /** The 6-byte MAC address. */
  readonly mac: Uint8Array;
}

/** The NIC's PCI location. */
export function nicPciPath(nic: NetworkNic): PciPath {
  return nic.pciPath ?? rootPciPath(nic.device);
}

/** A boot option before BDS numbers it. */
export interface NetworkOption {
  readonly description: string;
  readonly filePath: DevicePath;
}

const MSG = 3;
/** NET_IFTYPE_ETHERNET: SNP Mode.IfType of an Ethernet NIC. */
const IFTYPE_ETHERNET = 1;
/** IP6_PREFIX_LENGTH of UefiPxeBcDxe's and HttpBootDxe's IPv6 device path nodes. */
const IPV6_PREFIX_LENGTH = 64;

function macNode(mac: Uint8Array): DevicePathNode {
  const macAddress = new Uint8Array(32);
  macAddress.set(mac.subarray(0, 32));
  return { type: MSG, subType: 11, data: encode(MacAddrDevicePath, { macAddress, ifType: IFTYPE_ETHERNET }) };
}

function ipv4Node(): DevicePathNode {
  const z4 = new Uint8Array(4);
  return {
    type: MSG,
    subType: 12,
    data: encode(Ipv4DevicePath, {
      localIpAddress: z4, remoteIpAddress: z4, localPort: 0, remotePort: 0, protocol: 0, staticIpAddress: 0, gatewayIpAddress: z4, subnetMask: z4,
    }),
  };
}

function ipv6Node(): DevicePathNode {
  const z16 = new Uint8Array(16);
  return {
    type: MSG,
    subType: 13,
    data: encode(Ipv6DevicePath, {
      localIpAddress: z16, remoteIpAddress: z16, localPort: 0, remotePort: 0, protocol: 0, ipAddressOrigin: 0, prefixLength: IPV6_PREFIX_LENGTH, gatewayIpAddress: z16,
    }),
  };
}

const URI_NODE: DevicePathNode = { type: MSG, subType: 24, data: encode(UriDevicePath, { uri: new Uint8Array() }) };

/**
 * MAC as BmGetNetworkDescription prints it: %02x six times, which EDK II's PrintLib writes with
 * upper-case hex digits (seen on a real boot with mac=52:54:00:6b:3c:58: "(MAC:5254006B3C58)").
 */
export function macText(mac: Uint8Array): string {
  return [...mac.subarray(0, 6)].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
}

/** The five LoadFile options of one NIC, in enumeration order, before descriptions are made unique. */
export function nicNetworkOptions(nic: NetworkNic): NetworkOption[] {
  const pci = pciPathNodes(nicPciPath(nic));
  const mac = macNode(nic.mac);
  const tag = `(MAC:${macText(nic.mac)})`;
  const path = (...rest: DevicePathNode[]): DevicePath => decodeDevicePath(encodeDevicePath([...pci, mac, ...rest]));
  return [
    { description: `UEFI PXEv4 ${tag}`, filePath: path() },
    { description: `UEFI PXEv4 ${tag}`, filePath: path(ipv4Node()) },
    { description: `UEFI PXEv6 ${tag}`, filePath: path(ipv6Node()) },
    { description: `UEFI HTTPv4 ${tag}`, filePath: path(ipv4Node(), URI_NODE) },
    { description: `UEFI HTTPv6 ${tag}`, filePath: path(ipv6Node(), URI_NODE) },
  ];
}

/**
 * BmMakeBootOptionDescriptionUnique over the enumerated options: the n-th option carrying an
 * earlier option's description gets " n" appended.
 */
export function uniqueDescriptions(descriptions: readonly string[]): string[] {
  const out = [...descriptions];
  const visited = new Array<boolean>(out.length).fill(false);
  for (let base = 0; base < out.length; base++) {
    if (visited[base] === true) continue;
    visited[base] = true;
    let count = 1;
    for (let i = base + 1; i < out.length; i++) {
      if (visited[i] !== true && descriptions[i] === descriptions[base]) {
        visited[i] = true;
        count++;
        out[i] = `${descriptions[base] ?? ''} ${count}`;
      }
    }
  }
  return out;
}
