/** A read-only view of the FTW working block and spare area (for listing and diagnostics). */
import { decodeFirst, equalBytes } from '@tcg2sim/binary-codec';
import { FTW_WORKING_BLOCK_HEADER_SIZE, FTW_WRITE_HEADER_SIZE, FTW_WRITE_RECORD_SIZE } from './constants.ts';
import { expectedWorkingBlockHeader, ftwWriteTotalSize } from './ftw.ts';
import { FTW_HEADER_FLAG, FTW_RECORD_FLAG, FtwWorkingBlockHeader, FtwWriteHeader, FtwWriteRecord } from './structures.ts';
import type { NvLayout } from './layout.ts';

/** One EFI_FAULT_TOLERANT_WRITE_RECORD. */
export interface FtwRecordInfo {
  readonly offset: number;
  readonly spareComplete: boolean;
  readonly destinationComplete: boolean;
  readonly bootBlockUpdate: boolean;
  readonly lba: bigint;
  readonly targetOffset: bigint;
  readonly length: bigint;
  readonly relativeOffset: bigint;
}

/** One EFI_FAULT_TOLERANT_WRITE_HEADER with its records. */
export interface FtwWriteInfo {
  readonly offset: number;
  readonly headerAllocated: boolean;
  readonly writesAllocated: boolean;
  readonly complete: boolean;
  readonly callerId: string;
  readonly numberOfWrites: bigint;
  readonly privateDataSize: bigint;
  readonly records: readonly FtwRecordInfo[];
}

/** The working block as the FTW driver would judge it. */
export interface FtwInfo {
  readonly workingOffset: number;
  readonly header: FtwWorkingBlockHeader;
  /** The 32 header bytes equal what the driver computes (IsValidWorkSpace). */
  readonly headerValid: boolean;
  /** Allocated write headers in queue order (at most what fits in the work space). */
  readonly writes: readonly FtwWriteInfo[];
  /** True when the spare area is all 0xFF. */
  readonly spareErased: boolean;
}

/** Reads the working block queue and the spare state. Never throws on garbage queue entries. */
export function readFtwInfo(image: Uint8Array, layout: NvLayout): FtwInfo {
  const ws = image.subarray(layout.workingOffset, layout.workingOffset + layout.workingSize);
  const [header] = decodeFirst(FtwWorkingBlockHeader, ws);
  const headerValid = equalBytes(ws.subarray(0, FTW_WORKING_BLOCK_HEADER_SIZE), expectedWorkingBlockHeader(layout.workingSize));
  const writes: FtwWriteInfo[] = [];
  let off = FTW_WORKING_BLOCK_HEADER_SIZE;
  while (off + FTW_WRITE_HEADER_SIZE <= ws.length) {
    const [h] = decodeFirst(FtwWriteHeader, ws.subarray(off));
    if ((h.flags & FTW_HEADER_FLAG.HEADER_ALLOCATED) !== 0) break;
    const records: FtwRecordInfo[] = [];
    let r = off + FTW_WRITE_HEADER_SIZE;
    const n = h.numberOfWrites;
    for (let i = 0n; i < n && r + FTW_WRITE_RECORD_SIZE <= ws.length; i++) {
      const [rec] = decodeFirst(FtwWriteRecord, ws.subarray(r));
      records.push({
        offset: layout.workingOffset + r,
        bootBlockUpdate: (rec.flags & FTW_RECORD_FLAG.BOOT_BLOCK_UPDATE) === 0,
        spareComplete: (rec.flags & FTW_RECORD_FLAG.SPARE_COMPLETED) === 0,
        destinationComplete: (rec.flags & FTW_RECORD_FLAG.DEST_COMPLETED) === 0,
        lba: rec.lba, targetOffset: rec.offset, length: rec.length, relativeOffset: BigInt.asIntN(64, rec.relativeOffset),
      });
      const step = BigInt(FTW_WRITE_RECORD_SIZE) + h.privateDataSize;
      if (BigInt(r) + step > BigInt(ws.length)) break;
      r += Number(step);
    }
    writes.push({
      offset: layout.workingOffset + off,
      headerAllocated: true,
      writesAllocated: (h.flags & FTW_HEADER_FLAG.WRITES_ALLOCATED) === 0,
      complete: (h.flags & FTW_HEADER_FLAG.WRITES_COMPLETED) === 0,
      callerId: h.callerId, numberOfWrites: h.numberOfWrites, privateDataSize: h.privateDataSize, records,
    });
    const next = BigInt(off) + ftwWriteTotalSize(h.numberOfWrites, h.privateDataSize);
    if (next <= BigInt(off) || next >= BigInt(ws.length)) break;
    off = Number(next);
  }
  const spare = image.subarray(layout.spareOffset, layout.spareOffset + layout.spareSize);
  return { workingOffset: layout.workingOffset, header, headerValid, writes, spareErased: spare.every((b) => b === 0xff) };
}
