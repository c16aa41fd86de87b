/**
 * EFI device paths in binary form (UEFI 2.9 §10.2-§10.3): a sequence of nodes, each
 * EFI_DEVICE_PATH_PROTOCOL { UINT8 Type; UINT8 SubType; UINT16 Length (header included) } followed by
 * Length − 4 bytes of data, ended by an End Entire node (0x7F/0xFF). End Instance nodes
 * (0x7F/0x01) separate the instances of a multi-instance path.
 *
 * Parsing is bounded: a node shorter than its 4-byte header is `BAD_VALUE` (it would never
 * advance), a node longer than the bytes left is `SHORT_BUFFER`, a path without its End node is
 * `SHORT_BUFFER`, and the node count is capped.
 */
import { ByteReader, ByteWriter, DecodeError } from '@tcg2sim/binary-codec';

/** Device path node types (UEFI 2.9 §10.3.1). */
export const DEVICE_PATH_TYPE = {
  HARDWARE: 0x01,
  ACPI: 0x02,
  MESSAGING: 0x03,
  MEDIA: 0x04,
  BBS: 0x05,
  END: 0x7f,
} as const;

/** End node subtypes. */
export const END_SUBTYPE = { INSTANCE: 0x01, ENTIRE: 0xff } as const;

/** One device path node: its header fields and its data (a view into the input when decoded). */
export interface DevicePathNode {
  readonly type: number;
  readonly subType: number;
  /** The node's bytes after the 4-byte header. */
  readonly data: Uint8Array;
}

/** A decoded device path: its nodes (the final End Entire node excluded) and its exact bytes. */
export interface DevicePath {
  readonly nodes: readonly DevicePathNode[];
  /** The bytes of the whole path, End node included (what GetDevicePathSize measures). */
  readonly raw: Uint8Array;
}

/** Parsing limits. */
export interface DevicePathLimits {
  /** The most nodes in one path (default 1024). */
  readonly maxNodes?: number;
}

const PATH = 'EFI_DEVICE_PATH_PROTOCOL';

/** True for an End Entire node. */
export function isEndEntire(n: DevicePathNode): boolean {
  return n.type === DEVICE_PATH_TYPE.END && n.subType === END_SUBTYPE.ENTIRE;
}

/** True for an End Instance node. */
export function isEndInstance(n: DevicePathNode): boolean {
  return n.type === DEVICE_PATH_TYPE.END && n.subType === END_SUBTYPE.INSTANCE;
}

function readNode(r: ByteReader, index: number): DevicePathNode {
  const at = r.offset;
  if (r.remaining < 4) {
    throw new DecodeError('SHORT_BUFFER', `node header needs 4 bytes, ${r.remaining} left (no End node?)`, at, [PATH, index]);
  }
  const type = r.u8();
  const subType = r.u8();
  const length = r.u16le();
  if (length < 4) throw new DecodeError('BAD_VALUE', `node length ${length} is shorter than its header`, at + 2, [PATH, index, 'length']);
  if (length - 4 > r.remaining) {
    throw new DecodeError('SHORT_BUFFER', `node length ${length} runs past the end (${r.remaining + 4} left)`, at + 2, [PATH, index, 'length']);
  }
  return { type, subType, data: r.bytes(length - 4) };
}

/**
 * Reads one device path from `r` up to and including its End Entire node.
 * @throws DecodeError `BAD_VALUE` (node length < 4), `SHORT_BUFFER` (no End node),
 *   `LIMIT_EXCEEDED` (more than maxNodes nodes)
 */
export function readDevicePath(r: ByteReader, limits: DevicePathLimits = {}): DevicePath {
  const maxNodes = limits.maxNodes ?? 1024;
  const start = r.offset;
  const nodes: DevicePathNode[] = [];
  for (;;) {
    const n = readNode(r, nodes.length);
    if (isEndEntire(n)) break;
    if (nodes.length >= maxNodes) throw new DecodeError('LIMIT_EXCEEDED', `more than ${maxNodes} nodes`, r.offset, [PATH]);
    nodes.push(n);
  }
  return { nodes, raw: r.buffer.subarray(start, r.offset) };
}

/**
 * Decodes a device path that fills `bytes` exactly (End node last).
 * @throws DecodeError as {@link readDevicePath}, and `TRAILING_BYTES`
 */
export function decodeDevicePath(bytes: Uint8Array, limits?: DevicePathLimits): DevicePath {
  const r = new ByteReader(bytes);
  const p = readDevicePath(r, limits);
  if (r.remaining !== 0) throw new DecodeError('TRAILING_BYTES', `${r.remaining} bytes after the End node`, r.offset, [PATH]);
  return p;
}

/** Decodes consecutive device paths filling `bytes` (an EFI_LOAD_OPTION FilePathList). */
export function decodeDevicePathList(bytes: Uint8Array, limits?: DevicePathLimits): DevicePath[] {
  const r = new ByteReader(bytes);
  const out: DevicePath[] = [];
  while (r.remaining > 0) out.push(readDevicePath(r, limits));
  return out;
}

/** Encodes nodes and a final End Entire node. */
export function encodeDevicePath(nodes: readonly DevicePathNode[]): Uint8Array {
  const w = new ByteWriter();
  for (const n of nodes) writeNode(w, n);
  w.u8(DEVICE_PATH_TYPE.END).u8(END_SUBTYPE.ENTIRE).u16le(4);
  return w.finish();
}

/** Encodes one node with its header. */
export function encodeDevicePathNode(n: DevicePathNode): Uint8Array {
  const w = new ByteWriter();
  writeNode(w, n);
  return w.finish();
}

function writeNode(w: ByteWriter, n: DevicePathNode): void {
  if (n.data.length + 4 > 0xffff) throw new RangeError(`device path node data of ${n.data.length} bytes does not fit a UINT16 length`);
  w.u8(n.type).u8(n.subType).u16le(n.data.length + 4).bytes(n.data);
}
