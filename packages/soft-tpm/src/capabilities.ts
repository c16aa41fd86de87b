/**
 * TPM2_GetCapability (Part 3, 30.2) with libtpms' paging rules: each capability starts at the
 * requested property, returns at most `propertyCount` entries (capped by what fits in
 * MAX_CAP_BUFFER = 1024) and sets moreData when an entry was left out. TPM properties page only
 * within their group (PT_FIXED 0x100-0x1ff, PT_VAR 0x200-0x2ff), as TPMCapGetProperties does.
 */
import { ByteWriter } from '@tcg2sim/binary-codec';
import { TPMSCapabilityData, type TPMUCapabilities } from '@tcg2sim/tpm2-command-lib';
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
    case 0x11e: // TPM_PT_MAX_COMMAND_SIZE
    case 0x11f: // TPM_PT_MAX_RESPONSE_SIZE
      return state.persistent.ioBufferSize ?? fixed;
    case 0x207:
      return vol.objects.filter((o) => o === null).length; // TPM_PT_HR_TRANSIENT_AVAIL
    default:
      return fixed;
  }
}

/** The TPM properties group that `property` falls in, as (pt, value) pairs. */
function tpmProperties(state: TpmState, property: number, count: number): [Array<readonly [number, number]>, boolean] {
  const start = property < 0x100 ? 0x100 : property;
  if (start >= 0x300) return [[], false];
  const group = start < 0x200 ? CAP_FIXED_PROPERTIES : CAP_VAR_PROPERTIES_AT_STARTUP;
  const groupEnd = (start & ~0xff) + 0x100;
  const values = group
    .filter(([pt]) => pt < groupEnd)
    .map(([pt, v]): readonly [number, number] => [pt, propertyValue(state, pt, v)]);
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
  const out = (more: boolean, data: TPMUCapabilities): Uint8Array => {
    w.u8(more ? 1 : 0);
    TPMSCapabilityData.encode(w, { capability, data });
    return w.finish();
  };
  switch (capability) {
    case CAP.ALGS: {
      const [list, more] = page(CAP_ALGORITHMS, ([a]) => a, property & 0xffff, count, Math.floor(MAX_CAP_DATA / 6));
      return out(more, { algorithms: { algProperties: list.map(([alg, algProperties]) => ({ alg, algProperties })) } });
    }
    case CAP.HANDLES: {
      const r = handles(state, property, count);
      if (r === undefined) return RC.HANDLE + RC_P + 2 * RC_1;
      return out(r[1], { handles: { handle: r[0] } });
    }
    case CAP.COMMANDS: {
      const key = (c: number): number => (c & 0xffff) | (c & 0x20000000);
      const [list, more] = page(CAP_COMMANDS, key, property, count, Number.MAX_SAFE_INTEGER);
      return out(more, { command: { commandAttributes: list } });
    }
    case CAP.PP_COMMANDS: {
      const [list, more] = page(CAP_PP_COMMANDS, (c) => c, property, count, Number.MAX_SAFE_INTEGER);
      return out(more, { ppCommands: { commandCodes: list } });
    }
    case CAP.AUDIT_COMMANDS: {
      const [list, more] = page(CAP_AUDIT_COMMANDS, (c) => c, property, count, Number.MAX_SAFE_INTEGER);
      return out(more, { auditCommands: { commandCodes: list } });
    }
    case CAP.PCRS: {
      if (property !== 0) return RC.VALUE + RC_P + 2 * RC_1;
      // PCRCapGetAllocation answers moreData = YES to a zero count.
      const alloc = count === 0 ? [] : state.volatile.pcrAllocation;
      return out(count === 0, { assignedPCR: { pcrSelections: alloc.map((s) => ({ hash: s.hash, pcrSelect: s.select })) } });
    }
    case CAP.TPM_PROPERTIES: {
      const [list, more] = tpmProperties(state, property, count);
      return out(more, { tpmProperties: { tpmProperty: list.map(([p, value]) => ({ property: p, value })) } });
    }
    case CAP.PCR_PROPERTIES: {
      const n = Math.min(count, MAX_CAP_DATA / 8);
      const list: Array<{ tag: number; pcrSelect: Uint8Array }> = [];
      let more = false;
      for (let pt = property; pt <= 0x14; pt++) {
        if (list.length >= n) {
          more = true;
          break;
        }
        const sel = pcrProperty(pt);
        if (sel !== undefined) list.push({ tag: pt, pcrSelect: sel });
      }
      return out(more, { pcrProperties: { pcrProperty: list } });
    }
    case CAP.ECC_CURVES: {
      const [list, more] = page(CAP_ECC_CURVES, (c) => c, property & 0xffff, count, MAX_CAP_DATA / 2);
      return out(more, { eccCurves: { eccCurves: list } });
    }
    case CAP.AUTH_POLICIES: {
      if (property >>> 24 !== 0x40) return RC.VALUE + RC_P + 2 * RC_1;
      // Written by hand: libtpms reports TPM_ALG_NULL policies (an empty TPMT_HA), which
      // tpm2-command-lib's TPMT_HA codec does not accept.
      const [list, more] = page(CAP_AUTH_POLICIES, ([h]) => h, property, count, Math.floor(MAX_CAP_DATA / 6));
      w.u8(more ? 1 : 0).u32be(capability).u32be(list.length);
      for (const [h, alg] of list) w.u32be(h).u16be(alg);
      return w.finish();
    }
    case CAP.ACT: {
      if (property < 0x40000110 || property > 0x4000011f) return RC.VALUE + RC_P + 2 * RC_1;
      return out(false, { actData: { actData: [] } });
    }
    default:
      return RC.VALUE + RC_P + RC_1;
  }
}
