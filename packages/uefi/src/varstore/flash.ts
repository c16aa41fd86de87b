/**
 * A NOR flash device model: programming can only clear bits (the stored byte becomes old AND new)
 * and erase works on whole blocks, setting them to 0xFF. A power-loss budget cuts the power after
 * a given number of flash operations, as pulling the plug would.
 */
import { VarStoreError } from './errors.ts';

/** The power was cut: `stats` says what the flash had done by then. Code 'POWER_LOSS'. */
export class PowerLossError extends VarStoreError {
  readonly stats: FlashStats;
  constructor(offset: number, stats: FlashStats) {
    super('POWER_LOSS', 'flash', 'power lost', offset);
    this.stats = stats;
  }
}

/** Counters of what the flash did. */
export interface FlashStats {
  /** Bytes programmed (each byte of each write counts, even when it changes nothing). */
  readonly bytesProgrammed: number;
  /** Blocks erased. */
  readonly blocksErased: number;
  /** bytesProgrammed + blocksErased: the unit of the power-loss budget. */
  readonly operations: number;
  /** Bytes whose program asked for a 0 -> 1 change (kept at 0, as NOR flash does). */
  readonly bitConflicts: number;
}

/** Options of {@link NorFlash}. */
export interface NorFlashOptions {
  /** Erase-block size; erase offsets must be aligned to it. */
  readonly blockSize: number;
  /**
   * Cut the power after this many operations (one per programmed byte, one per erased block):
   * the next operation throws VarStoreError('POWER_LOSS') and changes nothing.
   */
  readonly powerLossAfter?: number | undefined;
}

/** The flash part. Operates in place on `bytes`. */
export class NorFlash {
  readonly bytes: Uint8Array;
  readonly blockSize: number;
  #budget: number;
  #programmed = 0;
  #erased = 0;
  #conflicts = 0;

  constructor(bytes: Uint8Array, options: NorFlashOptions) {
    if (!Number.isInteger(options.blockSize) || options.blockSize <= 0) throw new RangeError('"blockSize" must be a positive integer');
    const limit = options.powerLossAfter;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new RangeError('"powerLossAfter" must be a non-negative integer');
    this.bytes = bytes;
    this.blockSize = options.blockSize;
    this.#budget = limit ?? Number.POSITIVE_INFINITY;
  }

  /** What has been done so far. */
  get stats(): FlashStats {
    return { bytesProgrammed: this.#programmed, blocksErased: this.#erased, operations: this.#programmed + this.#erased, bitConflicts: this.#conflicts };
  }

  /** True once the budget is used up (the next operation will fail). */
  get powerLost(): boolean {
    return this.#budget <= 0;
  }

  /** Removes the power-loss budget (the power is back). */
  restorePower(): void {
    this.#budget = Number.POSITIVE_INFINITY;
  }

  #spend(offset: number): void {
    if (this.#budget <= 0) throw new PowerLossError(offset, this.stats);
    this.#budget--;
  }

  /** Reads `length` bytes (a copy). */
  read(offset: number, length: number): Uint8Array {
    this.#check(offset, length);
    return this.bytes.slice(offset, offset + length);
  }

  /** Programs `data` at `offset`, byte by byte in ascending order. */
  program(offset: number, data: Uint8Array): void {
    this.#check(offset, data.length);
    for (let i = 0; i < data.length; i++) {
      this.#spend(offset + i);
      const old = this.bytes[offset + i] ?? 0xff;
      const v = data[i] ?? 0xff;
      if ((~old & v & 0xff) !== 0) this.#conflicts++;
      this.bytes[offset + i] = old & v;
      this.#programmed++;
    }
  }

  /** Programs one byte. */
  programByte(offset: number, value: number): void {
    this.program(offset, Uint8Array.of(value));
  }

  /** Erases `count` blocks starting at the block-aligned `offset`, one block after the other. */
  erase(offset: number, count = 1): void {
    if (offset % this.blockSize !== 0) throw new RangeError(`erase offset 0x${offset.toString(16)} is not block aligned`);
    this.#check(offset, count * this.blockSize);
    for (let b = 0; b < count; b++) {
      const at = offset + b * this.blockSize;
      this.#spend(at);
      this.bytes.fill(0xff, at, at + this.blockSize);
      this.#erased++;
    }
  }

  #check(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new RangeError(`flash access [0x${offset.toString(16)}, +0x${length.toString(16)}) outside the part (0x${this.bytes.length.toString(16)})`);
    }
  }
}
