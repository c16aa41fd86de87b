/**
 * Aligning a real boot's events with predicted ones: the longest common subsequence of
 * "what reaches the PCRs" (PCR index, event type, the digests of the banks both logs have),
 * then, in each gap between matches, events of the same PCR and type paired in order as
 * "differs", the rest as "missing" (predicted, not in the log) or "extra" (in the log, not
 * predicted). Events of the real log after the last one that answers a predicted event are
 * "later": what the boot loader and OS added after the firmware's part.
 */
import { toHex } from '@tcg2sim/binary-codec';
import { EV } from '@tcg2sim/event-log';
import type { LogEvent } from '@tcg2sim/event-log';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { VerifyError } from './errors.ts';

/** One step of an alignment. `p` indexes the predicted events, `r` the real ones. */
export type AlignedPair =
  | { readonly kind: 'same'; readonly p: number; readonly r: number }
  | { readonly kind: 'differs'; readonly p: number; readonly r: number }
  | { readonly kind: 'missing'; readonly p: number }
  | { readonly kind: 'extra'; readonly r: number };

/** The result of {@link alignEvents}. */
export interface Alignment {
  /** The firmware's part of the real log, in log order (predicted-only events where they belong). */
  readonly steps: readonly AlignedPair[];
  /** Index (into the real events) of the first event after the firmware's part. */
  readonly laterFrom: number;
}

/**
 * Real events considered beyond the number of predicted ones: the firmware's part of a log is
 * at most this much longer than predicted; what lies past it is "later" whatever it holds. Keeps
 * the alignment table bounded for logs of any length.
 */
export const MAX_EXTRA_EVENTS = 4096;
/** Predicted events an alignment takes (a predicted firmware log has well under a thousand). */
export const MAX_PREDICTED_EVENTS = 8192;

/** What an event puts into the PCRs, over `banks` (EV_NO_ACTION: its data, which is all it has). */
export function measuredKey(e: LogEvent, banks: readonly TpmAlgHash[]): string {
  const parts = [String(e.pcrIndex), String(e.eventType)];
  for (const alg of banks) {
    const d = e.digests.find((x) => x.hashAlg === alg);
    parts.push(d === undefined ? '-' : toHex(d.digest));
  }
  if (e.eventType === EV.NO_ACTION) parts.push(toHex(e.eventData));
  return parts.join('/');
}

/** Longest common subsequence of two key lists: the matched index pairs, in order. */
function lcs(a: readonly string[], b: readonly string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const w = m + 1;
  const t = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i * w + j] = a[i] === b[j] ? (t[(i + 1) * w + j + 1] ?? 0) + 1 : Math.max(t[(i + 1) * w + j] ?? 0, t[i * w + j + 1] ?? 0);
    }
  }
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push([i, j]);
      i++;
      j++;
    } else if ((t[(i + 1) * w + j] ?? 0) >= (t[i * w + j + 1] ?? 0)) {
      i++;
    } else {
      j++;
    }
  }
  return out;
}

/**
 * Pairs a gap: predicted events `ps` against real events `rs`, same PCR and type in order.
 * Returns the steps in real-log order and the last real index that answered a predicted event.
 */
function pairGap(predicted: readonly LogEvent[], real: readonly LogEvent[], ps: readonly number[], rs: readonly number[]): { steps: AlignedPair[]; lastPaired: number } {
  const pairOf = new Map<number, number>(); // r -> p
  let from = 0;
  const unpaired: number[] = [];
  for (const p of ps) {
    const pe = predicted[p];
    let found = -1;
    for (let k = from; k < rs.length; k++) {
      const re = real[rs[k] ?? -1];
      if (pe !== undefined && re !== undefined && re.pcrIndex === pe.pcrIndex && re.eventType === pe.eventType) {
        found = k;
        break;
      }
    }
    if (found < 0) {
      unpaired.push(p);
    } else {
      pairOf.set(rs[found] ?? -1, p);
      from = found + 1;
    }
  }
  const steps: AlignedPair[] = [];
  let lastPaired = -1;
  // Missing events go before the first real event paired after them (or at the end of the gap).
  const missingBefore = new Map<number, number[]>();
  const trailingMissing: number[] = [];
  for (const p of unpaired) {
    let anchor: number | undefined;
    for (const [r, q] of pairOf) if (q > p && (anchor === undefined || r < anchor)) anchor = r;
    if (anchor === undefined) trailingMissing.push(p);
    else missingBefore.set(anchor, [...(missingBefore.get(anchor) ?? []), p]);
  }
  for (const r of rs) {
    for (const p of missingBefore.get(r) ?? []) steps.push({ kind: 'missing', p });
    const p = pairOf.get(r);
    if (p !== undefined) {
      steps.push({ kind: 'differs', p, r });
      lastPaired = r;
    } else {
      steps.push({ kind: 'extra', r });
    }
  }
  for (const p of trailingMissing) steps.push({ kind: 'missing', p });
  return { steps, lastPaired };
}

/**
 * Aligns `real` against `predicted` over the banks both have. The real log's events past the
 * last one answering a predicted event are left out of `steps` (see `laterFrom`).
 */
export function alignEvents(predicted: readonly LogEvent[], real: readonly LogEvent[], banks: readonly TpmAlgHash[]): Alignment {
  if (predicted.length > MAX_PREDICTED_EVENTS) {
    throw new VerifyError('LIMIT_EXCEEDED', `the prediction has ${predicted.length} events; at most ${MAX_PREDICTED_EVENTS} are aligned`);
  }
  const window = Math.min(real.length, predicted.length + MAX_EXTRA_EVENTS);
  const pk = predicted.map((e) => measuredKey(e, banks));
  const rk = real.slice(0, window).map((e) => measuredKey(e, banks));
  const matches = lcs(pk, rk);
  const steps: AlignedPair[] = [];
  let lastAnswered = -1;
  let pi = 0;
  let ri = 0;
  const gap = (pEnd: number, rEnd: number): void => {
    const ps: number[] = [];
    const rs: number[] = [];
    for (let p = pi; p < pEnd; p++) ps.push(p);
    for (let r = ri; r < rEnd; r++) rs.push(r);
    const g = pairGap(predicted, real, ps, rs);
    steps.push(...g.steps);
    if (g.lastPaired > lastAnswered) lastAnswered = g.lastPaired;
  };
  for (const [p, r] of matches) {
    gap(p, r);
    steps.push({ kind: 'same', p, r });
    lastAnswered = r;
    pi = p + 1;
    ri = r + 1;
  }
  // The trailing gap: real events past the last paired one are the later part, not extras.
  gap(predicted.length, window);
  const laterFrom = lastAnswered + 1;
  const kept = steps.filter((s) => s.kind === 'same' || s.kind === 'missing' || s.r < laterFrom);
  return { steps: kept, laterFrom };
}
