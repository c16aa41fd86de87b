import { DecodeError, ByteReader, u64le } from '@tcg2sim/binary-codec';
import { EventLogError } from './errors.ts';
import { decodeEventLog } from './log.ts';
import type { EventLog, LogEvent } from './log.ts';
import { digestSizesOf } from './spec-id.ts';
import type { TCGEfiSpecIDEvent } from './spec-id.ts';
import { tcgPcrEvent2 } from './structures.ts';

const SIGNATURE = new Uint8Array(Buffer.from('Spec ID Event03\0', 'latin1'));

/**
 * Offsets in `memory` (a RAM dump, e.g. QEMU `pmemsave`) where a crypto-agile log starts: a
 * TCG_PCR_EVENT header (PCR 0, EV_NO_ACTION, 20 zero digest bytes) followed by the
 * "Spec ID Event03" signature. Decode from there with `{ stopAtFreeSpace: true }`.
 */
export function locateEventLogs(memory: Uint8Array): number[] {
  const out: number[] = [];
  const buf = Buffer.from(memory.buffer, memory.byteOffset, memory.byteLength);
  for (let at = buf.indexOf(SIGNATURE); at >= 0; at = buf.indexOf(SIGNATURE, at + 1)) {
    const start = at - 32;
    if (start < 0) continue;
    const dv = new DataView(memory.buffer, memory.byteOffset + start, 32);
    if (dv.getUint32(0, true) !== 0 || dv.getUint32(4, true) !== 3) continue;
    let zero = true;
    for (let i = 8; i < 28; i++) if (memory[start + i] !== 0) zero = false;
    if (zero) out.push(start);
  }
  return out;
}

/** EFI_TCG2_FINAL_EVENTS_TABLE (TCG EFI Protocol 1.0 §6.1; docs/edk2-dxe.md §3.8, §5.5). */
export interface FinalEventsTable {
  readonly version: bigint;
  readonly numberOfEvents: bigint;
  /** The records (TCG_PCR_EVENT2), indexed from 0, offsets relative to the table. */
  readonly events: readonly LogEvent[];
}

/**
 * Decodes the final events table: UINT64 Version (1); UINT64 NumberOfEvents; then that many
 * TCG_PCR_EVENT2 records, read with the digest sizes of the main log's Spec ID event.
 *
 * @throws EventLogError (eventIndex = the record's position in the table)
 */
export function decodeFinalEventsTable(bytes: Uint8Array, specId: TCGEfiSpecIDEvent): FinalEventsTable {
  const r = new ByteReader(bytes);
  let version: bigint;
  let numberOfEvents: bigint;
  try {
    version = u64le.decode(r);
    numberOfEvents = u64le.decode(r);
    // Each record takes at least 12 + 4 bytes: a count the bytes cannot hold is refused up front.
    if (numberOfEvents > BigInt(Math.floor(r.remaining / 16))) {
      throw new DecodeError('LIMIT_EXCEEDED', `NumberOfEvents ${numberOfEvents} cannot fit in ${r.remaining} bytes`, 8, ['NumberOfEvents']);
    }
  } catch (err) {
    if (err instanceof DecodeError) throw EventLogError.from(err, -1, 0);
    throw err;
  }
  const codec = tcgPcrEvent2(digestSizesOf(specId));
  const events: LogEvent[] = [];
  for (let i = 0; i < Number(numberOfEvents); i++) {
    const at = r.offset;
    try {
      const e = codec.decode(r);
      events.push({ index: i, offset: at, format: 'TCG_PCR_EVENT2', pcrIndex: e.pcrIndex, eventType: e.eventType, digests: e.digests, eventData: e.event });
    } catch (err) {
      if (err instanceof DecodeError) throw EventLogError.from(err, i, at);
      throw err;
    }
  }
  return { version, numberOfEvents, events };
}

/** Convenience: locate the first log in `memory` and decode it up to its free space. */
export function decodeEventLogFromMemory(memory: Uint8Array): EventLog | undefined {
  const at = locateEventLogs(memory)[0];
  if (at === undefined) return undefined;
  return decodeEventLog(memory.subarray(at), { stopAtFreeSpace: true, lenient: true });
}
