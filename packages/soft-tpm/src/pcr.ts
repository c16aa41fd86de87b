/**
 * PCRs with the PC Client profile as libtpms 0.9 configures it (src/tpm2/PCR.c s_initAttributes):
 * 24 PCRs, each with a stateSave flag and a locality mask for reset and for extend.
 *
 * | PCR   | saved | reset from | extend from |
 * |-------|-------|------------|-------------|
 * | 0-15  | yes   | never      | 0-4         |
 * | 16    | no    | 0-3        | 0-4         |
 * | 17,18 | no    | 4          | 2-4         |
 * | 19    | no    | 4          | 2-3         |
 * | 20    | no    | 2, 4       | 1-3         |
 * | 21,22 | no    | 2, 4       | 2           |
 * | 23    | no    | 0-3        | 0-4         |
 *
 * PCRs resettable from locality 4 (17-22) start at all-ones; the others at zero, except PCR0,
 * whose last byte is the startup locality (0 or 3) or which keeps the H-CRTM value.
 * libtpms differs from the PC Client PTP here and there: PCR_Reset at locality 4 is always refused
 * (DRTM_PCR is defined, so PCRIsResetAllowed returns FALSE at locality 4), and the PCR update
 * counter skips PCRs 16 and 21-23 (libtpms' PCRBelongsTCBGroup, "kgold - changed for PC Client").
 */
import { HASH_COUNT_ALGS, digestLength, digestOf, extendInPlace } from './algs.ts';
import type { PcrSelection } from './wire.ts';
import type { TpmState, VolatileState } from './state.ts';

/** Number of PCRs (IMPLEMENTATION_PCR). */
export const PCR_COUNT = 24;
/** The PCR the H-CRTM sequence sets before Startup (HCRTM_PCR). */
export const HCRTM_PCR = 0;
/** The PCR a DRTM sequence after Startup sets (DRTM_PCR). */
export const DRTM_PCR = 17;

interface PcrAttributes {
  stateSave: boolean;
  resetLocality: number;
  extendLocality: number;
}

const STATIC: PcrAttributes = { stateSave: true, resetLocality: 0, extendLocality: 0x1f };
/** s_initAttributes: PCR 0-23 (libtpms also has a 25th entry that is never implemented). */
export const PCR_ATTRIBUTES: readonly PcrAttributes[] = [
  ...Array.from({ length: 16 }, () => STATIC),
  { stateSave: false, resetLocality: 0x0f, extendLocality: 0x1f },
  { stateSave: false, resetLocality: 0x10, extendLocality: 0x1c },
  { stateSave: false, resetLocality: 0x10, extendLocality: 0x1c },
  { stateSave: false, resetLocality: 0x10, extendLocality: 0x0c },
  { stateSave: false, resetLocality: 0x14, extendLocality: 0x0e },
  { stateSave: false, resetLocality: 0x14, extendLocality: 0x04 },
  { stateSave: false, resetLocality: 0x14, extendLocality: 0x04 },
  { stateSave: false, resetLocality: 0x0f, extendLocality: 0x1f },
];

function attr(pcr: number): PcrAttributes {
  return PCR_ATTRIBUTES[pcr] ?? STATIC;
}

/** True when `pcr` is saved by Shutdown(STATE) (PCRIsStateSaved). */
export function pcrIsStateSaved(pcr: number): boolean {
  return attr(pcr).stateSave;
}

/** PCRIsExtendAllowed: the command locality's bit is in the extend mask. */
export function pcrExtendAllowed(pcr: number, locality: number): boolean {
  return ((1 << locality) & attr(pcr).extendLocality) !== 0;
}

/** PCRIsResetAllowed: never at locality 4 (libtpms defines DRTM_PCR), else the reset mask. */
export function pcrResetAllowed(pcr: number, locality: number): boolean {
  if (locality === 4) return false;
  return ((1 << locality) & attr(pcr).resetLocality) !== 0;
}

/** The bit for `pcr` in a 3-byte select. */
export function isSelected(select: Uint8Array, pcr: number): boolean {
  return pcr < PCR_COUNT && pcr >> 3 < select.length && ((select[pcr >> 3] ?? 0) & (1 << (pcr & 7))) !== 0;
}

/** PcrIsAllocated: `pcr` is selected in the bank for `alg` of `allocation`. */
export function pcrIsAllocated(allocation: readonly PcrSelection[], pcr: number, alg: number): boolean {
  if (pcr >= PCR_COUNT) return false;
  for (const bank of allocation) if (bank.hash === alg) return isSelected(bank.select, pcr);
  return false;
}

/** The initial allocation: every implemented bank listed, the `active` ones fully selected. */
export function initialAllocation(active: readonly number[]): PcrSelection[] {
  return HASH_COUNT_ALGS.map((hash) => ({
    hash,
    select: active.includes(hash) ? Uint8Array.of(0xff, 0xff, 0xff) : new Uint8Array(3),
  }));
}

/** Zeroed PCR storage for every implemented bank. */
export function emptyPcrs(): Record<number, Uint8Array[]> {
  const out: Record<number, Uint8Array[]> = {};
  for (const alg of HASH_COUNT_ALGS) {
    out[alg] = Array.from({ length: PCR_COUNT }, () => new Uint8Array(digestLength(alg)));
  }
  return out;
}

function bankOf(vol: VolatileState, alg: number): Uint8Array[] {
  const b = vol.pcrs[alg];
  if (b === undefined) throw new RangeError(`no PCR bank for 0x${alg.toString(16)}`);
  return b;
}

/** The current value of `pcr` in `alg`, or undefined when that PCR is not allocated. */
export function pcrValue(vol: VolatileState, pcr: number, alg: number): Uint8Array | undefined {
  if (!pcrIsAllocated(vol.pcrAllocation, pcr, alg)) return undefined;
  return bankOf(vol, alg)[pcr];
}

/** PCRChanged: bump the update counter unless the PCR is in libtpms' no-increment group. */
export function pcrChanged(vol: VolatileState, pcr: number): void {
  if (pcr === 0 || !(pcr === 16 || (pcr >= 21 && pcr <= 23))) vol.pcrCounter = (vol.pcrCounter + 1) >>> 0;
}

/**
 * PCRExtend: new = H(old || data) when the PCR is allocated in that bank (else nothing), `data`
 * being the bytes of `src` from `at` to `end`. A digest-sized `data` is hashed into the PCR's
 * own bytes (PCR values are never shared: readers get copies).
 */
export function pcrExtend(vol: VolatileState, pcr: number, alg: number, src: Uint8Array, at = 0, end = src.length): void {
  const old = pcrValue(vol, pcr, alg);
  if (old === undefined) return;
  if (end - at !== digestLength(alg) || !extendInPlace(alg, old, src, at)) {
    bankOf(vol, alg)[pcr] = digestOf(alg, old, src.subarray(at, end));
  }
  pcrChanged(vol, pcr);
}

/** PCRSetValue(pcr, 0) as PCR_Reset uses it: all zero in every allocated bank. */
export function pcrSetZero(vol: VolatileState, pcr: number): void {
  for (const alg of HASH_COUNT_ALGS) {
    if (pcrIsAllocated(vol.pcrAllocation, pcr, alg)) bankOf(vol, alg)[pcr] = new Uint8Array(digestLength(alg));
  }
}

/** PcrDrtm: reset to zero (0...04 before Startup), then extend with the sequence digest. */
export function pcrDrtm(vol: VolatileState, pcr: number, alg: number, digest: Uint8Array): void {
  if (!pcrIsAllocated(vol.pcrAllocation, pcr, alg)) return;
  const init = new Uint8Array(digestLength(alg));
  if (!vol.started) init[init.length - 1] = 4;
  bankOf(vol, alg)[pcr] = init;
  pcrExtend(vol, pcr, alg, digest);
}

/** PCRResetDynamics: PCRs resettable from locality 4 go to zero (a DRTM event). */
export function pcrResetDynamics(vol: VolatileState): void {
  for (let pcr = 0; pcr < PCR_COUNT; pcr++) {
    if ((attr(pcr).resetLocality & 0x10) === 0) continue;
    for (const alg of HASH_COUNT_ALGS) {
      if (pcrIsAllocated(vol.pcrAllocation, pcr, alg)) bankOf(vol, alg)[pcr] = new Uint8Array(digestLength(alg));
    }
  }
}

/** PCRStartup for a TPM Reset/Restart ('reset'/'restart') or Resume, at startup `locality`. */
export function pcrStartup(state: TpmState, type: 'reset' | 'restart' | 'resume', locality: number): void {
  const vol = state.volatile;
  vol.pcrReConfig = false;
  if (type === 'reset') vol.pcrCounter = 0;
  const saved = state.persistent.saved;
  for (let pcr = 0; pcr < PCR_COUNT; pcr++) {
    const restore = type === 'resume' && attr(pcr).stateSave;
    if (!restore) pcrChanged(vol, pcr);
    if (pcr === HCRTM_PCR && type !== 'resume' && vol.drtmPreStartup) continue;
    for (const alg of HASH_COUNT_ALGS) {
      if (!pcrIsAllocated(vol.pcrAllocation, pcr, alg)) continue;
      const size = digestLength(alg);
      let v: Uint8Array;
      if (restore) {
        v = Uint8Array.from(saved?.pcrs[alg]?.[pcr] ?? new Uint8Array(size));
      } else if ((attr(pcr).resetLocality & 0x10) !== 0) {
        v = new Uint8Array(size).fill(0xff);
      } else {
        v = new Uint8Array(size);
        if (pcr === HCRTM_PCR) v[size - 1] = locality;
      }
      bankOf(vol, alg)[pcr] = v;
    }
  }
}

/** PCRStateSave: copy the stateSave PCRs of every allocated bank. */
export function pcrStateSave(vol: VolatileState): Record<number, Uint8Array[]> {
  const out: Record<number, Uint8Array[]> = {};
  for (const alg of HASH_COUNT_ALGS) {
    out[alg] = bankOf(vol, alg).map((v, pcr) => (attr(pcr).stateSave ? Uint8Array.from(v) : new Uint8Array(0)));
  }
  return out;
}

/** FilterPcr: keep only the PCRs allocated in the selection's bank. */
function filterSelect(vol: VolatileState, sel: PcrSelection): void {
  const bank = vol.pcrAllocation.find((s) => s.hash === sel.hash);
  for (let i = 0; i < sel.select.length; i++) {
    sel.select[i] = (sel.select[i] ?? 0) & (bank?.select[i] ?? 0);
  }
}

/** PCRRead: at most 8 digests; selections past that are cleared in the returned selection. */
export function pcrRead(vol: VolatileState, selections: PcrSelection[]): Uint8Array[] {
  const digests: Uint8Array[] = [];
  for (let i = 0; i < selections.length; i++) {
    const sel = selections[i];
    if (sel === undefined) break;
    filterSelect(vol, sel);
    let pcr = 0;
    let full = false;
    for (; pcr < PCR_COUNT; pcr++) {
      if (!isSelected(sel.select, pcr)) continue;
      if (digests.length > 7) {
        for (; pcr < PCR_COUNT && pcr >> 3 < sel.select.length; pcr++) {
          sel.select[pcr >> 3] = (sel.select[pcr >> 3] ?? 0) & ~(1 << (pcr & 7));
        }
        full = true;
        break;
      }
      digests.push(Uint8Array.from(bankOf(vol, sel.hash)[pcr] ?? new Uint8Array(0)));
    }
    if (digests.length > 7 && (full || pcr < PCR_COUNT)) {
      for (let j = i + 1; j < selections.length; j++) selections[j]?.select.fill(0);
      break;
    }
  }
  return digests;
}

/** Result of PCRAllocate. */
export interface AllocateResult {
  maxPcr: number;
  sizeNeeded: number;
  sizeAvailable: number;
}

/**
 * PCRAllocate: merge the request into the allocation in effect and store the result for the
 * next TPM_Init (the allocation in effect does not change).
 * Without PCR0 (H-CRTM) and PCR17 (DRTM) in some bank the answer is TPM_RC_PCR (undefined here).
 */
export function pcrAllocate(state: TpmState, request: readonly PcrSelection[]): AllocateResult | undefined {
  // libtpms merges into gp.pcrAllocated in RAM (the allocation in effect), not the one already
  // stored for the next TPM_Init: a second PCR_Allocate replaces the first.
  const next = state.volatile.pcrAllocation.map((s) => ({ hash: s.hash, select: Uint8Array.from(s.select) }));
  for (const r of request) {
    const j = next.findIndex((s) => s.hash === r.hash);
    if (j >= 0) next[j] = { hash: r.hash, select: Uint8Array.from(r.select) };
  }
  let sizeNeeded = 0;
  let drtm = false;
  let hcrtm = false;
  for (const s of next) {
    drtm ||= isSelected(s.select, DRTM_PCR);
    hcrtm ||= isSelected(s.select, HCRTM_PCR);
    for (let pcr = 0; pcr < s.select.length * 8; pcr++) {
      if (((s.select[pcr >> 3] ?? 0) & (1 << (pcr & 7))) !== 0) sizeNeeded += digestLength(s.hash);
    }
  }
  if (!drtm || !hcrtm) return undefined;
  state.persistent.pcrAllocation = next;
  // sizeof(s_pcrs): 24 PCRs, each holding a digest of every implemented hash.
  const sizeAvailable = PCR_COUNT * HASH_COUNT_ALGS.reduce((a, h) => a + digestLength(h), 0);
  return { maxPcr: PCR_COUNT, sizeNeeded, sizeAvailable };
}

/** PCRGetProperty: the select bits for one TPM_PT_PCR property, or undefined when unknown. */
export function pcrProperty(property: number): Uint8Array | undefined {
  const sel = new Uint8Array(3);
  const test = (pcr: number): boolean => {
    const a = attr(pcr);
    switch (property) {
      case 0x00: return a.stateSave; // TPM_PT_PCR_SAVE
      case 0x01: return (a.extendLocality & 0x01) !== 0;
      case 0x02: return (a.resetLocality & 0x01) !== 0;
      case 0x03: return (a.extendLocality & 0x02) !== 0;
      case 0x04: return (a.resetLocality & 0x02) !== 0;
      case 0x05: return (a.extendLocality & 0x04) !== 0;
      case 0x06: return (a.resetLocality & 0x04) !== 0;
      case 0x07: return (a.extendLocality & 0x08) !== 0;
      case 0x08: return (a.resetLocality & 0x08) !== 0;
      case 0x09: return (a.extendLocality & 0x10) !== 0;
      case 0x0a: return (a.resetLocality & 0x10) !== 0;
      case 0x11: return pcr === 16 || (pcr >= 21 && pcr <= 23); // TPM_PT_PCR_NO_INCREMENT
      case 0x12: return (a.resetLocality & 0x10) !== 0; // TPM_PT_PCR_DRTM_RESET
      case 0x13: return pcr >= 20 && pcr <= 22; // TPM_PT_PCR_POLICY
      case 0x14: return pcr >= 20 && pcr <= 22; // TPM_PT_PCR_AUTH
      default: return false;
    }
  };
  const known = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0x11, 0x12, 0x13, 0x14];
  if (!known.includes(property)) return undefined;
  for (let pcr = 0; pcr < PCR_COUNT; pcr++) if (test(pcr)) sel[pcr >> 3] = (sel[pcr >> 3] ?? 0) | (1 << (pcr & 7));
  return sel;
}
