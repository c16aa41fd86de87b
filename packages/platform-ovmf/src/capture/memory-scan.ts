/**
 * Finding the TCG_2 event log and the final events table in a paused guest through QMP
 * `pmemsave`: guest RAM is saved in chunks, top of memory first (DXE's AllocatePages(AnyPages)
 * hands out the highest free pages, so the log sits near the top of the RAM below 4 GiB), each
 * chunk is searched, and every page-aligned Spec ID event is re-read as its own 64 KiB area and
 * walked to its end.
 */
import { readFileSync, rmSync } from 'node:fs';
import { DecodeError } from '@tcg2sim/binary-codec';
import { decodeEventLog } from '@tcg2sim/event-log';
import type { EventLog, TCGEfiSpecIDEvent } from '@tcg2sim/event-log';
import {
  FINAL_EVENTS_AREA_LENGTH, TCG_LOG_AREA_LENGTH, findFinalEventsPointers, findSpecIdCandidates,
  measureFinalEventsTable,
} from './log-scan.ts';
import type { FinalEventsPointer, SpecIdCandidate } from './log-scan.ts';
import { findAcpiTables } from '../acpi/acpi-scan.ts';
import type { AcpiTableCopy } from '../acpi/acpi-scan.ts';

/** Chunk size of the RAM scan. */
const CHUNK = 64 * 0x100000;
/**
 * Once the log is found, keep looking for the final events table's configuration-table entry for
 * at most this many more bytes (it sits within the top few MiB in every boot seen); big guests
 * would otherwise be saved whole.
 */
const EXTRA_SCAN_FOR_FINAL_TABLE = 512 * 0x100000;

/** Where a crypto-agile log found in RAM ends. */
export interface LogExtent {
  /** Bytes from the start of the Spec ID event to the end of the last record. */
  readonly length: number;
  /** Records, the Spec ID event included. */
  readonly eventCount: number;
  /**
   * `free-space`: the next bytes are Tcg2Dxe's 0xFF fill (a whole log); `end-of-area`: the records
   * fill the 64 KiB area; `invalid-record`: the next bytes are neither (a stale or torn copy).
   */
  readonly endReason: 'free-space' | 'end-of-area' | 'invalid-record';
}

/** A Spec ID event found in RAM and what decoding from it gave. */
export interface SpecIdCopy extends SpecIdCandidate {
  /** Present when a crypto-agile log decodes from here. */
  readonly extent?: LogExtent;
}

/** Decodes the log at the start of `area` up to the free space; undefined when it is not a crypto-agile log. */
export function decodeLogArea(area: Uint8Array): { log: EventLog; specId: TCGEfiSpecIDEvent; extent: LogExtent } | undefined {
  const log = decodeEventLog(area, { lenient: true, stopAtFreeSpace: true });
  if (log.format !== 'crypto-agile' || !log.specId || log.events.length === 0) return undefined;
  const endReason = log.stop === undefined ? 'end-of-area' : log.stop.reason === 'free-space' ? 'free-space' : 'invalid-record';
  return { log, specId: log.specId, extent: { length: log.usedLength, eventCount: log.events.length, endReason } };
}

/** The TCG_2 log the scan found, and the final events table beside it. */
export interface FoundLog {
  readonly eventLog: Uint8Array;
  readonly eventLogAddress: number;
  readonly extent: LogExtent;
  /** The log's Spec ID event. */
  readonly specId: TCGEfiSpecIDEvent;
  readonly finalEvents?: Uint8Array;
  readonly finalEventsAddress?: number;
  /** Guest-physical address of the EFI_CONFIGURATION_TABLE entry that points at the final events table. */
  readonly finalEventsEntryAddress?: number;
}

/** What the scan found. */
export interface MemoryScanResult {
  /** The log; undefined when no page-aligned Spec ID event walks to a valid log (`noLog` says so). */
  readonly log: FoundLog | undefined;
  /** Why there is no log: how much RAM was searched and what Spec ID signatures it held. */
  readonly noLog?: string;
  /** Every Spec ID event seen, including stale or torn copies. */
  readonly copies: readonly SpecIdCopy[];
  /**
   * ACPI tables with the asked-for signatures and a valid checksum (all copies, highest chunk
   * first). Chunk-crossing tables are missed; ACPI memory is page-allocated and tables are small.
   */
  readonly acpiTables: readonly AcpiTableCopy[];
  /** Bytes of RAM saved and searched. */
  readonly bytesScanned: number;
}

/** What the scan needs from QMP: `pmemsave` (a {@link QmpClient} in real use). */
export interface QmpExecutor {
  execute(command: string, args?: Record<string, unknown>): Promise<unknown>;
}

async function save(qmp: QmpExecutor, scratch: string, address: number, size: number): Promise<Uint8Array> {
  await qmp.execute('pmemsave', { val: address, size, filename: scratch });
  const data = readFileSync(scratch);
  rmSync(scratch, { force: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The chunks of `ranges`, highest first. */
function chunksTopDown(ranges: ReadonlyArray<readonly [number, number]>): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  for (const [lo, hi] of [...ranges].sort((a, b) => a[0] - b[0])) {
    for (let end = hi; end > lo; end -= CHUNK) out.push([Math.max(lo, end - CHUNK), end]);
  }
  // Below-4-GiB RAM first (top down), then RAM above 4 GiB (top down).
  return out.sort((a, b) => (a[0] < 0x100000000 === b[0] < 0x100000000 ? b[0] - a[0] : a[0] - b[0]));
}

function rangeEnd(ranges: ReadonlyArray<readonly [number, number]>, address: number): number {
  for (const [lo, hi] of ranges) if (address >= lo && address < hi) return hi;
  return address;
}

/**
 * Scans guest RAM (the guest must be stopped) for the TCG_2 log and the final events table.
 * @param scratch a file path pmemsave may write to
 * @param all keep scanning after the log is found, to list every copy
 * No log (a build without TPM support publishes none) is a result, not an error: `log` is
 * undefined and `noLog` says what was searched.
 */
export async function scanGuestMemory(
  qmp: QmpExecutor,
  ranges: ReadonlyArray<readonly [number, number]>,
  scratch: string,
  all: boolean,
  acpiSignatures: readonly string[] = ['TPM2']
): Promise<MemoryScanResult> {
  const acpiTables: AcpiTableCopy[] = [];
  const copies: SpecIdCopy[] = [];
  const pointers: FinalEventsPointer[] = [];
  let best: { address: number; bytes: Uint8Array; extent: LogExtent; specId: TCGEfiSpecIDEvent } | undefined;
  let scanned = 0;
  let scannedAtLog = 0;
  for (const [lo, hi] of chunksTopDown(ranges)) {
    const chunk = await save(qmp, scratch, lo, hi - lo);
    scanned += chunk.length;
    pointers.push(...findFinalEventsPointers(chunk, lo));
    for (const sig of acpiSignatures) acpiTables.push(...findAcpiTables(chunk, lo, sig));
    for (const c of findSpecIdCandidates(chunk, lo)) {
      if (!c.pageAligned) {
        copies.push(c);
        continue;
      }
      const area = await save(qmp, scratch, c.address, Math.min(TCG_LOG_AREA_LENGTH, rangeEnd(ranges, c.address) - c.address));
      const d = decodeLogArea(area);
      if (!d) {
        copies.push(c);
        continue;
      }
      copies.push({ ...c, extent: d.extent });
      if (d.extent.endReason !== 'invalid-record' && (!best || d.extent.eventCount > best.extent.eventCount)) {
        best = { address: c.address, bytes: area.slice(0, d.extent.length), extent: d.extent, specId: d.specId };
      }
    }
    if (best && scannedAtLog === 0) scannedAtLog = scanned;
    const haveAcpi = acpiSignatures.every((sig) => acpiTables.some((t) => t.signature === sig));
    if (best && !all && ((pointers.length > 0 && haveAcpi) || scanned - scannedAtLog >= EXTRA_SCAN_FOR_FINAL_TABLE)) break;
  }
  if (!best) {
    return { log: undefined, noLog: `no TCG_2 event log in ${scanned} bytes of guest RAM (${copies.length} Spec ID signatures, none a whole log)`, copies, acpiTables, bytesScanned: scanned };
  }
  let finalEvents: Uint8Array | undefined;
  let finalEventsAddress: number | undefined;
  let finalEventsEntryAddress: number | undefined;
  for (const p of pointers) {
    const room = rangeEnd(ranges, p.tableAddress) - p.tableAddress;
    if (room < 16) continue;
    const area = await save(qmp, scratch, p.tableAddress, Math.min(FINAL_EVENTS_AREA_LENGTH, room));
    try {
      const t = measureFinalEventsTable(area, best.specId);
      finalEvents = area.slice(0, t.length);
      finalEventsAddress = p.tableAddress;
      finalEventsEntryAddress = p.entryAddress;
      break;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }
  return {
    log: {
      eventLog: best.bytes,
      eventLogAddress: best.address,
      extent: best.extent,
      specId: best.specId,
      ...(finalEvents ? { finalEvents } : {}),
      ...(finalEventsAddress !== undefined ? { finalEventsAddress } : {}),
      ...(finalEventsEntryAddress !== undefined ? { finalEventsEntryAddress } : {}),
    },
    copies,
    acpiTables,
    bytesScanned: scanned,
  };
}
