/**
 * Reads the DXE core's own bookkeeping out of a dump of guest RAM (X64 DXE, RAM from physical
 * address 0, e.g. QMP `pmemsave` at the Shell prompt): the memory map, every loaded image and the
 * pool allocations. docs/dxe-allocations.md §1 describes the method and what it found. The dump
 * is outside input: structures that do not check out (signature, bounds, link, tail) are skipped,
 * never followed off the end of the dump, and every walk is bounded by the dump's size.
 */
import { decodeFirst, guidToString, struct, fixedBytes, u8, u16le, u32le, u64le } from '@tcg2sim/binary-codec';
import type { Codec, Infer } from '@tcg2sim/binary-codec';

/** MEMORY_MAP (MdeModulePkg/Core/Dxe/Mem/Imem.h), X64: signature `mmap` in a UINTN. */
export const DxeMemoryMapEntry = struct('MEMORY_MAP', {
  signature: u64le,
  forwardLink: u64le,
  backLink: u64le,
  fromPages: u8,
  reserved: fixedBytes('Reserved', 3),
  type: u32le,
  start: u64le,
  end: u64le,
  virtualStart: u64le,
  attribute: u64le,
});
export type DxeMemoryMapEntry = Infer<typeof DxeMemoryMapEntry>;

/** LOADED_IMAGE_PRIVATE_DATA (MdeModulePkg/Core/Dxe/Image.h) up to EFI_LOADED_IMAGE_PROTOCOL's Unload, X64. */
export const DxeLoadedImagePrivate = struct('LOADED_IMAGE_PRIVATE_DATA', {
  signature: u64le,
  handle: u64le,
  type: u64le,
  started: fixedBytes('Started', 8),
  entryPoint: u64le,
  revision: u32le,
  reserved0: u32le,
  parentHandle: u64le,
  systemTable: u64le,
  deviceHandle: u64le,
  filePath: u64le,
  reserved: u64le,
  loadOptionsSize: u32le,
  reserved1: u32le,
  loadOptions: u64le,
  imageBase: u64le,
  imageSize: u64le,
  imageCodeType: u32le,
  imageDataType: u32le,
  unload: u64le,
});
export type DxeLoadedImagePrivate = Infer<typeof DxeLoadedImagePrivate>;

/** POOL_HEAD (MdeModulePkg/Core/Dxe/Mem/Pool.c), X64: 0x18 bytes before the caller's data. */
export const DxePoolHead = struct('POOL_HEAD', { signature: u32le, reserved: u32le, type: u32le, reserved1: u32le, size: u64le });
/** POOL_TAIL: the last 0x10 bytes of an allocation of POOL_HEAD.Size bytes. */
export const DxePoolTail = struct('POOL_TAIL', { signature: u32le, reserved: u32le, size: u64le });
/** MEDIA_FW_VOL_FILEPATH_DEVICE_PATH (UEFI 2.10 §10.3.5.6): the FFS file an image came from. */
export const FvFilePathNode = struct('MEDIA_FW_VOL_FILEPATH_DEVICE_PATH', { type: u8, subType: u8, length: u16le, guid: fixedBytes('FvFileName', 16) });

const MMAP = 0x70616d6dn; // 'mmap'
const LDRI = 0x6972646cn; // 'ldri'
const PHD0 = 0x30646870; // 'phd0'
const PTAL = 0x6c617470; // 'ptal'
const POOL_HEAD_SIZE = 0x18;
const POOL_TAIL_SIZE = 0x10;
const MAX_MEMORY_TYPE = 16;

/** One range of the DXE memory map. */
export interface DxeMemoryRange { readonly start: bigint; readonly end: bigint; readonly type: number }
/** One loaded image: where it is, how large (SizeOfImage), its code type, and its FFS file when it came from a firmware volume. */
export interface DxeLoadedImage { readonly imageBase: bigint; readonly imageSize: bigint; readonly codeType: number; readonly fileGuid?: string }
/** One pool allocation: POOL_HEAD's address, Size (head and tail included) and memory type. */
export interface DxePoolAllocation { readonly head: number; readonly size: number; readonly type: number }

function* aligned8(ram: Uint8Array, signature: bigint, structSize: number): Generator<number> {
  const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  for (let a = 0; a + structSize <= ram.length; a += 8) {
    if (view.getUint32(a, true) === Number(signature) && view.getUint32(a + 4, true) === 0) yield a;
  }
}

function at<T>(codec: Codec<T>, ram: Uint8Array, offset: number): T {
  return decodeFirst(codec, ram.subarray(offset))[0];
}

const MAP_ENTRY_SIZE = 64;

/**
 * The memory map: the `mmap` entries linked into one list, followed from the entry that starts at
 * address 0 (the DXE core's map covers it). Stale entries in freed pool are not linked and are
 * left out. Sorted by address; empty when no such list is found.
 */
export function dxeMemoryMap(ram: Uint8Array): DxeMemoryRange[] {
  const entries = new Map<number, DxeMemoryMapEntry>();
  for (const a of aligned8(ram, MMAP, MAP_ENTRY_SIZE)) {
    const e = at(DxeMemoryMapEntry, ram, a);
    if (e.signature !== MMAP || e.type >= MAX_MEMORY_TYPE || e.start > e.end || (e.start & 0xfffn) !== 0n || ((e.end + 1n) & 0xfffn) !== 0n) continue;
    entries.set(a, e);
  }
  let best: number[] = [];
  for (const [a0, e0] of entries) {
    if (e0.start !== 0n) continue;
    const chain: number[] = [];
    const seen = new Set<number>();
    for (let a = a0; entries.has(a) && !seen.has(a) && chain.length <= entries.size; a = Number((entries.get(a)?.forwardLink ?? 0n) - 8n)) {
      seen.add(a);
      chain.push(a);
    }
    if (chain.length > best.length) best = chain;
  }
  return best
    .map((a) => entries.get(a))
    .filter((e): e is DxeMemoryMapEntry => e !== undefined)
    .map((e) => ({ start: e.start, end: e.end, type: e.type }))
    .sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
}

const LOADED_IMAGE_SIZE = 136;

/** Every `ldri` structure whose image lies inside the dump, with its FFS file GUID where FilePath is a firmware-volume file node. */
export function dxeLoadedImages(ram: Uint8Array): DxeLoadedImage[] {
  const out: DxeLoadedImage[] = [];
  for (const a of aligned8(ram, LDRI, LOADED_IMAGE_SIZE)) {
    const p = at(DxeLoadedImagePrivate, ram, a);
    if (p.imageBase === 0n || p.imageSize === 0n || p.imageBase + p.imageSize > BigInt(ram.length) || p.imageCodeType >= MAX_MEMORY_TYPE) continue;
    let fileGuid: string | undefined;
    if (p.filePath > 0n && p.filePath + 20n <= BigInt(ram.length)) {
      const node = at(FvFilePathNode, ram, Number(p.filePath));
      if (node.type === 4 && node.subType === 6 && node.length === 20) fileGuid = guidToString(node.guid);
    }
    out.push({ imageBase: p.imageBase, imageSize: p.imageSize, codeType: p.imageCodeType, ...(fileGuid === undefined ? {} : { fileGuid }) });
  }
  return out.sort((x, y) => (x.imageBase < y.imageBase ? -1 : x.imageBase > y.imageBase ? 1 : 0));
}

/** Every pool allocation in `[from, to)` of the dump whose POOL_HEAD and POOL_TAIL agree (signature and Size). */
export function dxePoolAllocations(ram: Uint8Array, from: number, to: number): DxePoolAllocation[] {
  const out: DxePoolAllocation[] = [];
  const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  const end = Math.min(to, ram.length);
  for (let a = Math.max(0, from) & ~7; a + POOL_HEAD_SIZE <= end; a += 8) {
    if (view.getUint32(a, true) !== PHD0) continue;
    const h = at(DxePoolHead, ram, a);
    if (h.type >= MAX_MEMORY_TYPE || h.size < BigInt(POOL_HEAD_SIZE + POOL_TAIL_SIZE) || h.size > BigInt(end - a)) continue;
    const size = Number(h.size);
    const t = at(DxePoolTail, ram, a + size - POOL_TAIL_SIZE);
    if (t.signature !== PTAL || t.size !== h.size) continue;
    out.push({ head: a, size, type: h.type });
  }
  return out;
}
