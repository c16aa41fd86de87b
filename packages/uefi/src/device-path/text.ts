/**
 * EFI device paths to and from the EDK II text form (UEFI 2.9 §10.6 "Text Device Node Reference";
 * the DevicePathToText / DevicePathFromText conventions of MdePkg's UefiDevicePathLib, with
 * DisplayOnly = FALSE and AllowShortcuts = FALSE): nodes joined by `/`, instances by `,`, hex in
 * upper case.
 *
 * Exactness: a node is printed in its named form only when parsing that text gives back the same
 * bytes; otherwise (reserved fields set, extra bytes, an unprintable string, a node type without a
 * named form) it is printed generically, `HardwarePath(sub,hex)`, `AcpiPath(…)`, `Msg(…)`,
 * `MediaPath(…)`, `BbsPath(…)` or `Path(type,sub,hex)`, as EDK II does for unknown nodes. So
 * `devicePathFromText(devicePathToText(p))` reproduces the bytes of every well-formed path.
 */
import { DecodeError, equalBytes } from '@tcg2sim/binary-codec';
import { DEVICE_PATH_TYPE, END_SUBTYPE, decodeDevicePath, encodeDevicePath, isEndInstance } from './node.ts';
import type { DevicePath, DevicePathNode } from './node.ts';
import { HW_ACPI_FORMS } from './forms-hw-acpi.ts';
import { MSG_FORMS } from './forms-msg.ts';
import { FILE_PATH_FORM, MEDIA_FORMS } from './forms-media.ts';
import { hexBytes, parseHexBytes, parseNum, textError } from './text-util.ts';
import type { NodeForm } from './text-util.ts';

const FORMS: readonly NodeForm[] = [...HW_ACPI_FORMS, ...MSG_FORMS, ...MEDIA_FORMS];
const BY_NAME = new Map<string, NodeForm>(FORMS.filter((f) => f.name !== '').map((f) => [f.name, f]));
const GENERIC_BY_TYPE: Readonly<Record<number, string>> = {
  [DEVICE_PATH_TYPE.HARDWARE]: 'HardwarePath', [DEVICE_PATH_TYPE.ACPI]: 'AcpiPath', [DEVICE_PATH_TYPE.MESSAGING]: 'Msg',
  [DEVICE_PATH_TYPE.MEDIA]: 'MediaPath', [DEVICE_PATH_TYPE.BBS]: 'BbsPath',
};
const GENERIC_TYPE_BY_NAME = new Map<string, number>(Object.entries(GENERIC_BY_TYPE).map(([t, n]) => [n, Number(t)]));

function genericText(n: DevicePathNode): string {
  const named = GENERIC_BY_TYPE[n.type];
  const head = named !== undefined ? `${named}(${n.subType}` : `Path(${n.type},${n.subType}`;
  return `${head}${n.data.length > 0 ? `,${hexBytes(n.data)}` : ''})`;
}

/** Non-empty, balanced parentheses, no `/` or `,` outside them: safe to join with others. */
function selfContained(text: string): boolean {
  if (text === '') return false;
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
    else if (depth === 0 && (c === '/' || c === ',')) return false;
  }
  return depth === 0;
}

function formText(f: NodeForm, args: readonly string[]): string {
  return f.name === '' ? (args[0] ?? '') : `${f.name}(${args.join(',')})`;
}

/** How to print (EDK II's ConvertDevicePathToText flags; DisplayOnly is always FALSE here). */
export interface DevicePathTextOptions {
  /**
   * Print the messaging vendor shortcuts (VenPcAnsi(), VenVt100(), UartFlowCtrl(…), …) as
   * ConvertDevicePathToText(…, AllowShortcuts = TRUE) does, e.g. the Shell's `dh`. Default false,
   * as BdsDxe prints boot options: `VenMsg(E0C14753-…)`.
   */
  readonly allowShortcuts?: boolean;
}

/** The text of one node (End nodes have none: they are separators). */
export function devicePathNodeToText(n: DevicePathNode, options: DevicePathTextOptions = {}): string {
  for (const f of FORMS) {
    if (f.type !== n.type || f.subType !== n.subType) continue;
    if (f.shortcut === true && options.allowShortcuts !== true) continue;
    const args = f.toArgs(n.data);
    if (args === undefined) continue;
    const text = formText(f, args);
    if (!selfContained(text)) continue;
    // Keep the named form only when it parses back to the same bytes.
    try {
      const back = devicePathNodeFromText(text);
      if (back.type === n.type && back.subType === n.subType && equalBytes(back.data, n.data)) return text;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }
  return genericText(n);
}

/**
 * The EDK II text of a device path: nodes joined by `/`; an End Instance node prints `,` and, as
 * in EDK II (its separator check looks one character past the end of the string), the next node
 * is still preceded by `/`, so instances read `A,/B`. The parser accepts `A,B` too.
 */
export function devicePathToText(p: DevicePath | readonly DevicePathNode[], options: DevicePathTextOptions = {}): string {
  const nodes = 'nodes' in p ? p.nodes : p;
  let s = '';
  for (const n of nodes) {
    if (isEndInstance(n) && n.data.length === 0) {
      s += ',';
      continue;
    }
    s += (s === '' ? '' : '/') + devicePathNodeToText(n, options);
  }
  return s;
}

/** Splits `s` at top-level occurrences of `seps` (outside parentheses), keeping the separators. */
function splitTop(s: string, seps: string): { part: string; sep: string }[] {
  const out: { part: string; sep: string }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && seps.includes(c)) {
      out.push({ part: s.slice(start, i), sep: c });
      start = i + 1;
    }
  }
  out.push({ part: s.slice(start), sep: '' });
  return out;
}

/** One node from its text; text that is not `Name(args)` with a known name is a File Path. */
export function devicePathNodeFromText(text: string): DevicePathNode {
  const m = /^([A-Za-z][A-Za-z0-9]*)\((.*)\)$/s.exec(text);
  if (m?.[1] !== undefined && m[2] !== undefined) {
    const name = m[1];
    const args = m[2] === '' ? [] : splitTop(m[2], ',').map((x) => x.part);
    const f = BY_NAME.get(name);
    if (f) return { type: f.type, subType: f.subType, data: f.fromArgs(args) };
    const gt = GENERIC_TYPE_BY_NAME.get(name);
    if (gt !== undefined || name === 'Path') {
      const rest = gt !== undefined ? args : args.slice(1);
      const type = gt ?? parseNum(args[0], 0xff, name);
      if (rest.length < 1 || rest.length > 2) throw textError(`${name} takes a subtype and optional hex data`, name);
      const data = parseHexBytes(rest[1] ?? '', name);
      if (data.length + 4 > 0xffff) throw textError('node data too long', name);
      return { type, subType: parseNum(rest[0], 0xff, name), data };
    }
  }
  return { type: FILE_PATH_FORM.type, subType: FILE_PATH_FORM.subType, data: FILE_PATH_FORM.fromArgs([text]) };
}

/**
 * Parses the EDK II text form into a device path (End Instance nodes between instances, End
 * Entire last).
 * @throws DecodeError `BAD_VALUE` with path ['DevicePathText', nodeName] for malformed arguments
 */
export function devicePathFromText(text: string): DevicePath {
  const nodes: DevicePathNode[] = [];
  if (text !== '') {
    for (const { part, sep } of splitTop(text, '/,')) {
      if (part !== '') nodes.push(devicePathNodeFromText(part));
      if (sep === ',') nodes.push({ type: DEVICE_PATH_TYPE.END, subType: END_SUBTYPE.INSTANCE, data: new Uint8Array() });
    }
  }
  return decodeDevicePath(encodeDevicePath(nodes));
}
