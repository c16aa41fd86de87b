/**
 * The event-log memory areas Tcg2Dxe allocates (SecurityPkg/Tcg/Tcg2Dxe/Tcg2Dxe.c,
 * docs/edk2-dxe.md §5): a main area per format, filled with 0xFF, records appended back to back,
 * and the final-events table for TCG_2. The areas are byte buffers exactly as firmware memory
 * holds them, so `bytes` can be compared with a dump of guest RAM.
 */

/** PcdTcgLogAreaMinLen in OVMF 2022.11. */
export const TCG_LOG_AREA_MIN_LEN = 0x10000;
/** PcdTcg2FinalLogAreaLen in OVMF 2022.11 (header included). */
export const TCG2_FINAL_LOG_AREA_LEN = 0x8000;
/** sizeof (EFI_TCG2_FINAL_EVENTS_TABLE) header: UINT64 Version, UINT64 NumberOfEvents. */
export const FINAL_EVENTS_HEADER_SIZE = 16;

/** Result of appending a record. */
export type AppendResult = 'ok' | 'full';

/**
 * One main log area. `EventLogStarted`, `EventLogTruncated`, `LastEvent` and `EventLogSize`
 * follow TcgCommLogEvent: an exact fill is allowed; the first record that does not fit marks the
 * area truncated for good, and every later record is refused without trying.
 */
export class LogArea {
  readonly bytes: Uint8Array;
  #size = 0;
  #last = -1;
  #truncated = false;
  /** Offset where SP800-155 records are inserted (0: none accepted in this area). */
  #next800155 = 0;

  /** @param laml the area length (Laml) */
  constructor(laml: number) {
    this.bytes = new Uint8Array(laml).fill(0xff);
  }

  get laml(): number {
    return this.bytes.length;
  }
  /** Bytes used (EventLogSize). */
  get size(): number {
    return this.#size;
  }
  /** Offset of the start of the last record, or undefined if none was written. */
  get lastEntryOffset(): number | undefined {
    return this.#last < 0 ? undefined : this.#last;
  }
  get started(): boolean {
    return this.#last >= 0;
  }
  get truncated(): boolean {
    return this.#truncated;
  }
  /** The used part of the area (a view). */
  get used(): Uint8Array {
    return this.bytes.subarray(0, this.#size);
  }

  /** Marks where SP800-155 Event2 records go (right after the SpecID event). */
  setNext800155Offset(offset: number): void {
    this.#next800155 = offset;
  }
  get next800155Offset(): number {
    return this.#next800155;
  }

  /** Appends `record`; 'full' (and truncated from now on) when it does not fit. */
  append(record: Uint8Array): AppendResult {
    if (this.#truncated) return 'full';
    if (this.#size + record.length > this.laml) {
      this.#truncated = true;
      return 'full';
    }
    this.bytes.set(record, this.#size);
    this.#last = this.#size;
    this.#size += record.length;
    return 'ok';
  }

  /**
   * Inserts an SP800-155 record at the insertion offset, moving later records up (TcgCommLogEvent).
   * In an area with offset 0 the record is dropped and 'ok' returned, as edk2 does.
   */
  insert800155(record: Uint8Array): AppendResult {
    if (this.#truncated) return 'full';
    // TcgCommLogEvent checks the space first, even for a record it will then drop.
    if (this.#size + record.length > this.laml) {
      this.#truncated = true;
      return 'full';
    }
    if (this.#next800155 === 0) return 'ok';
    const at = this.#next800155;
    this.bytes.copyWithin(at + record.length, at, this.#size);
    this.bytes.set(record, at);
    this.#last += record.length;
    this.#size += record.length;
    this.#next800155 += record.length;
    return 'ok';
  }
}

/**
 * EFI_TCG2_FINAL_EVENTS_TABLE: {UINT64 Version = 1, UINT64 NumberOfEvents} and the records,
 * in an EfiACPIMemoryNVS area of PcdTcg2FinalLogAreaLen bytes filled with 0xFF.
 */
export class FinalEventsTable {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  readonly #records: LogArea;

  constructor(length = TCG2_FINAL_LOG_AREA_LEN) {
    this.bytes = new Uint8Array(length).fill(0xff);
    this.#view = new DataView(this.bytes.buffer);
    this.#view.setBigUint64(0, 1n, true);
    this.#view.setBigUint64(8, 0n, true);
    this.#records = new LogArea(length - FINAL_EVENTS_HEADER_SIZE);
  }

  get numberOfEvents(): bigint {
    return this.#view.getBigUint64(8, true);
  }
  get truncated(): boolean {
    return this.#records.truncated;
  }
  /** The records (a copy of the used area). */
  get records(): Uint8Array {
    return this.#records.used.slice();
  }

  /**
   * Appends a record and counts it. An SP800-155 record is dropped here (the table has no
   * insertion offset) but still counted, as edk2 does (code-derived side effect).
   */
  append(record: Uint8Array, is800155 = false): AppendResult {
    const before = this.#records.size;
    const r = is800155 ? this.#records.insert800155(record) : this.#records.append(record);
    if (r === 'ok') {
      this.#view.setBigUint64(8, this.numberOfEvents + 1n, true);
      if (!is800155) this.bytes.set(record, FINAL_EVENTS_HEADER_SIZE + before);
    }
    return r;
  }
}
