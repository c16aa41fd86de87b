/**
 * The real PEI HOB lists the pei-hob-list specs compare the model with:
 * test/vectors/smm-relocation/pei-hobs-<boot>.txt, one HOB per line as read from guest RAM
 * (`<offset> <kind> <length> [GUID] [restype=… start=… len=…]`).
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { PeiHob } from '@tcg2sim/platform-ovmf';

export const HOB_VECTOR_DIR = new URL('../../test/vectors/smm-relocation/', import.meta.url);

/** One line of a pei-hobs-*.txt list, as the model's fields. */
export interface RealHob { offset: number; kind: string; length: number; guid?: string; resource?: { type: number; start: bigint; length: bigint }; allocationLength?: number }

/** pei-hobs-`name`.txt. */
export function readHobList(name: string): RealHob[] {
  return readFileSync(new URL(`pei-hobs-${name}.txt`, HOB_VECTOR_DIR), 'utf8').split('\n').filter((l) => l.startsWith('0x')).map((l) => {
    const [offset = '', kind = '', length = '', ...rest] = l.trim().split(' ');
    const field = (k: string): string | undefined => rest.find((r) => r.startsWith(`${k}=`))?.slice(k.length + 1);
    const h: RealHob = { offset: Number(offset), kind, length: Number(length) };
    if ((kind === 'GUID' || kind === 'MEMALLOC') && rest[0] !== undefined) h.guid = rest[0].toUpperCase();
    if (kind === 'RESDESC') h.resource = { type: Number(field('restype')), start: BigInt(field('start') ?? '0'), length: BigInt(field('len') ?? '0') };
    if (kind === 'MEMALLOC') h.allocationLength = Number(field('len'));
    return h;
  });
}

/**
 * A modelled HOB in the real list's form. A resource or allocation length the model leaves open
 * (PlatformPei's PCI aperture, PCIEXBAR, its fixed allocations) takes the real value: compared
 * are the kind, length, GUID, offset and every value the model computes.
 */
export function comparableHob(h: PeiHob, offset: number, real: RealHob | undefined): RealHob {
  const out: RealHob = { offset, kind: h.kind, length: h.length };
  if (h.guid !== undefined) out.guid = h.guid;
  if (real?.resource !== undefined) out.resource = h.resource ?? real.resource;
  if (real?.allocationLength !== undefined) out.allocationLength = h.allocationLength ?? real.allocationLength;
  return out;
}

/** The modelled list equals the real one HOB for HOB (count, then each in {@link comparableHob}'s form). */
export function expectHobListAsReal(hobs: readonly PeiHob[], real: readonly RealHob[]): void {
  let offset = 0;
  const mine = hobs.map((h, i) => {
    const c = comparableHob(h, offset, real[i]);
    offset += h.length;
    return c;
  });
  expect(mine.length, 'HOB count').to.equal(real.length);
  mine.forEach((h, i) => expect(h, `HOB ${i} (${hobs[i]?.what ?? ''})`).to.deep.equal(real[i]));
}
