/**
 * NV indices (libtpms NVDynamic.c / NV_spt.c / NVCommands.c): ordinary indices defined under the
 * platform or owner hierarchy, their Name (nameAlg || H(TPMS_NV_PUBLIC)), and the access checks
 * NV_Read / NV_Write make before touching the data.
 */
import { ByteWriter } from '@tcg2sim/binary-codec';
import { digestLength, digestOf } from './algs.ts';
import { writeNvPublic } from './marshal.ts';
import { NV_ATTR, RC, RH } from './constants.ts';
import type { NvIndex, PersistentState } from './state.ts';
import type { NvPublic } from './wire.ts';

/** The TPM_NT field of TPMA_NV. */
export function nvType(attributes: number): number {
  return (attributes & NV_ATTR.TPM_NT_MASK) >>> NV_ATTR.TPM_NT_SHIFT;
}

/** True when `attributes` has the TPMA_NV bit `bit` (bit 31 included). */
export function hasAttr(attributes: number, bit: number): boolean {
  return Math.floor((attributes >>> 0) / bit) % 2 === 1;
}

/** TPMS_NV_PUBLIC marshalled (for TPM2B_NV_PUBLIC responses and the Name). */
export function marshalNvPublic(pub: NvPublic): Uint8Array {
  const w = new ByteWriter(64);
  writeNvPublic(w, pub);
  return w.finish();
}

/** The Name of an NV index: nameAlg followed by the digest of its public area. */
export function nvName(pub: NvPublic): Uint8Array {
  const d = digestOf(pub.nameAlg, marshalNvPublic(pub));
  const out = new Uint8Array(2 + d.length);
  out[0] = pub.nameAlg >> 8;
  out[1] = pub.nameAlg & 0xff;
  out.set(d, 2);
  return out;
}

/** The index at `handle`, if defined. */
export function findNv(p: PersistentState, handle: number): NvIndex | undefined {
  return p.nv.find((n) => n.pub.nvIndex === handle);
}

/**
 * libtpms' NV accounting (NVDynamic.c), calibrated against swtpm 0.7.1 / libtpms 0.9.2 by
 * defining indices of chosen sizes and reading TPM_PT_HR_PERSISTENT_AVAIL back:
 * - each index takes 4 (size field) + sizeof(NV_INDEX) (148) bytes, plus its data unless it is
 *   TPMA_NV_ORDERLY (then the data lives in RAM);
 * - NV_EVICT_OBJECT_SIZE is 2608 bytes; the free space right after manufacture, less the list
 *   terminator and the reserve for MIN_COUNTER_INDICES (8) counters of 160 bytes each, is
 *   65 * 2608 + 388 bytes (so TPM_PT_HR_PERSISTENT_AVAIL starts at 65).
 */
const NV_INDEX_ENTRY = 152;
const EVICT_OBJECT_SIZE = 2608;
const FREE_FOR_OBJECTS = 65 * EVICT_OBJECT_SIZE + 388;
const MIN_COUNTER_INDICES = 8;
const COUNTER_INDEX_SIZE = 160;
const MIN_EVICT_OBJECTS = 7;

function entryBytes(pub: NvPublic): number {
  return NV_INDEX_ENTRY + (hasAttr(pub.attributes, NV_ATTR.ORDERLY) ? 0 : pub.dataSize);
}

function counterCount(p: PersistentState): number {
  return p.nv.filter((n) => nvType(n.pub.attributes) === 1).length;
}

function counterReserve(p: PersistentState): number {
  return Math.max(0, MIN_COUNTER_INDICES - counterCount(p)) * COUNTER_INDEX_SIZE;
}

/** Free NV bytes as libtpms counts them, less the terminator and the counter reserve baseline. */
function freeBytes(p: PersistentState): number {
  return FREE_FOR_OBJECTS + MIN_COUNTER_INDICES * COUNTER_INDEX_SIZE - p.nv.reduce((a, n) => a + entryBytes(n.pub), 0);
}

/** TPM_PT_HR_PERSISTENT_AVAIL (NvCapGetPersistentAvail). */
export function persistentAvail(p: PersistentState): number {
  return Math.max(0, Math.floor((freeBytes(p) - counterReserve(p)) / EVICT_OBJECT_SIZE));
}

/** TPM_PT_NV_COUNTERS: defined counter indices. */
export function nvCounters(p: PersistentState): number {
  return counterCount(p);
}

/**
 * Orderly indices keep their data in RAM_INDEX_SPACE (512 bytes), 12 bytes of header each; an
 * orderly counter would need 20 (NV_RAM_INDEX_COUNTER_SIZE).
 */
const RAM_INDEX_SPACE = 512;
const RAM_HEADER = 12;
const RAM_COUNTER_SIZE = 20;

function ramFree(p: PersistentState): number {
  const used = p.nv.filter((n) => hasAttr(n.pub.attributes, NV_ATTR.ORDERLY)).reduce((a, n) => a + RAM_HEADER + n.pub.dataSize, 0);
  return Math.max(0, RAM_INDEX_SPACE - used);
}

/** TPM_PT_NV_COUNTERS_AVAIL (NvCapGetCounterAvail): bounded by NV and by orderly RAM. */
export function countersAvail(p: PersistentState): number {
  const nv = Math.max(0, freeBytes(p) - MIN_EVICT_OBJECTS * EVICT_OBJECT_SIZE);
  return Math.min(Math.floor(nv / COUNTER_INDEX_SIZE), Math.floor(ramFree(p) / RAM_COUNTER_SIZE));
}

/** NvDefineIndex with NvTestSpace: TPM_RC_NV_SPACE unless the reserves stay free. */
export function defineNv(p: PersistentState, pub: NvPublic, auth: Uint8Array): number {
  const isCounter = nvType(pub.attributes) === 1;
  const reserved = MIN_EVICT_OBJECTS * EVICT_OBJECT_SIZE + (isCounter ? 0 : counterReserve(p));
  if (entryBytes(pub) + reserved > freeBytes(p)) return RC.NV_SPACE;
  if (hasAttr(pub.attributes, NV_ATTR.ORDERLY) && RAM_HEADER + pub.dataSize > ramFree(p)) return RC.NV_SPACE;
  p.nv.push({ pub: { ...pub, authPolicy: Uint8Array.from(pub.authPolicy) }, auth: Uint8Array.from(auth), data: new Uint8Array(pub.dataSize).fill(0xff) });
  return RC.SUCCESS;
}

/** Remove the index at `handle`. */
export function deleteNv(p: PersistentState, handle: number): void {
  p.nv = p.nv.filter((n) => n.pub.nvIndex !== handle);
}

/** NvReadAccessChecks. */
export function nvReadAccess(authHandle: number, index: NvIndex): number {
  const a = index.pub.attributes;
  if ((a & NV_ATTR.READLOCKED) !== 0) return RC.NV_LOCKED;
  if (authHandle === RH.OWNER) {
    if ((a & NV_ATTR.OWNERREAD) === 0) return RC.NV_AUTHORIZATION;
  } else if (authHandle === RH.PLATFORM) {
    if ((a & NV_ATTR.PPREAD) === 0) return RC.NV_AUTHORIZATION;
  } else if (authHandle !== index.pub.nvIndex) {
    return RC.NV_AUTHORIZATION;
  }
  if ((a & NV_ATTR.WRITTEN) === 0) return RC.NV_UNINITIALIZED;
  return RC.SUCCESS;
}

/** NvWriteAccessChecks. */
export function nvWriteAccess(authHandle: number, index: NvIndex): number {
  const a = index.pub.attributes;
  if ((a & NV_ATTR.WRITELOCKED) !== 0) return RC.NV_LOCKED;
  if (authHandle === RH.OWNER) {
    if ((a & NV_ATTR.OWNERWRITE) === 0) return RC.NV_AUTHORIZATION;
  } else if (authHandle === RH.PLATFORM) {
    if ((a & NV_ATTR.PPWRITE) === 0) return RC.NV_AUTHORIZATION;
  } else if (authHandle !== index.pub.nvIndex) {
    return RC.NV_AUTHORIZATION;
  }
  return RC.SUCCESS;
}

/** Digest size of an index's nameAlg. */
export function nameSize(pub: NvPublic): number {
  return digestLength(pub.nameAlg);
}
