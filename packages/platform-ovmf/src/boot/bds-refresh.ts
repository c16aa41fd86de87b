/**
 * EfiBootManagerRefreshAllBootOption (MdeModulePkg/Library/UefiBootManagerLib/BmBoot.c), which
 * OVMF's PlatformBootManagerLib runs on every boot: a used variable store's options are brought
 * in line with the devices this VM has.
 *
 * - An option BDS created itself (OptionalData = mBmAutoCreateBootOptionGuid) that is not among
 *   the options enumerated now (same attributes, description, device path and optional data) is
 *   deleted: its number leaves BootOrder.
 * - An enumerated option the store lacks is added with the lowest number BootOrder does not use,
 *   at the end of BootOrder.
 * Options the user or an OS installer made (other OptionalData) are kept whether or not their
 * device exists. Observed on a used store (unRAID's OVMF_VARS.fd: a stale "UEFI Misc Device"
 * replaced by the DVD-ROM as Boot0001 at the end) and on Ubuntu's OVMF_VARS_4M.ms.fd (a stale
 * hard-disk option replaced the same way).
 */
import { guidFromString, toHex } from '@tcg2sim/binary-codec';
import { BM_AUTO_CREATE_BOOT_OPTION_GUID } from './bds.ts';
import type { BootOption } from './bds.ts';

const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
const autoGuid = toHex(guidFromString(BM_AUTO_CREATE_BOOT_OPTION_GUID));

export function isAutoCreated(o: BootOption): boolean {
  return o.optionalData.length === 16 && toHex(o.optionalData) === autoGuid;
}

function same(a: BootOption, b: BootOption): boolean {
  return a.attributes === b.attributes && a.description === b.description && toHex(a.filePath.raw) === toHex(b.filePath.raw) && toHex(a.optionalData) === toHex(b.optionalData);
}

/** The refreshed BootOrder and options, with the options added (to write) and notes. */
export interface RefreshedOptions {
  readonly order: number[];
  readonly byNumber: Map<number, BootOption>;
  readonly added: BootOption[];
  readonly notes: string[];
}

/** Applies the refresh to the stored options (`order`, `byNumber`) given the enumerated ones. */
export function refreshBootOptions(order: readonly number[], byNumber: ReadonlyMap<number, BootOption>, enumerated: readonly BootOption[]): RefreshedOptions {
  const stored = [...byNumber.values()];
  const notes: string[] = [];
  const keep = order.filter((n) => {
    const o = byNumber.get(n);
    if (o === undefined || !isAutoCreated(o) || enumerated.some((e) => same(o, e))) return true;
    notes.push(`BDS refresh: Boot${hex4(n)} "${o.description}" (created by BDS, its device is absent) deleted`);
    return false;
  });
  const out = new Map([...byNumber].filter(([n]) => keep.includes(n)));
  const added: BootOption[] = [];
  for (const e of enumerated) {
    if (stored.some((o) => same(o, e))) continue;
    let n = 0;
    while (keep.includes(n)) n++;
    const o = { ...e, number: n };
    keep.push(n);
    out.set(n, o);
    added.push(o);
    notes.push(`BDS refresh: Boot${hex4(n)} "${o.description}" added at the end of BootOrder`);
  }
  return { order: keep, byNumber: out, added, notes };
}
