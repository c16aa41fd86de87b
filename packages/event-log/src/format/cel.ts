import { toHex } from '@tcg2sim/binary-codec';
import type { EventLog } from '../log.ts';
import { bankKey } from './json.ts';
import type { Json } from './json.ts';

/**
 * The log as TCG Canonical Event Log records in their JSON encoding (TCG CEL 1.0 §5, "CEL-JSON"):
 * one object per record with `recnum`, `pcr`, `digests` [{hashAlg, digest}], `content_type`
 * "pcclient_std" and `content` {event_type, event_data}. Event data is base64 as CEL-JSON
 * encodes byte strings; digests are hex. The Spec ID header is record 0, like every other.
 */
export function toCelJson(log: EventLog): Json[] {
  return log.events.map((e) => ({
    recnum: e.index,
    pcr: e.pcrIndex,
    digests: e.digests.map((d) => ({ hashAlg: bankKey(d.hashAlg), digest: toHex(d.digest) })),
    content_type: 'pcclient_std',
    content: {
      event_type: e.eventType,
      event_data: Buffer.from(e.eventData.buffer, e.eventData.byteOffset, e.eventData.byteLength).toString('base64'),
    },
  }));
}
