/**
 * A memory-mapped I/O bus (docs/architecture.md §3 "MMIO"): devices answer synchronous 8/16/32-bit reads
 * and writes at an offset inside their window, like hardware behind a chipset decoder. Nothing
 * here is asynchronous; a device whose backend is still busy says so through its status bits.
 */

/** Access width in bytes: 8-, 16- or 32-bit. 64-bit accesses are split by the bus. */
export type MmioWidth = 1 | 2 | 4;

/** A device that decodes a window of the physical address space. */
export interface MmioDevice {
  /** Short name for traces and diagnostics (`tpm-tis`, `tpm-crb`). */
  readonly name: string;
  /** Window size in bytes. */
  readonly size: number;
  /** Reads `width` bytes at `offset` (little-endian value, never negative). */
  read(offset: number, width: MmioWidth): number;
  /** Writes the low `width` bytes of `value` at `offset`. */
  write(offset: number, width: MmioWidth, value: number): void;
}

/** One access as seen on the bus. `value` is what was read or written. */
export interface MmioAccess {
  readonly op: 'R' | 'W';
  readonly address: number;
  readonly width: MmioWidth;
  readonly value: number;
}

/** Called after every access while attached. */
export type MmioObserver = (access: MmioAccess) => void;

interface Region {
  readonly base: number;
  readonly end: number;
  readonly device: MmioDevice;
}

/** Options of {@link MmioBus}. */
export interface MmioBusOptions {
  /**
   * What a read of an address no device decodes returns, per byte. QEMU's q35 returns 0x00 at
   * 0xFED40000 when no TPM is attached (docs/edk2-pei.md §1.2), which is the default; real
   * hardware with an open bus reads 0xFF.
   */
  readonly unmappedByte?: number;
}

const WIDTH_MASK = { 1: 0xff, 2: 0xffff, 4: 0xffffffff } as const;

function awidth(width: number): asserts width is MmioWidth {
  if (width !== 1 && width !== 2 && width !== 4) {
    throw new RangeError(`"width" expected 1, 2 or 4, got ${width}`);
  }
}

function aaddress(address: number): void {
  if (!Number.isInteger(address) || address < 0 || address > 0xffffffff) {
    throw new RangeError(`"address" expected a 32-bit physical address, got ${address}`);
  }
}

/** The physical address space the firmware driver talks to. */
export class MmioBus {
  readonly #regions: Region[] = [];
  readonly #observers: MmioObserver[] = [];
  readonly #unmapped: number;
  #last: Region | undefined;

  constructor(options: MmioBusOptions = {}) {
    const b = options.unmappedByte ?? 0;
    this.#unmapped = b * 0x01010101;
  }

  /**
   * Maps `device` at `base`.
   * @throws RangeError when the window overlaps one already mapped.
   */
  map(base: number, device: MmioDevice): void {
    aaddress(base);
    const end = base + device.size;
    for (const r of this.#regions) {
      if (base < r.end && r.base < end) {
        throw new RangeError(`"${device.name}" at 0x${base.toString(16)} overlaps "${r.device.name}"`);
      }
    }
    this.#regions.push({ base, end, device });
  }

  /** Registers an observer; returns the function that removes it. */
  observe(observer: MmioObserver): () => void {
    this.#observers.push(observer);
    return () => {
      const i = this.#observers.indexOf(observer);
      if (i >= 0) this.#observers.splice(i, 1);
    };
  }

  /** A `width`-byte read at `address`. */
  read(address: number, width: MmioWidth): number {
    awidth(width);
    return this.#read(address, width);
  }

  /** A `width`-byte write of `value` at `address`. */
  write(address: number, width: MmioWidth, value: number): void {
    awidth(width);
    this.#write(address, width, value);
  }

  #read(address: number, width: MmioWidth): number {
    const r = this.#region(address, width);
    const v = (r ? r.device.read(address - r.base, width) & WIDTH_MASK[width] : this.#unmapped & WIDTH_MASK[width]) >>> 0;
    if (this.#observers.length > 0) this.#notify({ op: 'R', address, width, value: v });
    return v;
  }

  #write(address: number, width: MmioWidth, value: number): void {
    if (!(value >= 0 && value <= WIDTH_MASK[width] && Number.isInteger(value))) {
      throw new RangeError(`"value" expected an unsigned ${width * 8}-bit integer, got ${value}`);
    }
    const r = this.#region(address, width);
    if (r) r.device.write(address - r.base, width, value);
    if (this.#observers.length > 0) this.#notify({ op: 'W', address, width, value });
  }

  /** MmioRead8. */
  read8(address: number): number {
    return this.#read(address, 1);
  }
  /** MmioRead16. */
  read16(address: number): number {
    return this.#read(address, 2);
  }
  /** MmioRead32. */
  read32(address: number): number {
    return this.#read(address, 4);
  }
  /** MmioWrite8. */
  write8(address: number, value: number): void {
    this.#write(address, 1, value);
  }
  /** MmioWrite16. */
  write16(address: number, value: number): void {
    this.#write(address, 2, value);
  }
  /** MmioWrite32. */
  write32(address: number, value: number): void {
    this.#write(address, 4, value);
  }

  /**
   * MmioWrite64: QEMU's TPM regions accept at most 4-byte accesses, so the access is split into
   * the low dword then the high dword, which is what QEMU's trace shows for EDK II's RSP_ADDR write.
   */
  write64(address: number, value: bigint): void {
    if (value < 0n || value > 0xffffffffffffffffn) {
      throw new RangeError(`"value" expected an unsigned 64-bit integer, got ${value}`);
    }
    this.write32(address, Number(value & 0xffffffffn));
    this.write32(address + 4, Number(value >> 32n));
  }

  /** The region decoding [address, address + width), remembering the last hit (the TPM). */
  #region(address: number, width: number): Region | undefined {
    if (address >>> 0 !== address) aaddress(address);
    const last = this.#last;
    if (last !== undefined && address >= last.base && address + width <= last.end) return last;
    for (const r of this.#regions) {
      if (address >= r.base && address + width <= r.end) {
        this.#last = r;
        return r;
      }
    }
    return undefined;
  }

  #notify(a: MmioAccess): void {
    for (const o of this.#observers) o(a);
  }
}
