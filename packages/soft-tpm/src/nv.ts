/**
 * NV indices (libtpms NVDynamic.c / NV_spt.c / NVCommands.c): ordinary indices defined under the
 * platform or owner hierarchy, their Name (nameAlg || H(TPMS_NV_PUBLIC)), and the access checks
 * NV_Read / NV_Write make before touching the data.
 */
import { ByteWriter } from '@tcg2sim/binary-codec';
import { digestLength, digestOf } from './algs.ts';
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
  w.u32be(pub.nvIndex).u16be(pub.nameAlg).u32be(pub.attributes >>> 0);
  w.u16be(pub.authPolicy.length).bytes(pub.authPolicy).u16be(pub.dataSize);
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
 * Bytes of NV libtpms has for indices. Its NV_MEMORY_SIZE is 128 KiB + 65 * 704 bytes, shared
 * with persistent objects; each index costs its public area, authValue and data plus a small
 * header. This is an approximation: TPM_RC_NV_SPACE comes at about the same fill level.
 */
const NV_BUDGET = 128 * 1024;

/** NvDefineIndex: TPM_RC_NV_SPACE when full. */
export function defineNv(p: PersistentState, pub: NvPublic, auth: Uint8Array): number {
  const used = p.nv.reduce((a, n) => a + 64 + n.pub.authPolicy.length + n.auth.length + n.data.length, 0);
  if (used + 64 + pub.authPolicy.length + auth.length + pub.dataSize > NV_BUDGET) return RC.NV_SPACE;
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
