/**
 * The Fault Tolerant Write driver over the NV firmware volume, as edk2-stable202211
 * MdeModulePkg/Universal/FaultTolerantWriteDxe does it (FaultTolerantWrite.c, FtwMisc.c,
 * UpdateWorkingBlock.c): work-queue records in the working block, the spare area as the staging
 * copy, and the boot-time recovery of InitFtwProtocol. Offsets are absolute in the image; the FVB
 * is the whole NV FV (as OVMF's QemuFlashFvbServicesRuntimeDxe exposes it).
 */
import { encode } from '@tcg2sim/binary-codec';
import { FTW_WORKING_BLOCK_HEADER_SIZE, FTW_WORKING_STATE_OFFSET, FTW_WRITE_HEADER_SIZE, FTW_WRITE_RECORD_SIZE,
  FAULT_TOLERANT_WRITE_DXE_FILE_GUID, WORKING_BLOCK_SIGNATURE_GUID } from './constants.ts';
import { crc32 } from './crc32.ts';
import { VarStoreError } from './errors.ts';
import { FTW_HEADER_FLAG, FTW_RECORD_FLAG, FTW_WORKING_FLAG, FtwWorkingBlockHeader, FtwWriteHeader, FtwWriteRecord } from './structures.ts';
import type { NorFlash } from './flash.ts';
import type { NvLayout } from './layout.ts';

const U64 = (1n << 64n) - 1n;
const HDR = BigInt(FTW_WRITE_HEADER_SIZE);
const REC = BigInt(FTW_WRITE_RECORD_SIZE);
const FF3 = new Uint8Array(3).fill(0xff);
const FF4 = new Uint8Array(4).fill(0xff);
const FF7 = new Uint8Array(7).fill(0xff);

/** FTW_WRITE_TOTAL_SIZE(n, p) with UINTN (64-bit) wrap-around, as the C macro computes it. */
export function ftwWriteTotalSize(n: bigint, p: bigint): bigint {
  return (HDR + n * (REC + p)) & U64;
}

/**
 * The working-block header the driver expects (InitializeLocalWorkSpaceHeader): signature,
 * CRC-32 over the header with Crc/state/reserved as 0xFF, state 0xFE (valid), WriteQueueSize =
 * work space size − 32. `IsValidWorkSpace` compares all 32 bytes with it.
 */
export function expectedWorkingBlockHeader(workSpaceSize: number): Uint8Array {
  const h = encode(FtwWorkingBlockHeader, {
    signature: WORKING_BLOCK_SIGNATURE_GUID, crc: 0xffffffff, state: 0xff, reserved: new Uint8Array([0xff, 0xff, 0xff]),
    writeQueueSize: BigInt(workSpaceSize - FTW_WORKING_BLOCK_HEADER_SIZE),
  });
  const crc = crc32(h);
  h.set([crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24], 16);
  h[FTW_WORKING_STATE_OFFSET] = 0xfe;
  return h;
}

function fvState(old: number, bit: number): number {
  // FtwUpdateFvState: State ^= 0xFF; State |= NewBit; State ^= 0xFF.
  return ((old ^ 0xff) | bit) ^ 0xff;
}

/** The FTW device (EFI_FTW_DEVICE) bound to one flash part and NV layout. */
export class FtwDevice {
  readonly #flash: NorFlash;
  readonly #fvOffset: number;
  readonly #fvEnd: number;
  readonly #bs: number;
  readonly #wsSize: number;
  readonly #wsAbs: number;
  readonly #spareAbs: number;
  readonly #spareBlocks: number;
  readonly #workBlockAbs: number;
  readonly #workBlocks: number;
  /** Offset of the work space copy inside the spare area. */
  readonly #wsInSpare: number;
  readonly #expected: Uint8Array;
  /** The in-memory work space (FtwDevice->FtwWorkSpace). */
  #ws: Uint8Array;
  #lastHeader = FTW_WORKING_BLOCK_HEADER_SIZE;
  #lastRecord = FTW_WORKING_BLOCK_HEADER_SIZE + FTW_WRITE_HEADER_SIZE;

  constructor(flash: NorFlash, layout: NvLayout) {
    this.#flash = flash;
    this.#fvOffset = layout.fvOffset;
    this.#fvEnd = layout.fvOffset + layout.fvLength;
    this.#bs = layout.blockSize;
    this.#wsSize = layout.workingSize;
    this.#wsAbs = layout.workingOffset;
    this.#spareAbs = layout.spareOffset;
    this.#spareBlocks = layout.spareSize / layout.blockSize;
    // FindFvbForFtw / InitFtwProtocol geometry.
    const rel = layout.workingOffset - layout.fvOffset;
    const wsLba = Math.floor(rel / this.#bs);
    const wsBase = rel % this.#bs;
    const wsBlocks = Math.ceil((wsBase + this.#wsSize) / this.#bs);
    if (this.#wsSize >= this.#bs) {
      if (wsBase !== 0 || this.#wsSize % this.#bs !== 0) throw new VarStoreError('BAD_LAYOUT', 'NV_FTW_WORKING', 'work space larger than a block must be block aligned', layout.workingOffset);
      this.#workBlocks = wsBlocks;
    } else {
      if (wsBase + this.#wsSize > this.#bs) throw new VarStoreError('BAD_LAYOUT', 'NV_FTW_WORKING', 'work space smaller than a block must not span blocks', layout.workingOffset);
      let n = wsLba + wsBlocks;
      while (n * this.#bs > layout.spareSize) n--;
      this.#workBlocks = n;
    }
    const workBlockLba = wsLba + wsBlocks - this.#workBlocks;
    this.#workBlockAbs = layout.fvOffset + workBlockLba * this.#bs;
    this.#wsInSpare = (wsLba - workBlockLba) * this.#bs + wsBase;
    this.#expected = expectedWorkingBlockHeader(this.#wsSize);
    this.#ws = new Uint8Array(this.#wsSize).fill(0xff);
  }

  // ------------------------------------------------------------------------------------------
  // Work space accessors (bytes past the work space read as 0xFF: EDK II would read past its pool)

  #b(off: number): number {
    return off >= 0 && off < this.#wsSize ? (this.#ws[off] ?? 0xff) : 0xff;
  }
  #u64(off: number): bigint {
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(this.#b(off + i));
    return v;
  }
  #isValidWorkSpace(ws: Uint8Array): boolean {
    for (let i = 0; i < FTW_WORKING_BLOCK_HEADER_SIZE; i++) if (ws[i] !== this.#expected[i]) return false;
    return true;
  }
  #headerComplete(h: number): boolean {
    return (this.#b(h) & FTW_HEADER_FLAG.WRITES_COMPLETED) === 0;
  }
  #headerAllocated(h: number): boolean {
    return (this.#b(h) & FTW_HEADER_FLAG.HEADER_ALLOCATED) === 0;
  }
  #total(h: number): bigint {
    return ftwWriteTotalSize(this.#u64(h + 24), this.#u64(h + 32));
  }

  /** FtwGetLastWriteHeader over the memory work space: the first header not marked Complete. */
  #getLastWriteHeader(): { header: number; aborted: boolean } {
    let off = FTW_WORKING_BLOCK_HEADER_SIZE;
    for (let guard = 0; this.#headerComplete(off); guard++) {
      const next = (BigInt(off) + this.#total(off)) & U64;
      if (next >= BigInt(this.#wsSize)) return { header: off, aborted: true };
      if (guard > this.#wsSize || next <= BigInt(off)) {
        // Wrap-around sizes send EDK II's loop backwards or nowhere: it would hang here.
        throw new VarStoreError('BAD_FTW_QUEUE', 'EFI_FAULT_TOLERANT_WRITE_HEADER', 'write queue loops', this.#wsAbs + off);
      }
      off = Number(next);
    }
    return { header: off, aborted: false };
  }

  /** FtwGetLastWriteRecord: the first record of `h` not DestinationComplete (or the last one). */
  #getLastWriteRecord(h: number): number | undefined {
    const n = this.#u64(h + 24);
    const step = REC + this.#u64(h + 32);
    let rec = BigInt(h) + HDR;
    for (let i = 0n; i < n; i++) {
      if (rec + REC > BigInt(this.#wsSize)) return undefined; // would read past the work space
      if ((this.#b(Number(rec)) & FTW_RECORD_FLAG.DEST_COMPLETED) !== 0) return Number(rec);
      rec += step;
    }
    const last = rec - step;
    return last >= 0n && last < BigInt(this.#wsSize) ? Number(last) : undefined;
  }

  #isFirstRecord(h: number, r: number): boolean {
    return h + FTW_WRITE_HEADER_SIZE === r;
  }
  #isLastRecord(h: number, r: number): boolean {
    const n = (this.#u64(h + 24) - 1n) & U64;
    return ((BigInt(h) + ftwWriteTotalSize(n, this.#u64(h + 32))) & U64) === BigInt(r);
  }

  #readWorkSpace(abs: number): Uint8Array {
    return this.#flash.read(abs, this.#wsSize);
  }

  #updateFvState(abs: number, bit: number): void {
    const old = this.#flash.bytes[abs] ?? 0xff;
    this.#flash.programByte(abs, fvState(old, bit));
  }

  /** WorkSpaceRefresh: re-read the work space; reclaim it when the queue is full. */
  #refresh(): void {
    this.#ws = this.#readWorkSpace(this.#wsAbs);
    let last = this.#getLastWriteHeader();
    if (last.aborted || this.#wsSize - last.header < FTW_WRITE_HEADER_SIZE + FTW_WRITE_RECORD_SIZE) {
      this.#reclaimWorkSpace(true);
      this.#ws = this.#readWorkSpace(this.#wsAbs);
      last = this.#getLastWriteHeader();
      if (last.aborted) throw new VarStoreError('BAD_FTW_QUEUE', 'EFI_FAULT_TOLERANT_WRITE_HEADER', 'work space still full after reclaim', this.#wsAbs + last.header);
    }
    this.#lastHeader = last.header;
    const rec = this.#getLastWriteRecord(last.header);
    if (rec === undefined) throw new VarStoreError('BAD_FTW_QUEUE', 'EFI_FAULT_TOLERANT_WRITE_RECORD', 'no last write record', this.#wsAbs + last.header);
    this.#lastRecord = rec;
  }

  /** FtwReclaimWorkSpace: rewrite the working block through the spare, keeping the open write. */
  #reclaimWorkSpace(preserveRecord: boolean): void {
    const temp = this.#flash.read(this.#workBlockAbs, this.#workBlocks * this.#bs);
    const at = this.#wsInSpare;
    temp.fill(0xff, at, at + this.#wsSize);
    temp.set(this.#ws.subarray(0, FTW_WORKING_BLOCK_HEADER_SIZE), at);
    if (preserveRecord) {
      const last = this.#getLastWriteHeader();
      const h = last.header;
      if (!last.aborted && !this.#headerComplete(h) && this.#headerAllocated(h)) {
        const len = this.#total(h);
        const n = len > BigInt(this.#wsSize - FTW_WORKING_BLOCK_HEADER_SIZE) ? this.#wsSize - FTW_WORKING_BLOCK_HEADER_SIZE : Number(len);
        temp.set(this.#ws.subarray(h, Math.min(h + n, this.#wsSize)), at + FTW_WORKING_BLOCK_HEADER_SIZE);
      }
    }
    this.#ws = temp.slice(at, at + this.#wsSize);
    this.#lastHeader = this.#getLastWriteHeader().header;
    this.#lastRecord = this.#getLastWriteRecord(this.#lastHeader) ?? this.#lastHeader + FTW_WRITE_HEADER_SIZE;
    const st = at + FTW_WORKING_STATE_OFFSET;
    temp[st] = (temp[st] ?? 0xff) | FTW_WORKING_FLAG.WORKING_BLOCK_VALID | FTW_WORKING_FLAG.WORKING_BLOCK_INVALID;
    const spareBackup = this.#flash.read(this.#spareAbs, this.#spareBlocks * this.#bs);
    this.#flash.erase(this.#spareAbs, this.#spareBlocks);
    this.#flash.program(this.#spareAbs, temp);
    this.#updateFvState(this.#spareAbs + this.#wsInSpare + FTW_WORKING_STATE_OFFSET, FTW_WORKING_FLAG.WORKING_BLOCK_VALID);
    this.#updateFvState(this.#wsAbs + FTW_WORKING_STATE_OFFSET, FTW_WORKING_FLAG.WORKING_BLOCK_INVALID);
    this.#flushSpareToWorkingBlock();
    this.#flash.erase(this.#spareAbs, this.#spareBlocks);
    this.#flash.program(this.#spareAbs, spareBackup);
  }

  /** FlushSpareBlockToWorkingBlock. */
  #flushSpareToWorkingBlock(): void {
    this.#updateFvState(this.#spareAbs + this.#wsInSpare + FTW_WORKING_STATE_OFFSET, FTW_WORKING_FLAG.WORKING_BLOCK_VALID);
    const buf = this.#flash.read(this.#spareAbs, this.#spareBlocks * this.#bs);
    buf.set(this.#expected, this.#wsInSpare);
    buf[this.#wsInSpare + FTW_WORKING_STATE_OFFSET] = 0xff;
    this.#updateFvState(this.#wsAbs + FTW_WORKING_STATE_OFFSET, FTW_WORKING_FLAG.WORKING_BLOCK_INVALID);
    this.#flash.erase(this.#workBlockAbs, this.#workBlocks);
    this.#flash.program(this.#workBlockAbs, buf.subarray(0, this.#workBlocks * this.#bs));
    this.#updateFvState(this.#wsAbs + FTW_WORKING_STATE_OFFSET, FTW_WORKING_FLAG.WORKING_BLOCK_VALID);
  }

  /** FtwAbort: mark the open write Complete. Returns false when there is none (EFI_NOT_FOUND). */
  abort(): boolean {
    this.#refresh();
    if (!this.#headerAllocated(this.#lastHeader) || this.#headerComplete(this.#lastHeader)) return false;
    this.#updateFvState(this.#wsAbs + this.#lastHeader, FTW_HEADER_FLAG.WRITES_COMPLETED);
    this.#ws[this.#lastHeader] = fvState(this.#b(this.#lastHeader), FTW_HEADER_FLAG.WRITES_COMPLETED);
    return true;
  }

  /** FtwAllocate(CallerId, PrivateDataSize 0, NumberOfWrites n). */
  #allocate(callerId: string, numberOfWrites: number): void {
    this.#refresh();
    const total = ftwWriteTotalSize(BigInt(numberOfWrites), 0n);
    if (total > this.#u64(24)) throw new VarStoreError('OUT_OF_RESOURCES', 'EFI_FAULT_TOLERANT_WRITE_HEADER', 'write queue too small', this.#wsAbs);
    let h = this.#lastHeader;
    const f = this.#b(h);
    if ((f & FTW_HEADER_FLAG.HEADER_ALLOCATED) === 0 || (f & FTW_HEADER_FLAG.WRITES_ALLOCATED) === 0) {
      throw new VarStoreError('BAD_FTW_QUEUE', 'EFI_FAULT_TOLERANT_WRITE_HEADER', 'previous write not completed (EFI_ACCESS_DENIED)', this.#wsAbs + h);
    }
    if (BigInt(h) + total > BigInt(this.#wsSize)) {
      this.#reclaimWorkSpace(true);
      h = this.#lastHeader;
    }
    // The free slot is erased, so reserved bits and padding are written as 0xFF.
    const hdr = encode(FtwWriteHeader, {
      flags: 0xff & ~FTW_HEADER_FLAG.HEADER_ALLOCATED, pad: FF3, callerId, pad2: FF4,
      numberOfWrites: BigInt(numberOfWrites), privateDataSize: 0n,
    });
    this.#ws.set(hdr, h);
    this.#flash.program(this.#wsAbs + h, hdr);
    this.#updateFvState(this.#wsAbs + h, FTW_HEADER_FLAG.WRITES_ALLOCATED);
  }

  /**
   * FtwWrite(Lba, Offset, Length, PrivateData NULL, the NV FVB, Buffer), as the variable driver
   * calls it from FtwVariableSpace: allocates a one-record header when none is open, logs the
   * record, stages the merged target blocks in the spare, marks SpareComplete, writes the
   * target, marks DestinationComplete and Complete, then restores the spare's old content.
   * `lba`/`offset` are relative to the NV FV.
   */
  write(lba: number, offset: number, data: Uint8Array, callerId = FAULT_TOLERANT_WRITE_DXE_FILE_GUID): void {
    this.#refresh();
    let h = this.#lastHeader;
    const erased = this.#ws.subarray(h, h + FTW_WRITE_HEADER_SIZE).every((b) => b === 0xff);
    if (erased) {
      this.#allocate(callerId, 1);
      h = this.#lastHeader;
    }
    const r = this.#lastRecord;
    if (this.#headerComplete(h) || (this.#b(r) & FTW_RECORD_FLAG.DEST_COMPLETED) === 0 || (this.#b(r) & FTW_RECORD_FLAG.SPARE_COMPLETED) === 0) {
      throw new VarStoreError('BAD_FTW_QUEUE', 'EFI_FAULT_TOLERANT_WRITE_RECORD', 'the open write cannot take a record (EFI_ACCESS_DENIED / EFI_NOT_READY)', this.#wsAbs + r);
    }
    const blocks = Math.ceil((offset + data.length) / this.#bs);
    if (blocks > this.#spareBlocks) throw new VarStoreError('OUT_OF_RESOURCES', 'NV_FTW_SPARE', 'write larger than the spare area (EFI_BAD_BUFFER_SIZE)', this.#spareAbs);
    // RelativeOffset: target FVB address + Lba * BlockSize - spare address, an INT64.
    const rec = encode(FtwWriteRecord, {
      flags: 0xff, pad: FF7, lba: BigInt(lba), offset: BigInt(offset), length: BigInt(data.length),
      relativeOffset: BigInt.asUintN(64, BigInt(this.#fvOffset + lba * this.#bs - this.#spareAbs)),
    });
    this.#ws.set(rec, r);
    this.#flash.program(this.#wsAbs + r, rec);

    const target = this.#fvOffset + lba * this.#bs;
    const merged = this.#flash.read(target, blocks * this.#bs);
    merged.set(data, offset);
    const spareBackup = this.#flash.read(this.#spareAbs, this.#spareBlocks * this.#bs);
    this.#flash.erase(this.#spareAbs, this.#spareBlocks);
    this.#flash.program(this.#spareAbs, merged);
    this.#updateFvState(this.#wsAbs + r, FTW_RECORD_FLAG.SPARE_COMPLETED);
    this.#ws[r] = fvState(this.#b(r), FTW_RECORD_FLAG.SPARE_COMPLETED);
    this.#writeRecord();
    this.#flash.erase(this.#spareAbs, this.#spareBlocks);
    this.#flash.program(this.#spareAbs, spareBackup);
  }

  /** FtwWriteRecord: copy the spare to the target of the last record, then mark it done. */
  #writeRecord(): boolean {
    const h = this.#lastHeader;
    const r = this.#lastRecord;
    const lba = this.#u64(r + 8);
    const end = this.#u64(r + 16) + this.#u64(r + 24);
    const fvBlocks = BigInt((this.#fvEnd - this.#fvOffset) / this.#bs);
    const workLba = BigInt((this.#workBlockAbs - this.#fvOffset) / this.#bs);
    if (lba >= workLba && lba <= workLba + BigInt(this.#workBlocks) - 1n) {
      this.#updateFvState(this.#spareAbs + this.#wsInSpare + r, FTW_RECORD_FLAG.SPARE_COMPLETED);
      this.#flushSpareToWorkingBlock();
    } else {
      const blocks = (end + BigInt(this.#bs) - 1n) / BigInt(this.#bs);
      // FVB EraseBlocks refuses a range outside the FV; the spare holds at most its own size.
      if (lba + blocks > fvBlocks || blocks > BigInt(this.#spareBlocks)) return false;
      const spare = this.#flash.read(this.#spareAbs, Number(blocks) * this.#bs);
      const target = this.#fvOffset + Number(lba) * this.#bs;
      this.#flash.erase(target, Number(blocks));
      this.#flash.program(target, spare);
    }
    this.#updateFvState(this.#wsAbs + r, FTW_RECORD_FLAG.DEST_COMPLETED);
    this.#ws[r] = fvState(this.#b(r), FTW_RECORD_FLAG.DEST_COMPLETED);
    if (this.#isLastRecord(h, r)) {
      this.#updateFvState(this.#wsAbs + h, FTW_HEADER_FLAG.WRITES_COMPLETED);
      this.#ws[h] = fvState(this.#b(h), FTW_HEADER_FLAG.WRITES_COMPLETED);
    }
    return true;
  }

  /** FtwRestart: finish a write whose spare copy is complete. */
  #restart(): void {
    this.#refresh();
    const h = this.#lastHeader;
    const r = this.#lastRecord;
    if (this.#headerComplete(h) || (this.#b(r) & FTW_RECORD_FLAG.DEST_COMPLETED) === 0 || (this.#b(r) & FTW_RECORD_FLAG.SPARE_COMPLETED) !== 0) return;
    if (!this.#writeRecord()) return;
    this.#flash.erase(this.#spareAbs, this.#spareBlocks);
  }

  /**
   * InitFtwProtocol: the recovery the FTW driver performs at every boot. Repairs the working
   * block from the spare copy, aborts writes whose spare copy never completed, reclaims a dirty
   * work space and restarts a write whose spare copy completed.
   */
  initialize(): void {
    try {
      this.#refresh();
    } catch (err) {
      // A garbage queue in an invalid working block is replaced from the spare below.
      if (!(err instanceof VarStoreError && err.code === 'BAD_FTW_QUEUE') || this.#isValidWorkSpace(this.#ws)) throw err;
    }
    if (!this.#isValidWorkSpace(this.#ws)) {
      const fromSpare = this.#readWorkSpace(this.#spareAbs + this.#wsInSpare);
      if (this.#isValidWorkSpace(fromSpare)) {
        this.#ws = fromSpare;
        this.#flushSpareToWorkingBlock();
        this.abort();
        this.#refresh();
      } else {
        this.#ws = new Uint8Array(this.#wsSize).fill(0xff);
        this.#ws.set(this.#expected, 0);
        this.#reclaimWorkSpace(false);
      }
    }
    let h = this.#lastHeader;
    let r = this.#lastRecord;
    if (this.#headerAllocated(h) && (this.#b(r) & FTW_RECORD_FLAG.SPARE_COMPLETED) !== 0 && this.#isFirstRecord(h, r)) {
      this.abort();
    }
    h = this.#lastHeader;
    r = this.#lastRecord;
    if (!this.#headerComplete(h) && (this.#b(r) & FTW_RECORD_FLAG.DEST_COMPLETED) === 0 && this.#isLastRecord(h, r)) {
      this.abort();
    }
    h = this.#lastHeader;
    let off = BigInt(h);
    if (this.#b(h) !== 0xff) off = (off + this.#total(h)) & U64;
    let clean = off <= BigInt(this.#wsSize);
    for (let i = Number(clean ? off : 0n); clean && i < this.#wsSize; i++) if (this.#ws[i] !== 0xff) clean = false;
    if (!clean) this.#reclaimWorkSpace(true);
    h = this.#lastHeader;
    r = this.#lastRecord;
    if (!this.#headerComplete(h) && (this.#b(r) & FTW_RECORD_FLAG.SPARE_COMPLETED) === 0) {
      // BootBlockUpdate is never set on OVMF (no SwapAddressRange protocol).
      const rel = BigInt.asIntN(64, this.#u64(r + 32));
      const addr = BigInt(this.#spareAbs) + rel;
      if (addr >= BigInt(this.#fvOffset) && addr < BigInt(this.#fvEnd)) this.#restart();
      this.abort();
    }
  }
}
