/**
 * Which records are live: FindVariableEx and VariableServiceGetNextVariableInternal
 * (VariableParsing.c) over the walked records.
 */
import { VAR_ADDED_IN_TRANSITION, VAR_STATE } from './constants.ts';
import { recordIs } from './records.ts';
import type { VariableRecord } from './records.ts';

/** What FindVariableEx finds: the live copy and, when present, an older in-transition copy. */
export interface FoundVariable {
  readonly current: VariableRecord;
  /** A 0x3E copy that precedes the 0x3F `current` (both are marked deleted on update/delete). */
  readonly inDeletedTransition: VariableRecord | undefined;
}

/** State 0x3F or 0x3E: the states a lookup considers. */
export function isLookupState(state: number): boolean {
  return state === VAR_STATE.ADDED || state === VAR_ADDED_IN_TRANSITION;
}

/**
 * FindVariableEx: the first 0x3F record with this name and GUID wins; a 0x3E record is returned
 * only when no 0x3F copy exists (the last 0x3E seen). A 0x3E seen before the 0x3F one is reported
 * as `inDeletedTransition`.
 */
export function findRecord(records: readonly VariableRecord[], nameBytes: Uint8Array, guid: string): FoundVariable | undefined {
  let inDeleted: VariableRecord | undefined;
  for (const rec of records) {
    if (!isLookupState(rec.state) || !recordIs(rec, nameBytes, guid)) continue;
    if (rec.state === VAR_ADDED_IN_TRANSITION) {
      inDeleted = rec;
    } else {
      return { current: rec, inDeletedTransition: inDeleted };
    }
  }
  return inDeleted === undefined ? undefined : { current: inDeleted, inDeletedTransition: undefined };
}

/**
 * The live variables in enumeration order (GetNextVariableName): each 0x3F record, and each 0x3E
 * record without a 0x3F twin after it; a name seen twice is listed once, with the copy
 * FindVariableEx would return.
 */
export function liveRecords(records: readonly VariableRecord[]): VariableRecord[] {
  const keyOf = (r: VariableRecord): string => `${r.vendorGuid}/${Buffer.from(r.nameBytes).toString('hex')}`;
  // Index of the last 0x3F copy of each name, and the copy FindVariableEx returns.
  const lastAdded = new Map<string, number>();
  const found = new Map<string, VariableRecord>();
  const inTransition = new Map<string, VariableRecord>();
  records.forEach((rec, i) => {
    if (!isLookupState(rec.state)) return;
    const k = keyOf(rec);
    if (rec.state === VAR_STATE.ADDED) {
      lastAdded.set(k, i);
      if (!found.has(k)) found.set(k, rec);
    } else {
      inTransition.set(k, rec);
    }
  });
  const out: VariableRecord[] = [];
  const seen = new Set<string>();
  records.forEach((rec, i) => {
    if (!isLookupState(rec.state)) return;
    const k = keyOf(rec);
    if (rec.state === VAR_ADDED_IN_TRANSITION && (lastAdded.get(k) ?? -1) > i) return;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(found.get(k) ?? inTransition.get(k) ?? rec);
  });
  return out;
}
