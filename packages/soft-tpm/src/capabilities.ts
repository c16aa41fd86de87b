/**
 * TPM2_GetCapability (Part 3, 30.2) with libtpms' paging rules: each capability starts at the
 * requested property, returns at most `propertyCount` entries (capped by what fits in
 * MAX_CAP_BUFFER = 1024) and sets moreData when an entry was left out. TPM properties page only
 * within their group (PT_FIXED 0x100-0x1ff, PT_VAR 0x200-0x2ff), as TPMCapGetProperties does.
 */
import { ByteWriter } from '@tcg2sim/binary-codec';
import {
  CAP_ALGORITHMS, CAP_AUDIT_COMMANDS, CAP_AUTH_POLICIES, CAP_COMMANDS, CAP_ECC_CURVES,
  CAP_FIXED_PROPERTIES, CAP_PERMANENT_HANDLES, CAP_PP_COMMANDS, CAP_VAR_PROPERTIES_AT_STARTUP,
} from './capability-data.ts';
import { RC, RC_1, RC_P, HR } from './constants.ts';
import { countersAvail, nvCounters, persistentAvail } from './nv.ts';
import { PCR_COUNT, pcrProperty } from './pcr.ts';
import type { TpmState } from './state.ts';

/** TPM_CAP values (Part 2, 6.12). */
export const CAP = {
  ALGS: 0,
  HANDLES: 1,
  COMMANDS: 2,
  PP_COMMANDS: 3,
  AUDIT_COMMANDS: 4,
  PCRS: 5,
  TPM_PROPERTIES: 6,
  PCR_PROPERTIES: 7,
  ECC_CURVES: 8,
  AUTH_POLICIES: 9,
  ACT: 10,
  VENDOR_PROPERTY: 0x100,
} as const;

/** MAX_CAP_DATA = MAX_CAP_BUFFER - sizeof(TPM_CAP) - sizeof(UINT32) = 1016 bytes of entries. */
const MAX_CAP_DATA = 1016;

/** Take entries with key >= start, at most min(count, cap); moreData when one was left out. */
function page<T>(entries: readonly T[], key: (e: T) => number, start: number, count: number, cap: number): [T[], boolean] {
  const n = Math.min(count, cap);
  const out: T[] = [];
  for (const e of entries) {
    if (key(e) < start) continue;
    if (out.length < n) out.push(e);
    else return [out, true];
  }
  return [out, false];
}

function propertyValue(state: TpmState, pt: number, fixed: number): number {
  const vol = state.volatile;
  switch (pt) {
    case 0x200:
      // TPMA_PERMANENT: tpmGeneratedEPS (bit 10) as swtpm reports it, inLockout (bit 9).
      return fixed | (state.persistent.failedTries >= 3 ? 0x200 : 0);
    case 0x201: {
      // TPMA_STARTUP_CLEAR: phEnable, shEnable, ehEnable, phEnableNV, orderly (bit 31)
      let v = 0;
      if (vol.phEnable) v |= 1;
      if (vol.shEnable) v |= 2;
      if (vol.ehEnable) v |= 4;
      if (vol.phEnableNV) v |= 8;
      return (v | (vol.prevOrderly ? 0x80000000 : 0)) >>> 0;
    }
    case 0x202:
      return state.persistent.nv.length; // TPM_PT_HR_NV_INDEX
    case 0x209:
      return persistentAvail(state.persistent); // TPM_PT_HR_PERSISTENT_AVAIL
    case 0x20a:
      return nvCounters(state.persistent); // TPM_PT_NV_COUNTERS
    case 0x20b:
      return countersAvail(state.persistent); // TPM_PT_NV_COUNTERS_AVAIL
    case 0x20e:
      return state.persistent.failedTries; // TPM_PT_LOCKOUT_COUNTER
    case 0x207:
      return vol.objects.filter((o) => o === null).length; // TPM_PT_HR_TRANSIENT_AVAIL
    default:
      return fixed;
  }
}

/** The TPM properties group that `property` falls in, as (pt, value) pairs. */
function tpmProperties(state: TpmState, property: number, count: number): [Array<readonly [number, number]>, boolean] {
  let start = property < 0x100 ? 0x100 : property;
  if (start >= 0x300) return [[], false];
  const group = start < 0x200 ? CAP_FIXED_PROPERTIES : CAP_VAR_PROPERTIES_AT_STARTUP;
  const groupEnd = (start & ~0xff) + 0x100;
  const values = group
    .filter(([pt]) => pt >= start && pt < groupEnd)
    .map(([pt, v]): readonly [number, number] => [pt, propertyValue(state, pt, v)]);
  start = 0;
  return page(values, ([pt]) => pt, start, count, MAX_CAP_DATA / 8);
}

function handles(state: TpmState, property: number, count: number): [number[], boolean] | undefined {
  const cap = MAX_CAP_DATA / 4;
  switch (property >>> 24) {
    case 0x00:
      return page(Array.from({ length: PCR_COUNT }, (_, i) => i), (h) => h, property & 0xffffff, count, cap);
    case 0x01:
      return page(state.persistent.nv.map((n) => n.pub.nvIndex).sort((a, b) => a - b), (h) => h, property, count, cap);
    case 0x02:
    case 0x03:
      return [[], false]; // no sessions are ever loaded
    case 0x40:
      return page(CAP_PERMANENT_HANDLES, (h) => h, property, count, cap);
    case 0x80: {
      const loaded = state.volatile.objects.flatMap((o, i) => (o === null ? [] : [HR.TRANSIENT_FIRST + i]));
      return page(loaded, (h) => h, property, count, cap);
    }
    case 0x81:
      return [[], false];
    default:
      return undefined;
  }
}

/**
 * Execute GetCapability(capability, property, propertyCount): the response parameters
 * (moreData, TPMS_CAPABILITY_DATA) or a response code with the parameter number.
 */
export function getCapability(state: TpmState, capability: number, property: number, count: number): Uint8Array | number {
  const w = new ByteWriter(256);
  const head = (more: boolean): void => {
    w.u8(more ? 1 : 0).u32be(capability);
  };
  switch (capability) {
    case CAP.ALGS: {
      const [list, more] = page(CAP_ALGORITHMS, ([a]) => a, property & 0xffff, count, Math.floor(MAX_CAP_DATA / 6));
      head(more);
      w.u32be(list.length);
      for (const [alg, attrs] of list) w.u16be(alg).u32be(attrs);
      break;
    }
    case CAP.HANDLES: {
      const r = handles(state, property, count);
      if (r === undefined) return RC.HANDLE + RC_P + 2 * RC_1;
      head(r[1]);
      w.u32be(r[0].length);
      for (const h of r[0]) w.u32be(h);
      break;
    }
    case CAP.COMMANDS:
    case CAP.PP_COMMANDS:
    case CAP.AUDIT_COMMANDS: {
      const src = capability === CAP.COMMANDS ? CAP_COMMANDS : capability === CAP.PP_COMMANDS ? CAP_PP_COMMANDS : CAP_AUDIT_COMMANDS;
      const key = capability === CAP.COMMANDS ? (c: number): number => (c & 0xffff) | (c & 0x20000000) : (c: number): number => c;
      const [list, more] = page(src, key, property, count, Number.MAX_SAFE_INTEGER);
      head(more);
      w.u32be(list.length);
      for (const c of list) w.u32be(c);
      break;
    }
    case CAP.PCRS: {
      if (property !== 0) return RC.VALUE + RC_P + 2 * RC_1;
      // PCRCapGetAllocation answers moreData = YES to a zero count.
      head(count === 0);
      const alloc = count === 0 ? [] : state.volatile.pcrAllocation;
      w.u32be(alloc.length);
      for (const s of alloc) w.u16be(s.hash).u8(s.select.length).bytes(s.select);
      break;
    }
    case CAP.TPM_PROPERTIES: {
      const [list, more] = tpmProperties(state, property, count);
      head(more);
      w.u32be(list.length);
      for (const [pt, v] of list) w.u32be(pt).u32be(v);
      break;
    }
    case CAP.PCR_PROPERTIES: {
      const n = Math.min(count, MAX_CAP_DATA / 8);
      const list: Array<[number, Uint8Array]> = [];
      let more = false;
      for (let pt = property; pt <= 0x14; pt++) {
        if (list.length >= n) {
          more = true;
          break;
        }
        const sel = pcrProperty(pt);
        if (sel !== undefined) list.push([pt, sel]);
      }
      head(more);
      w.u32be(list.length);
      for (const [pt, sel] of list) w.u32be(pt).u8(sel.length).bytes(sel);
      break;
    }
    case CAP.ECC_CURVES: {
      const [list, more] = page(CAP_ECC_CURVES, (c) => c, property & 0xffff, count, MAX_CAP_DATA / 2);
      head(more);
      w.u32be(list.length);
      for (const c of list) w.u16be(c);
      break;
    }
    case CAP.AUTH_POLICIES: {
      if (property >>> 24 !== 0x40) return RC.VALUE + RC_P + 2 * RC_1;
      const [list, more] = page(CAP_AUTH_POLICIES, ([h]) => h, property, count, Math.floor(MAX_CAP_DATA / 6));
      head(more);
      w.u32be(list.length);
      for (const [h, alg] of list) w.u32be(h).u16be(alg);
      break;
    }
    case CAP.ACT: {
      if (property < 0x40000110 || property > 0x4000011f) return RC.VALUE + RC_P + 2 * RC_1;
      head(false);
      w.u32be(0);
      break;
    }
    default:
      return RC.VALUE + RC_P + RC_1;
  }
  return w.finish();
}
