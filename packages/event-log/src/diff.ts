import { equalBytes, toHex } from '@tcg2sim/binary-codec';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { decodeEventData } from './event-data/decode.ts';
import type { EventLog, LogEvent } from './log.ts';
import { replayEventLog } from './replay.ts';
import { alignEvents } from './align.ts';
import type { PcrReplay } from './replay.ts';
import { eventTypeLabel } from './structures.ts';
import { bankKey, toJsonValue } from './format/json.ts';
import type { Json } from './format/json.ts';

/** Which part of an event differs first. */
export type DiffField = 'missing' | 'extra' | 'format' | 'pcrIndex' | 'eventType' | 'digests' | 'eventData';

/** A PCR whose final value differs between the two logs. */
export interface PcrChange {
  readonly bank: string;
  readonly pcr: number;
  /** Hex value from the first log (undefined: never extended there). */
  readonly a: string | undefined;
  readonly b: string | undefined;
}

/** An event where two logs part. */
export interface Divergence {
  /** The event's index (EventNum) in the first log; for `extra`, in the second. */
  readonly eventIndex: number;
  /** Its index in the second log (undefined for `missing`): differs from eventIndex after an event only one log has. */
  readonly eventIndexB: number | undefined;
  readonly field: DiffField;
  /** Short descriptions of the two events (`PCR4 EV_EFI_ACTION`), undefined when absent. */
  readonly a: string | undefined;
  readonly b: string | undefined;
  /** For `eventData`: first differing byte offset inside the data, and the decoded field path. */
  readonly dataOffset?: number;
  readonly dataField?: string;
  /** For `digests`: the first bank whose digest differs. */
  readonly bank?: string;
  /** Up to 16 bytes from each side, starting at the first difference (hex). */
  readonly bytesA?: string;
  readonly bytesB?: string;
  /** The PCRs this event extends (both sides). */
  readonly pcrs: readonly number[];
  /** A one-line human explanation. */
  readonly explanation: string;
}

/** Options of {@link diffEventLogs}. */
export interface DiffOptions {
  /**
   * Compare only what reaches the PCRs (PCR index, event type, digests): event data that
   * differs while the digests agree is listed in `dataNotes` instead of being a divergence.
   * For a prediction against a capture, where run-specific data such as
   * ImageLocationInMemory of UEFI_IMAGE_LOAD_EVENT is not measured.
   */
  readonly measuredOnly?: boolean;
}

/** Result of {@link diffEventLogs}. */
export interface LogDiff {
  readonly equal: boolean;
  /** The first of `divergences`. */
  readonly divergence: Divergence | undefined;
  /** Every event where the logs part, in log order (events only one log has included). */
  readonly divergences: readonly Divergence[];
  /** With `measuredOnly`: events whose data differ but whose digests agree. */
  readonly dataNotes: readonly Divergence[];
  /** Final PCRs that differ (bank, index, both values). */
  readonly pcrChanges: readonly PcrChange[];
  readonly eventsA: number;
  readonly eventsB: number;
}

function label(e: LogEvent | undefined): string | undefined {
  return e === undefined ? undefined : `PCR${e.pcrIndex} ${eventTypeLabel(e.eventType)}`;
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function jsonPathDiff(a: Json, b: Json, path: string): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ra = a as Readonly<Record<string, Json>>;
    const rb = b as Readonly<Record<string, Json>>;
    for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
      const d = jsonPathDiff(ra[k] ?? null, rb[k] ?? null, path ? `${path}.${k}` : k);
      if (d !== undefined) return d;
    }
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const aa = a as readonly Json[];
    const bb = b as readonly Json[];
    for (let i = 0; i < Math.max(aa.length, bb.length); i++) {
      const d = jsonPathDiff(aa[i] ?? null, bb[i] ?? null, `${path}[${i}]`);
      if (d !== undefined) return d;
    }
  }
  return path;
}

type Base = Pick<Divergence, 'eventIndex' | 'eventIndexB' | 'a' | 'b' | 'pcrs'>;

function digestsEqual(a: LogEvent, b: LogEvent): boolean {
  return a.digests.length === b.digests.length && a.digests.every((d, k) => {
    const o = b.digests[k];
    return o !== undefined && o.hashAlg === d.hashAlg && equalBytes(o.digest, d.digest);
  });
}

function dataDivergence(which: string, a: LogEvent, b: LogEvent, uintnSize: number, base: Base): Divergence {
  const at = firstDiff(a.eventData, b.eventData);
  const va = decodeEventData(a.eventType, a.eventData, { uintnSize });
  const vb = decodeEventData(b.eventType, b.eventData, { uintnSize });
  const ja = va.kind === 'invalid' || va.kind === 'raw' ? null : toJsonValue(va.value);
  const jb = vb.kind === 'invalid' || vb.kind === 'raw' ? null : toJsonValue(vb.value);
  const dataField = ja !== null && jb !== null ? jsonPathDiff(ja, jb, '') : undefined;
  const sizes = a.eventData.length !== b.eventData.length ? ` (size ${a.eventData.length} vs ${b.eventData.length})` : '';
  return {
    ...base, field: 'eventData', dataOffset: at, ...(dataField !== undefined && dataField !== '' ? { dataField } : {}),
    bytesA: toHex(a.eventData.subarray(at, at + 16)), bytesB: toHex(b.eventData.subarray(at, at + 16)),
    explanation: `${which} (${label(a) ?? ''}) data differs at byte ${at}${dataField ? ` (${dataField})` : ''}${sizes}`,
  };
}

function compareEvents(a: LogEvent | undefined, b: LogEvent | undefined, uintnSize: number, notes?: Divergence[]): Divergence | undefined {
  const pcrs = [...new Set([a?.pcrIndex, b?.pcrIndex].filter((x): x is number => x !== undefined))];
  const i = a?.index ?? b?.index ?? -1;
  const base: Base = { eventIndex: i, eventIndexB: b?.index, a: label(a), b: label(b), pcrs };
  if (a === undefined) return { ...base, field: 'extra', explanation: `event ${i} (${label(b) ?? ''}) is only in the second log` };
  if (b === undefined) return { ...base, field: 'missing', explanation: `event ${i} (${label(a) ?? ''}) is missing from the second log` };
  if (b.index !== i) return describeChange(a, b, uintnSize, base, notes, `event ${i} (second log: ${b.index})`);
  return describeChange(a, b, uintnSize, base, notes, `event ${i}`);
}

function describeChange(a: LogEvent, b: LogEvent, uintnSize: number, base: Base, notes: Divergence[] | undefined, which: string): Divergence | undefined {
  if (a.format !== b.format) return { ...base, field: 'format', explanation: `${which} is ${a.format} vs ${b.format}` };
  if (a.pcrIndex !== b.pcrIndex) return { ...base, field: 'pcrIndex', explanation: `${which} extends PCR ${a.pcrIndex} vs PCR ${b.pcrIndex}` };
  if (a.eventType !== b.eventType) {
    return { ...base, field: 'eventType', explanation: `${which} is ${eventTypeLabel(a.eventType)} vs ${eventTypeLabel(b.eventType)}` };
  }
  const dataDiffers = !equalBytes(a.eventData, b.eventData);
  if (dataDiffers && notes !== undefined && digestsEqual(a, b)) {
    notes.push(dataDivergence(which, a, b, uintnSize, base));
    return undefined;
  }
  if (dataDiffers) return dataDivergence(which, a, b, uintnSize, base);
  const banks = new Set([...a.digests.map((d) => d.hashAlg), ...b.digests.map((d) => d.hashAlg)]);
  for (const alg of banks) {
    const da = a.digests.find((d) => d.hashAlg === alg)?.digest;
    const db = b.digests.find((d) => d.hashAlg === alg)?.digest;
    if (da === undefined || db === undefined || !equalBytes(da, db)) {
      const at = da && db ? firstDiff(da, db) : 0;
      return {
        ...base, field: 'digests', bank: bankKey(alg), dataOffset: at,
        bytesA: da ? toHex(da.subarray(at, at + 16)) : '', bytesB: db ? toHex(db.subarray(at, at + 16)) : '',
        explanation: `${which} (${label(a) ?? ''}) has the same data but a different ${bankKey(alg)} digest: the measured object differs`,
      };
    }
  }
  return undefined;
}

function pcrChanges(ra: PcrReplay, rb: PcrReplay): PcrChange[] {
  const out: PcrChange[] = [];
  const algs = new Set([...ra.banks.keys(), ...rb.banks.keys()]);
  for (const alg of algs) {
    const ma = ra.banks.get(alg);
    const mb = rb.banks.get(alg);
    const idx = [...new Set([...(ma?.keys() ?? []), ...(mb?.keys() ?? [])])].sort((x, y) => x - y);
    for (const p of idx) {
      const va = ma?.get(p);
      const vb = mb?.get(p);
      if (va !== undefined && vb !== undefined && equalBytes(va, vb)) continue;
      out.push({ bank: hashAlgInfo(alg).name, pcr: p, a: va ? toHex(va) : undefined, b: vb ? toHex(vb) : undefined });
    }
  }
  return out;
}

/**
 * Compares two logs (two captures, or a prediction and a capture) event by event and explains
 * every divergence: which field, which bytes, which PCRs. Events are paired by
 * {@link alignEvents}, so an event only one log has is one divergence, not a shift of all later
 * events. Also replays both and lists the
 * final PCR values that differ.
 */
export function diffEventLogs(a: EventLog, b: EventLog, opts: DiffOptions = {}): LogDiff {
  const uintnSize = a.specId?.uintnSize ?? 2;
  const notes: Divergence[] | undefined = opts.measuredOnly === true ? [] : undefined;
  const divergences: Divergence[] = [];
  for (const p of alignEvents(a.events, b.events)) {
    const d = compareEvents(p.a, p.b, uintnSize, notes);
    if (d !== undefined) divergences.push(d);
  }
  const changes = pcrChanges(replayEventLog(a), replayEventLog(b));
  return {
    equal: divergences.length === 0, divergence: divergences[0], divergences, dataNotes: notes ?? [], pcrChanges: changes,
    eventsA: a.events.length, eventsB: b.events.length,
  };
}
