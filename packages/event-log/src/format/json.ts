import { toHex } from '@tcg2sim/binary-codec';
import { findHashAlg, hashAlgInfo } from '@tcg2sim/hash-lib';
import { decodeEventData } from '../event-data/decode.ts';
import type { EventLog, LogEvent } from '../log.ts';
import type { PcrReplay } from '../replay.ts';
import { eventTypeLabel } from '../structures.ts';

/** A JSON value (what JSON.stringify writes). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };

/**
 * A decoded value as JSON: byte arrays become lower-case hex, 64-bit integers `0x…` hex
 * strings (addresses and LBAs read best in hex and may exceed 2^53), nested objects recurse.
 */
export function toJsonValue(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x: unknown) => toJsonValue(x));
  if (v instanceof Error) return v.message;
  if (typeof v === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x);
    return out;
  }
  return null;
}

/** Bank key of an algorithm: `sha256`, or `0x…` for algorithms the registry does not know. */
export function bankKey(alg: number): string {
  return findHashAlg(alg)?.name ?? `0x${alg.toString(16).padStart(4, '0')}`;
}

/** One event in the JSON shape of docs/cli.md, plus index, offset and the decoded data. */
export function eventToJson(e: LogEvent, uintnSize = 2, withDecoded = true): Json {
  const digests: Record<string, string> = {};
  for (const d of e.digests) digests[bankKey(d.hashAlg)] = toHex(d.digest);
  const out: Record<string, Json> = {
    index: e.index,
    offset: e.offset,
    pcrIndex: e.pcrIndex,
    eventType: eventTypeLabel(e.eventType),
    digests,
    eventData: toHex(e.eventData),
  };
  if (withDecoded) {
    const v = decodeEventData(e.eventType, e.eventData, { uintnSize });
    if (v.kind === 'invalid') out['decodeError'] = { code: v.error.code, offset: v.error.offset, path: v.error.path.join('.') };
    else if (v.kind !== 'raw') out['decoded'] = { kind: v.kind, value: toJsonValue(v.value) };
  }
  return out;
}

/** PCR values as `{ bank: { "0": hex } }`. */
export function pcrsToJson(replay: PcrReplay): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [alg, pcrs] of replay.banks) {
    const bank: Record<string, string> = {};
    for (const [i, v] of pcrs) bank[String(i)] = toHex(v);
    out[hashAlgInfo(alg).name] = bank;
  }
  return out;
}

/**
 * The log in the JSON shape of docs/cli.md: `{ format, specId, pcrs, events, stop? }`.
 * Extra top-level keys (lint findings, a diff) can be added by the caller.
 */
export function toJson(log: EventLog, replay: PcrReplay): Record<string, Json> {
  const uintnSize = log.specId?.uintnSize ?? 2;
  const out: Record<string, Json> = {
    format: log.format,
    specId: toJsonValue(log.specId),
    startupLocality: replay.startupLocality,
    pcrs: pcrsToJson(replay),
    events: log.events.map((e) => eventToJson(e, uintnSize)),
    usedLength: log.usedLength,
  };
  if (log.stop) {
    out['stop'] = {
      reason: log.stop.reason, eventIndex: log.stop.eventIndex, offset: log.stop.offset,
      ...(log.stop.error ? { code: log.stop.error.code, errorOffset: log.stop.error.offset, message: log.stop.error.message } : {}),
    };
  }
  return out;
}
