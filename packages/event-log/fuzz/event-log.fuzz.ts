/**
 * Coverage-guided fuzz target for event-log decoding and everything that consumes a decoded log:
 * strict and lenient decoding (TCG_PCR_EVENT header, TCG_PCR_EVENT2 records, the Spec ID event),
 * the event-data decoders (through the JSON and text forms), replay, lint, the tpm2-tools YAML
 * and CEL forms, and the readers of logs lifted from guest memory.
 * Seeds: real OVMF logs. See fuzz/README.md for how to run it.
 */
import { Tcg2Error } from '@tcg2sim/binary-codec';
import {
  decodeEventLog, decodeEventLogFromMemory, describeEvent, lintEventLog, locateEventLogs, replayEventLog, replayEventLogBytes,
  toCelJson, toJson, toTpm2ToolsYaml,
} from '@tcg2sim/event-log';
import type { EventLog } from '@tcg2sim/event-log';

/** A return or a typed error (a Tcg2Error with a `code`) is fine; anything else is a finding. */
function typed(step: () => unknown): void {
  try {
    step();
  } catch (err) {
    if (err instanceof Tcg2Error && typeof (err as Tcg2Error & { code?: unknown }).code === 'string') return;
    throw err;
  }
}

const maxEvents = 4096;

function consume(log: EventLog): void {
  const replay = replayEventLog(log);
  lintEventLog(log);
  toJson(log, replay);
  toCelJson(log);
  toTpm2ToolsYaml(log, replay);
  for (const e of log.events) describeEvent(e);
}

/** The fuzz target: `data` is one input from the fuzzer. */
export function fuzz(data: Uint8Array): void {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  typed(() => consume(decodeEventLog(bytes, { maxEvents })));
  typed(() => consume(decodeEventLog(bytes, { lenient: true, stopAtFreeSpace: true, maxEvents })));
  typed(() => replayEventLogBytes(bytes, { stopAtFreeSpace: true, maxEvents }));
  typed(() => {
    locateEventLogs(bytes);
    const log = decodeEventLogFromMemory(bytes);
    if (log !== undefined) consume(log);
  });
}
