import type { LogEvent } from './log.ts';

/** One step of an alignment of two event lists: a pair, or an event on one side only. */
export type AlignedPair =
  | { readonly a: LogEvent; readonly b: LogEvent }
  | { readonly a: LogEvent; readonly b: undefined }
  | { readonly a: undefined; readonly b: LogEvent };

/** How far ahead {@link alignEvents} looks for the place where two logs agree again. */
const RESYNC_WINDOW = 32;

const key = (e: LogEvent | undefined): string | undefined => (e === undefined ? undefined : `${e.pcrIndex}:${e.eventType}`);

/** How many consecutive events agree from a[i], b[j] on (both logs ending counts as agreeing to the window's end). */
function run(a: readonly LogEvent[], i: number, b: readonly LogEvent[], j: number): number {
  for (let k = 0; k < RESYNC_WINDOW; k++) {
    if (i + k >= a.length && j + k >= b.length) return RESYNC_WINDOW;
    if (key(a[i + k]) !== key(b[j + k])) return k;
  }
  return RESYNC_WINDOW;
}

/**
 * Where to go on from a[i] != b[j]: pair the two (a changed event), or leave `skipA` events of
 * the first log or `skipB` of the second unpaired, whichever agrees again the longest (fewest
 * unpaired events on a tie, a changed event first).
 */
function resync(a: readonly LogEvent[], i: number, b: readonly LogEvent[], j: number): { skipA: number; skipB: number } {
  let best = { skipA: 0, skipB: 0, run: run(a, i + 1, b, j + 1), cost: 1 };
  for (let d = 1; d <= RESYNC_WINDOW; d++) {
    for (const [skipA, skipB] of [[d, 0], [0, d]] as const) {
      if (i + skipA > a.length || j + skipB > b.length) continue;
      const r = run(a, i + skipA, b, j + skipB);
      if (r > best.run || (r === best.run && r > 0 && d < best.cost)) best = { skipA, skipB, run: r, cost: d };
    }
  }
  return best;
}

/**
 * Pairs the events of two logs for a diff. Events pair in order while their PCR index and event
 * type agree; where they do not, the events are paired as one changed event or left unpaired on
 * one side, whichever makes the logs agree again for longest within {@link RESYNC_WINDOW} events
 * (a boot that measured one more driver reports that driver once, not every later event).
 * Linear in the logs' length: the window bounds the search at each disagreement.
 */
export function alignEvents(a: readonly LogEvent[], b: readonly LogEvent[]): AlignedPair[] {
  const out: AlignedPair[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const ea = a[i];
    const eb = b[j];
    if (ea === undefined) {
      if (eb !== undefined) out.push({ a: undefined, b: eb });
      j++;
      continue;
    }
    if (eb === undefined) {
      out.push({ a: ea, b: undefined });
      i++;
      continue;
    }
    const { skipA, skipB } = key(ea) === key(eb) ? { skipA: 0, skipB: 0 } : resync(a, i, b, j);
    if (skipA === 0 && skipB === 0) {
      out.push({ a: ea, b: eb });
      i++;
      j++;
      continue;
    }
    for (let k = 0; k < skipA; k++) {
      const e = a[i++];
      if (e !== undefined) out.push({ a: e, b: undefined });
    }
    for (let k = 0; k < skipB; k++) {
      const e = b[j++];
      if (e !== undefined) out.push({ a: undefined, b: e });
    }
  }
  return out;
}
