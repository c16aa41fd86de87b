/**
 * Finding the event logs Tcg2Dxe built in a dump of guest RAM, and measuring how long they are.
 *
 * This is a deliberately small, self-contained walk of the crypto-agile log (TCG PC Client
 * Platform Firmware Profile, §10.2.1 TCG_PCR_EVENT, §10.2.2 TCG_PCR_EVENT2, §10.4.5.1
 * TCG_EfiSpecIDEventStruct): it only has to find where the log ends. The full codec lives in
 * @tcg2sim/event-log.
 *
 * Facts used (edk2-stable202211 `SecurityPkg/Tcg/Tcg2Dxe/Tcg2Dxe.c`): the TCG_2 log area is
 * `AllocatePages(PcdTcgLogAreaMinLen = 0x10000)`, so it starts on a page boundary, it is filled with
 * 0xFF before the first record, and the Spec ID event is its first record. The final events table
 * is a separate 0x8000-byte page allocation, `{ UINT64 Version = 1; UINT64 NumberOfEvents; }`
 * followed by TCG_PCR_EVENT2 records, installed as the configuration table
 * gEfiTcg2FinalEventsTableGuid.
 */
import { ByteReader, DecodeError, guidFromString } from '@tcg2sim/binary-codec';
import { findHashAlg } from '@tcg2sim/hash-lib';

/** `Spec ID Event03\0`: TCG_EfiSpecIDEventStruct.signature (PFP §10.4.5.1). */
export const SPEC_ID_SIGNATURE: Uint8Array = new TextEncoder().encode('Spec ID Event03\0');

/** gEfiTcg2FinalEventsTableGuid 1E2ED096-30E2-4254-BD89-863BBEF82325, in memory byte order. */
export const TCG2_FINAL_EVENTS_TABLE_GUID: Uint8Array = guidFromString('1E2ED096-30E2-4254-BD89-863BBEF82325');

/** PcdTcgLogAreaMinLen in OVMF: size of the TCG_2 log area. */
export const TCG_LOG_AREA_LENGTH = 0x10000;
/** Size of the final events area Tcg2Dxe allocates (header included). */
export const FINAL_EVENTS_AREA_LENGTH = 0x8000;
/** Size of the TCG_PCR_EVENT header that precedes the Spec ID struct. */
const PCR_EVENT_HEADER_SIZE = 32;
/** EV_NO_ACTION. */
const EV_NO_ACTION = 0x00000003;
/** Highest PCR index a TCG_PCR_EVENT2 of a PC Client log may name. */
const MAX_PCR_INDEX = 23;
/** An event larger than this is not something Tcg2Dxe wrote (the whole area is 64 KiB). */
const MAX_EVENT_SIZE = TCG_LOG_AREA_LENGTH;
const PAGE = 0x1000;

/** One digest size announced by the Spec ID event. */
export interface SpecIdAlgorithm {
  readonly algorithmId: number;
  readonly digestSize: number;
}

/** Why the walk stopped. */
export type LogEndReason =
  /** The next record's bytes are the 0xFF fill Tcg2Dxe wrote over the whole area. */
  | 'free-space'
  /** The buffer ended exactly at a record boundary. */
  | 'end-of-buffer'
  /** The next bytes are neither a record nor free space (stale data or a torn copy). */
  | 'invalid-record';

/** Where a crypto-agile log ends, and what it announced. */
export interface CryptoAgileLogExtent {
  /** Bytes from the start of the Spec ID event to the end of the last record. */
  readonly length: number;
  /** Records, the Spec ID event included. */
  readonly eventCount: number;
  readonly algorithms: readonly SpecIdAlgorithm[];
  readonly endReason: LogEndReason;
}

/**
 * Reads the TCG_PCR_EVENT header and TCG_EfiSpecIDEventStruct at the reader's position.
 * @throws DecodeError when the bytes are not a Spec ID event.
 */
export function readSpecIdEvent(r: ByteReader): SpecIdAlgorithm[] {
  const start = r.offset;
  const pcrIndex = r.u32le();
  const eventType = r.u32le();
  const digest = r.bytes(20);
  const eventSize = r.u32le();
  if (pcrIndex !== 0 || eventType !== EV_NO_ACTION || digest.some((b) => b !== 0)) {
    throw new DecodeError('BAD_VALUE', 'not an EV_NO_ACTION TCG_PCR_EVENT for PCR 0 with a zero digest', start, ['TCG_PCR_EVENT']);
  }
  const ev = r.sub(eventSize);
  const signature = ev.bytes(16);
  if (!signature.every((b, i) => b === SPEC_ID_SIGNATURE[i])) {
    throw new DecodeError('BAD_VALUE', 'signature is not "Spec ID Event03"', start + 32, ['TCG_EfiSpecIDEventStruct', 'signature']);
  }
  ev.skip(4 + 4); // platformClass, specVersionMinor/Major, specErrata, uintnSize
  const count = ev.u32le();
  if (count === 0 || count > 16) {
    throw new DecodeError('LIMIT_EXCEEDED', `numberOfAlgorithms ${count} outside 1..16`, ev.offset - 4, ['TCG_EfiSpecIDEventStruct', 'numberOfAlgorithms']);
  }
  const algorithms: SpecIdAlgorithm[] = [];
  for (let i = 0; i < count; i++) {
    const algorithmId = ev.u16le();
    const digestSize = ev.u16le();
    if (digestSize === 0 || digestSize > 64) {
      throw new DecodeError('BAD_VALUE', `digestSize ${digestSize}`, ev.offset - 2, ['TCG_EfiSpecIDEventStruct', 'digestSizes', i]);
    }
    algorithms.push({ algorithmId, digestSize });
  }
  const vendorInfoSize = ev.u8();
  ev.skip(vendorInfoSize);
  if (ev.remaining !== 0) {
    throw new DecodeError('TRAILING_BYTES', `${ev.remaining} bytes after vendorInfo`, ev.offset, ['TCG_EfiSpecIDEventStruct']);
  }
  return algorithms;
}

/**
 * Reads one TCG_PCR_EVENT2 at the reader's position and returns true, or returns false (reader
 * position unspecified) when the bytes are not a plausible record.
 */
function skipPcrEvent2(r: ByteReader, sizes: ReadonlyMap<number, number>): boolean {
  if (r.remaining < 12) return false;
  const pcrIndex = r.u32le();
  r.u32le(); // eventType: any value is legal
  const count = r.u32le();
  if (pcrIndex > MAX_PCR_INDEX || count === 0 || count > sizes.size) return false;
  for (let i = 0; i < count; i++) {
    if (r.remaining < 2) return false;
    const size = sizes.get(r.u16le());
    if (size === undefined || r.remaining < size) return false;
    r.skip(size);
  }
  if (r.remaining < 4) return false;
  const eventSize = r.u32le();
  if (eventSize > MAX_EVENT_SIZE || eventSize > r.remaining) return false;
  r.skip(eventSize);
  return true;
}

/** True when the next `n` bytes (or all that remain) are 0xFF. */
function isFreeSpace(buf: Uint8Array, at: number, n: number): boolean {
  const end = Math.min(buf.length, at + n);
  for (let i = at; i < end; i++) if (buf[i] !== 0xff) return false;
  return true;
}

/**
 * Measures the crypto-agile log that starts at `offset` in `buf` (the Spec ID event), walking
 * records until the free space, the end of the buffer, or something that is not a record.
 * @throws DecodeError when there is no Spec ID event at `offset`.
 */
export function measureCryptoAgileLog(buf: Uint8Array, offset = 0, limit: number = buf.length - offset): CryptoAgileLogExtent {
  const end = Math.min(buf.length, offset + limit);
  const r = new ByteReader(buf, offset, end);
  const algorithms = readSpecIdEvent(r);
  return walkEvents(buf, r, algorithms, offset, 1, Number.MAX_SAFE_INTEGER);
}

function walkEvents(
  buf: Uint8Array,
  r: ByteReader,
  algorithms: readonly SpecIdAlgorithm[],
  start: number,
  initialCount: number,
  maxEvents: number
): CryptoAgileLogExtent {
  const sizes = new Map<number, number>(algorithms.map((a) => [a.algorithmId, a.digestSize]));
  let eventCount = initialCount;
  let endReason: LogEndReason = 'end-of-buffer';
  while (eventCount - initialCount < maxEvents) {
    const at = r.offset;
    if (at === r.end) break;
    if (isFreeSpace(buf, at, 12)) {
      endReason = 'free-space';
      break;
    }
    const probe = r.fork();
    if (!skipPcrEvent2(probe, sizes)) {
      endReason = 'invalid-record';
      break;
    }
    r.seek(probe.offset);
    eventCount++;
  }
  return { length: r.offset - start, eventCount, algorithms, endReason };
}

/** A place in a RAM dump where a Spec ID event starts. */
export interface SpecIdCandidate {
  /** Guest-physical address of the TCG_PCR_EVENT header. */
  readonly address: number;
  /** Whether the address is page aligned, as Tcg2Dxe's AllocatePages area is. */
  readonly pageAligned: boolean;
}

/**
 * Every position in `chunk` (guest-physical `base`) where the `Spec ID Event03` signature sits
 * after a plausible TCG_PCR_EVENT header (PCR 0, EV_NO_ACTION, zero SHA-1 digest).
 */
export function findSpecIdCandidates(chunk: Uint8Array, base: number): SpecIdCandidate[] {
  const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const out: SpecIdCandidate[] = [];
  for (let i = buf.indexOf(SPEC_ID_SIGNATURE); i >= 0; i = buf.indexOf(SPEC_ID_SIGNATURE, i + 1)) {
    const h = i - PCR_EVENT_HEADER_SIZE;
    if (h < 0) continue;
    if (buf.readUInt32LE(h) !== 0 || buf.readUInt32LE(h + 4) !== EV_NO_ACTION) continue;
    if (buf.subarray(h + 8, h + 28).some((b) => b !== 0)) continue;
    const address = base + h;
    out.push({ address, pageAligned: address % PAGE === 0 });
  }
  return out;
}

/** A configuration-table entry `{ gEfiTcg2FinalEventsTableGuid, VendorTable }` found in a dump. */
export interface FinalEventsPointer {
  /** Guest-physical address of the EFI_CONFIGURATION_TABLE entry. */
  readonly entryAddress: number;
  /** The VendorTable pointer: guest-physical address of EFI_TCG2_FINAL_EVENTS_TABLE. */
  readonly tableAddress: number;
}

/**
 * Every EFI_CONFIGURATION_TABLE entry in `chunk` whose GUID is gEfiTcg2FinalEventsTableGuid and
 * whose pointer is page aligned and non-zero (the GUID also sits in Tcg2Dxe's image as a constant,
 * followed by other data).
 */
export function findFinalEventsPointers(chunk: Uint8Array, base: number): FinalEventsPointer[] {
  const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const out: FinalEventsPointer[] = [];
  const g = TCG2_FINAL_EVENTS_TABLE_GUID;
  for (let i = buf.indexOf(g); i >= 0; i = buf.indexOf(g, i + 1)) {
    if (i + 24 > buf.length || (base + i) % 8 !== 0) continue;
    const ptr = buf.readBigUInt64LE(i + 16);
    if (ptr === 0n || ptr % BigInt(PAGE) !== 0n || ptr > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    out.push({ entryAddress: base + i, tableAddress: Number(ptr) });
  }
  return out;
}

/** EFI_TCG2_FINAL_EVENTS_TABLE as found in RAM. */
export interface FinalEventsExtent {
  readonly version: bigint;
  readonly numberOfEvents: bigint;
  /** Header (16 bytes) plus the records NumberOfEvents counts. */
  readonly length: number;
}

/**
 * Measures EFI_TCG2_FINAL_EVENTS_TABLE at the start of `buf` using the digest sizes of the main
 * log's Spec ID event.
 * @throws DecodeError when the header is not version 1 or a counted record is malformed.
 */
export function measureFinalEventsTable(buf: Uint8Array, algorithms: readonly SpecIdAlgorithm[]): FinalEventsExtent {
  const r = new ByteReader(buf);
  const version = r.u64le();
  const numberOfEvents = r.u64le();
  if (version !== 1n) {
    throw new DecodeError('BAD_VALUE', `Version ${version} is not 1`, 0, ['EFI_TCG2_FINAL_EVENTS_TABLE', 'Version']);
  }
  if (numberOfEvents > BigInt(Math.floor(FINAL_EVENTS_AREA_LENGTH / 12))) {
    throw new DecodeError('LIMIT_EXCEEDED', `NumberOfEvents ${numberOfEvents}`, 8, ['EFI_TCG2_FINAL_EVENTS_TABLE', 'NumberOfEvents']);
  }
  const n = Number(numberOfEvents);
  const extent = walkEvents(buf, r, algorithms, 0, 0, n);
  if (extent.eventCount !== n) {
    throw new DecodeError('BAD_VALUE', `only ${extent.eventCount} of ${n} records decode`, extent.length, ['EFI_TCG2_FINAL_EVENTS_TABLE', 'Event', extent.eventCount]);
  }
  return { version, numberOfEvents, length: extent.length };
}

/** Bank name of a Spec ID algorithm, or `alg_0x....` when the registry does not know it. */
export function algorithmName(algorithmId: number): string {
  return findHashAlg(algorithmId)?.name ?? `alg_0x${algorithmId.toString(16).padStart(4, '0')}`;
}
