/**
 * QEMU's `bootorder` fw_cfg file as OVMF reads it (OvmfPkg/Library/QemuBootOrderLib,
 * QemuBootOrderLib.c, identical in edk2-stable202211 and edk2-stable202502): a NUL-terminated
 * string of OpenFirmware device paths separated by `\n`, optionally ending in `HALT`
 * (`-boot strict=on`). Each path is parsed node by node (`/driver-name@unit-address[:args]`) and,
 * with PcdQemuBootOrderPciTranslation (TRUE in OVMF; the MMIO translation is ArmVirt's only),
 * translated into the text of a UEFI device path prefix that boot options are matched against.
 *
 * The firmware never rejects the file loudly: a parse error ends the scan, an untranslatable path
 * is skipped. So is this model: it reports what the firmware would do, it does not throw.
 */

/** How one OpenFirmware path fared (TranslateOfwPath's RETURN_STATUS). */
export type OfwTranslation =
  | { readonly status: 'success'; readonly ofw: string; readonly text: string }
  /** Parsed, but no translation exists (RETURN_UNSUPPORTED), e.g. a path not on PCI bus 0's root. */
  | { readonly status: 'unsupported'; readonly ofw: string }
  /** An extra PCI root bus (`pci@i0cf8,N`): OVMF maps it with ExtraRootBusMap; none exist here (RETURN_PROTOCOL_ERROR). */
  | { readonly status: 'protocol-error'; readonly ofw: string }
  /** The translation does not fit TRANSLATION_OUTPUT_SIZE (0x100 CHAR16s) (RETURN_BUFFER_TOO_SMALL). */
  | { readonly status: 'buffer-too-small'; readonly ofw: string };

/** The file as the firmware scans it. */
export interface QemuBootOrder {
  /** The paths before the scan ended, in file order. */
  readonly paths: readonly OfwTranslation[];
  /**
   * How the scan ended: `end` (end of string or `HALT`: RETURN_NOT_FOUND), `parse-error` at
   * `errorOffset` (RETURN_INVALID_PARAMETER: SetBootOrderFromQemu then leaves BootOrder alone),
   * `not-terminated` (the last byte is not NUL: the file is ignored), `empty` (size 0, what QEMU
   * 7.2 passes without any bootindex, also for `-boot order=…`/`menu=on`: the file is ignored).
   */
  readonly end: 'end' | 'parse-error' | 'not-terminated' | 'empty';
  readonly errorOffset?: number;
}

/** TRANSLATION_OUTPUT_SIZE and BRIDGE_TRANSLATION_OUTPUT_SIZE (CHAR16s, the NUL included). */
const TRANSLATION_OUTPUT_SIZE = 0x100;
const BRIDGE_TRANSLATION_OUTPUT_SIZE = 0x40;
/** EXAMINED_OFW_NODES: later nodes are parsed but not looked at. */
const EXAMINED_OFW_NODES = 6;
const REQUIRED_PCI_OFW_NODES = 2;
const DRIVER_NAME_LIMIT = 32;

interface OfwNode {
  readonly driverName: string;
  readonly unitAddress: string;
}

/** Internal: ParseOfwNode's RETURN_INVALID_PARAMETER, caught in parseQemuBootOrder (never escapes). */
class ParseFailure extends Error {
  readonly offset: number;
  constructor(offset: number) {
    super(`bootorder parse error at offset ${offset}`);
    this.offset = offset;
  }
}

const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDriverNamePunct = (c: number): boolean => c === 0x2c || c === 0x2e || c === 0x5f || c === 0x2b || c === 0x2d;
const isPrintNotDelim = (c: number): boolean => c >= 32 && c <= 126 && c !== 0x2f && c !== 0x40 && c !== 0x3a;

/**
 * Scans the file's bytes as SetBootOrderFromQemu does. `bytes` may be anything (it comes from the
 * VM description); the work is linear in its length.
 */
export function parseQemuBootOrder(bytes: Uint8Array): QemuBootOrder {
  if (bytes.length === 0) return { paths: [], end: 'empty' };
  if (bytes[bytes.length - 1] !== 0) return { paths: [], end: 'not-terminated' };
  // The firmware treats the buffer as a C string: it ends at the first NUL.
  const nul = bytes.indexOf(0);
  const s = bytes.subarray(0, nul);
  const paths: OfwTranslation[] = [];
  let pos = 0;
  const at = (i: number): number => (i < s.length ? s[i] ?? 0 : 0);
  for (;;) {
    if (isHalt(s, pos)) return { paths, end: 'end' };
    if (pos >= s.length) return { paths, end: 'end' };
    const start = pos;
    const nodes: OfwNode[] = [];
    let count = 0;
    let final = false;
    try {
      while (!final) {
        const r = parseNode(s, pos, at);
        pos = r.next;
        final = r.final;
        if (count < EXAMINED_OFW_NODES) nodes.push(r.node);
        count++;
      }
    } catch (e) {
      if (e instanceof ParseFailure) return { paths, end: 'parse-error', errorOffset: e.offset };
      throw e;
    }
    const ofw = new TextDecoder('latin1').decode(s.subarray(start, pos)).replace(/\n$/, '');
    paths.push(translatePciNodes(nodes, ofw));
  }
}

function isHalt(s: Uint8Array, pos: number): boolean {
  return s.length - pos === 4 && s[pos] === 0x48 && s[pos + 1] === 0x41 && s[pos + 2] === 0x4c && s[pos + 3] === 0x54;
}

/** ParseOfwNode: `/driver-name@unit-address[:device-arguments]` then `\n`, end or `/`. */
function parseNode(s: Uint8Array, start: number, at: (i: number) => number): { node: OfwNode; next: number; final: boolean } {
  let p = start;
  if (at(p) !== 0x2f) throw new ParseFailure(p);
  p++;
  const nameStart = p;
  while (p - nameStart < DRIVER_NAME_LIMIT && (isAlnum(at(p)) || isDriverNamePunct(at(p)))) p++;
  const nameLen = p - nameStart;
  if (nameLen === 0 || nameLen === DRIVER_NAME_LIMIT) throw new ParseFailure(p);
  if (at(p) !== 0x40) throw new ParseFailure(p);
  p++;
  const unitStart = p;
  while (isPrintNotDelim(at(p))) p++;
  if (p === unitStart) throw new ParseFailure(p);
  const unitEnd = p;
  if (at(p) === 0x3a) {
    p++;
    const argStart = p;
    while (isPrintNotDelim(at(p))) p++;
    if (p === argStart) throw new ParseFailure(p);
  }
  const text = (a: number, b: number): string => String.fromCharCode(...s.subarray(a, b));
  const node = { driverName: text(nameStart, nameStart + nameLen), unitAddress: text(unitStart, unitEnd) };
  const c = at(p);
  if (c === 0x0a) return { node, next: p + 1, final: true };
  if (c === 0) return { node, next: p, final: true };
  if (c === 0x2f) return { node, next: p, final: false };
  throw new ParseFailure(p);
}

/**
 * ParseUnitAddressHexList: comma-separated hex numbers, no `0x`, no empty entries. Undefined for
 * a parse error; `tooMany` when more than `max` entries were given (RETURN_BUFFER_TOO_SMALL).
 */
export function parseUnitAddressHexList(unit: string, max: number): { values: bigint[]; tooMany: boolean } | undefined {
  const values: bigint[] = [];
  let v = 0n;
  let prev = ',';
  for (const ch of unit) {
    if (/^[0-9a-fA-F]$/.test(ch)) {
      if (v > 0x0fff_ffff_ffff_ffffn) return undefined;
      v = (v << 4n) | BigInt(parseInt(ch, 16));
    } else if (ch === ',') {
      if (prev === ',') return undefined;
      values.push(v);
      v = 0n;
    } else {
      return undefined;
    }
    prev = ch;
  }
  if (prev === ',') return undefined;
  values.push(v);
  return { values, tooMany: values.length > max };
}

/** Exactly up to `max` values, or undefined for anything but RETURN_SUCCESS. */
function hexList(unit: string, max: number): bigint[] | undefined {
  const r = parseUnitAddressHexList(unit, max);
  return r === undefined || r.tooMany ? undefined : r.values;
}

/** EDK II's %x / %Lx: upper-case hex digits, no padding. */
const x = (v: bigint | number): string => `0x${v.toString(16).toUpperCase()}`;

/** TranslatePciOfwNodes. */
function translatePciNodes(all: readonly OfwNode[], ofw: string): OfwTranslation {
  const nodes = all.slice(0, EXAMINED_OFW_NODES);
  const unsupported = { status: 'unsupported', ofw } as const;
  const root = nodes[0];
  if (nodes.length < REQUIRED_PCI_OFW_NODES || root?.driverName !== 'pci') return unsupported;
  const comma = root.unitAddress.indexOf(',');
  if (comma >= 0) {
    if (hexList(root.unitAddress.slice(comma + 1), 1) === undefined) return unsupported;
    // MapRootBusPosToBusNr: the VMs modelled have no extra root bus (pxb).
    return { status: 'protocol-error', ofw };
  }
  const pciRoot = 0;
  let bridges = '';
  let fnb = 1;
  do {
    const n = nodes[fnb];
    if (n?.driverName !== 'pci-bridge') break;
    const df = parseUnitAddressHexList(n.unitAddress, 2);
    if (df === undefined || df.tooMany) return unsupported;
    bridges += `/Pci(${x(df.values[0] ?? 0n)},${x(df.values[1] ?? 0n)})`;
    if (bridges.length + 1 >= BRIDGE_TRANSLATION_OUTPUT_SIZE) return unsupported;
    ++fnb;
  } while (fnb < nodes.length);
  if (fnb === nodes.length) return unsupported;
  const dev = nodes[fnb];
  const devFun = dev === undefined ? undefined : hexList(dev.unitAddress, 2);
  if (devFun === undefined) return unsupported;
  const name = (i: number): string | undefined => nodes[fnb + i]?.driverName;
  const unit = (i: number): string => nodes[fnb + i]?.unitAddress ?? '';
  const has = (...names: string[]): boolean => nodes.length >= fnb + names.length && names.every((n, i) => name(i) === n);
  const pci = `PciRoot(${x(pciRoot)})${bridges}/Pci(${x(devFun[0] ?? 0n)},${x(devFun[1] ?? 0n)})`;
  let text: string;
  if (has('ide', 'drive', 'disk')) {
    const secondary = hexList(unit(1), 1)?.[0];
    const slave = hexList(unit(2), 1)?.[0];
    if (secondary === undefined || secondary > 1n || slave === undefined || slave > 1n) return unsupported;
    text = `${pci}/Ata(${secondary === 1n ? 'Secondary' : 'Primary'},${slave === 1n ? 'Slave' : 'Master'},0x0)`;
  } else if (has('pci8086,2922', 'drive', 'disk')) {
    const channel = hexList(unit(1), 1)?.[0];
    if (channel === undefined) return unsupported;
    text = `${pci}/Sata(${x(channel)},0xFFFF,0x0)`;
  } else if (has('isa', 'fdc', 'floppy')) {
    const uid = hexList(unit(2), 1)?.[0];
    if (uid === undefined || uid > 1n) return unsupported;
    text = `${pci}/Floppy(${x(uid)})`;
  } else if (has('scsi', 'disk')) {
    // virtio-blk: the controller is the disk.
    text = pci;
  } else if (has('scsi', 'channel', 'disk')) {
    const tl = hexList(unit(2), 2);
    if (tl === undefined) return unsupported;
    text = `${pci}/Scsi(${x(tl[0] ?? 0n)},${x(tl[1] ?? 0n)})`;
  } else if (has('pci8086,5845', 'namespace')) {
    const ns = parseUnitAddressHexList(unit(1), 2);
    const [id, eui] = ns?.values ?? [];
    if (ns === undefined || ns.values.length !== 2 || id === undefined || eui === undefined || id === 0n || id >= 0xffff_ffffn) return unsupported;
    const octets = eui.toString(16).toUpperCase().padStart(16, '0').match(/../g) ?? [];
    text = `${pci}/NVMe(${x(id)},${octets.join('-')})`;
  } else if (has('usb', 'storage')) {
    const port = hexList(unit(1), 1)?.[0];
    if (port === undefined || port === 0n) return unsupported;
    text = `${pci}/USB(${x(port - 1n)},0x0)`;
  } else {
    // Any other PCI device (a NIC's `ethernet@3/ethernet-phy@0`, QEMU 7.2's NVMe
    // `pci1b36,0010@2/namespace@1,0`): the function's path.
    text = pci;
  }
  if (text.length + 1 >= TRANSLATION_OUTPUT_SIZE) return { status: 'buffer-too-small', ofw };
  return { status: 'success', ofw, text };
}
