/**
 * QEMU's fw_cfg device read from the host through qtest (QEMU docs/specs/fw_cfg.rst). Where its
 * registers are is the machine's ({@link FwCfgRegisters}: x86 I/O ports here, the Arm `virt`
 * machine's MMIO in virt.ts). Files are read with DMA into a scratch area of guest RAM, as the
 * firmware's QemuFwCfgLib does, in chunks.
 */
import { BE, decode, encode, fixedBytes, list, struct } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';
import { FwCfgError } from './errors.ts';
import type { QtestSession } from './qtest.ts';

export const FW_CFG_PORT = { SELECTOR: 0x510, DATA: 0x511, DMA: 0x514 } as const;
/** Well-known selectors (fw_cfg.rst). */
export const FW_CFG_KEY = { SIGNATURE: 0x0000, ID: 0x0001, FILE_DIR: 0x0019 } as const;
/** FWCfgDmaAccess.control bits. */
export const FW_CFG_DMA = { ERROR: 0x01, READ: 0x02, SKIP: 0x04, SELECT: 0x08, WRITE: 0x10 } as const;

/** struct FWCfgFile: one directory entry (big-endian). */
export const FWCfgFile = struct('FWCfgFile', {
  size: BE.u32,
  select: BE.u16,
  reserved: BE.u16,
  name: fixedBytes('name', 56),
});
/** struct FWCfgDmaAccess (big-endian). */
export const FWCfgDmaAccess = struct('FWCfgDmaAccess', { control: BE.u32, length: BE.u32, address: BE.u64 });

type FwCfgFileRaw = Infer<typeof FWCfgFile>;

/** One fw_cfg file. */
export interface FwCfgFileEntry {
  readonly name: string;
  readonly select: number;
  readonly size: number;
}

/** The machine's fw_cfg registers and the guest RAM the reader may use. */
export interface FwCfgRegisters {
  /** Selects item `key` (the selector register). */
  select(key: number): Promise<void>;
  /** Reads the next byte of the selected item (the data register). */
  readByte(): Promise<number>;
  /** Writes the guest-physical address of an FWCfgDmaAccess to the DMA register, which starts it. */
  startDma(descriptor: bigint): Promise<void>;
  /** Guest RAM for the DMA descriptor (16 bytes) and, 64 KiB above it, a 64 KiB bounce buffer. */
  readonly scratch: bigint;
}

/**
 * x86 (`pc`, `q35`) I/O ports: selector 0x510 (16-bit, little-endian), data 0x511, DMA address
 * 0x514 (64-bit, big-endian: a write of the low half at 0x518 starts the transfer).
 */
export function x86PortRegisters(qt: QtestSession): FwCfgRegisters {
  return {
    select: (key) => qt.out('w', FW_CFG_PORT.SELECTOR, key),
    readByte: () => qt.in('b', FW_CFG_PORT.DATA),
    startDma: async (d) => {
      await qt.out('l', FW_CFG_PORT.DMA, swap32(Number(d >> 32n)));
      await qt.out('l', FW_CFG_PORT.DMA + 4, swap32(Number(d & 0xffff_ffffn)));
    },
    scratch: 0x10_0000n,
  };
}

const CHUNK = 0x1_0000;
/** Largest file taken (QEMU's ACPI blobs are well below; a bigger size is a malformed directory). */
export const MAX_FILE_SIZE = 64 << 20;
const MAX_FILES = 4096;
/** struct FWCfgFiles: the directory (selector 0x19), a big-endian count and the entries. */
export const FWCfgFiles = list('FWCfgFiles', BE.u32, FWCfgFile, MAX_FILES);

/** Byte swap of a 32-bit value (the DMA register is big-endian, the x86 port write little-endian). */
export const swap32 = (v: number): number => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

/** fw_cfg of a QEMU under qtest. */
export class FwCfg {
  readonly #qt: QtestSession;
  readonly #regs: FwCfgRegisters;
  readonly #descriptor: bigint;
  readonly #buffer: bigint;

  private constructor(qt: QtestSession, regs: FwCfgRegisters) {
    this.#qt = qt;
    this.#regs = regs;
    this.#descriptor = regs.scratch;
    this.#buffer = regs.scratch + BigInt(CHUNK);
  }

  /**
   * Checks the signature ("QEMU") and the DMA feature bit, as QemuFwCfgLib does; `regs` default
   * to the x86 I/O ports.
   */
  static async open(qt: QtestSession, regs: FwCfgRegisters = x86PortRegisters(qt)): Promise<FwCfg> {
    await regs.select(FW_CFG_KEY.SIGNATURE);
    const sig: number[] = [];
    for (let i = 0; i < 4; i++) sig.push(await regs.readByte());
    if (Buffer.from(sig).toString('latin1') !== 'QEMU') throw new FwCfgError('NO_FW_CFG', `fw_cfg signature is ${Buffer.from(sig).toString('hex')}, not "QEMU"`);
    await regs.select(FW_CFG_KEY.ID);
    const id = await regs.readByte();
    if ((id & 0x02) === 0) throw new FwCfgError('NO_FW_CFG', `fw_cfg has no DMA interface (ID 0x${id.toString(16)})`);
    return new FwCfg(qt, regs);
  }

  /** Reads `length` bytes of item `select` from its start (DMA, chunked). */
  async readItem(select: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_FILE_SIZE) throw new FwCfgError('BAD_DIRECTORY', `fw_cfg item 0x${select.toString(16)}: size ${length} out of range`);
    const out = new Uint8Array(length);
    let done = 0;
    let first = true;
    do {
      const n = Math.min(CHUNK, length - done);
      const control = first ? ((select << 16) | FW_CFG_DMA.SELECT | FW_CFG_DMA.READ) >>> 0 : FW_CFG_DMA.READ;
      await this.#qt.write(this.#descriptor, encode(FWCfgDmaAccess, { control, length: n, address: this.#buffer }));
      await this.#regs.startDma(this.#descriptor);
      const status = decode(FWCfgDmaAccess, await this.#qt.read(this.#descriptor, 16)).control;
      if (status !== 0) throw new FwCfgError('DMA_ERROR', `fw_cfg DMA read of item 0x${select.toString(16)} at ${done}: control 0x${status.toString(16)}`);
      if (n > 0) out.set(await this.#qt.read(this.#buffer, n), done);
      done += n;
      first = false;
    } while (done < length);
    return out;
  }

  /** Writes `bytes` to item `select` from its start (DMA; QEMU accepts writes to some files only). */
  async writeItem(select: number, bytes: Uint8Array): Promise<void> {
    if (bytes.length > CHUNK) throw new FwCfgError('BAD_DIRECTORY', `fw_cfg write of ${bytes.length} bytes: at most ${CHUNK}`);
    await this.#qt.write(this.#buffer, bytes);
    await this.#qt.write(this.#descriptor, encode(FWCfgDmaAccess, { control: ((select << 16) | FW_CFG_DMA.SELECT | FW_CFG_DMA.WRITE) >>> 0, length: bytes.length, address: this.#buffer }));
    await this.#regs.startDma(this.#descriptor);
    const status = decode(FWCfgDmaAccess, await this.#qt.read(this.#descriptor, 16)).control;
    if (status !== 0) throw new FwCfgError('DMA_ERROR', `fw_cfg DMA write of item 0x${select.toString(16)}: control 0x${status.toString(16)}`);
  }

  /** The file directory. */
  async files(): Promise<FwCfgFileEntry[]> {
    const head = await this.readItem(FW_CFG_KEY.FILE_DIR, 4);
    const count = Buffer.from(head).readUInt32BE(0);
    if (count > MAX_FILES) throw new FwCfgError('BAD_DIRECTORY', `fw_cfg file directory: count ${count} > ${MAX_FILES}`);
    let entries: FwCfgFileRaw[];
    try {
      entries = decode(FWCfgFiles, await this.readItem(FW_CFG_KEY.FILE_DIR, 4 + count * 64));
    } catch (e) {
      throw new FwCfgError('BAD_DIRECTORY', `fw_cfg file directory: ${(e as Error).message}`, { cause: e });
    }
    return entries.map((e) => {
      const nul = e.name.indexOf(0);
      return { name: Buffer.from(e.name.subarray(0, nul < 0 ? 56 : nul)).toString('latin1'), select: e.select, size: e.size };
    });
  }

  /** The contents of the file `name`. */
  async readFile(name: string): Promise<Uint8Array> {
    const f = (await this.files()).find((x) => x.name === name);
    if (f === undefined) throw new FwCfgError('NO_SUCH_FILE', `fw_cfg has no file '${name}'`);
    return this.readItem(f.select, f.size);
  }
}
