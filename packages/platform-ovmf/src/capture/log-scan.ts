/**
 * Finding the event logs Tcg2Dxe built in a dump of guest RAM. The records themselves are decoded
 * with @tcg2sim/event-log (`decodeEventLog` for the main log, `tcgPcrEvent2` for the final table).
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
import { digestSizesOf, tcgPcrEvent2 } from '@tcg2sim/event-log';
import type { TCGEfiSpecIDEvent } from '@tcg2sim/event-log';

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
const PAGE = 0x1000;

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
 * Measures EFI_TCG2_FINAL_EVENTS_TABLE at the start of `buf`, reading its records with the digest
 * sizes of the main log's Spec ID event.
 * @throws DecodeError when the header is not version 1 or a counted record is malformed.
 */
export function measureFinalEventsTable(buf: Uint8Array, specId: TCGEfiSpecIDEvent): FinalEventsExtent {
  const r = new ByteReader(buf);
  const version = r.u64le();
  const numberOfEvents = r.u64le();
  if (version !== 1n) {
    throw new DecodeError('BAD_VALUE', `Version ${version} is not 1`, 0, ['EFI_TCG2_FINAL_EVENTS_TABLE', 'Version']);
  }
  if (numberOfEvents > BigInt(Math.floor(FINAL_EVENTS_AREA_LENGTH / 12))) {
    throw new DecodeError('LIMIT_EXCEEDED', `NumberOfEvents ${numberOfEvents}`, 8, ['EFI_TCG2_FINAL_EVENTS_TABLE', 'NumberOfEvents']);
  }
  const codec = tcgPcrEvent2(digestSizesOf(specId));
  for (let i = 0; i < Number(numberOfEvents); i++) {
    try {
      codec.decode(r);
    } catch (e) {
      if (e instanceof DecodeError) {
        throw new DecodeError(e.code, e.detail, e.offset, ['EFI_TCG2_FINAL_EVENTS_TABLE', 'Event', i, ...e.path], { cause: e });
      }
      throw e;
    }
  }
  return { version, numberOfEvents, length: r.offset };
}

/** Bank name of a Spec ID algorithm, or `alg_0x....` when the registry does not know it. */
export function algorithmName(algorithmId: number): string {
  return findHashAlg(algorithmId)?.name ?? `alg_0x${algorithmId.toString(16).padStart(4, '0')}`;
}
