/**
 * The PTP CRB interface as QEMU 7.2's tpm-crb models it (docs/edk2-pei.md §4.2): locality 0 only,
 * registers at 0x00-0x7F, the command/response buffer (plain RAM in QEMU) at 0x80-0xFFF.
 * Only CTRL_REQ, CTRL_CANCEL, CTRL_START and LOC_CTRL writes have effects; the address and size
 * registers read back QEMU's fixed values whatever the driver writes.
 */
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import type { MmioDevice, MmioWidth } from './mmio.ts';
import { BackendLink, headerSize } from './backend-link.ts';
import type { BackendCallHook, BackendResult } from './backend-link.ts';
import { CRB_BITS, CRB_BUFFER_SIZE, CRB_REG, TPM_BASE_ADDRESS } from './registers.ts';

/** Where a CRB command stands, derived from CTRL_STS and CTRL_START. */
export type CrbState = 'idle' | 'ready' | 'execution' | 'completion';

/** Faults a test can inject; each stays active until cleared. */
export interface CrbFaults {
  /** cmdReady never takes the TPM out of idle (CTRL_STS.tpmIdle stays 1). */
  readonly idleStuck?: boolean;
}

/** Options of {@link CrbDevice}. */
export interface CrbOptions {
  /** min(backend buffer, 0xF80) in QEMU. */
  readonly bufferSize?: number;
  /** Told about every backend call (see {@link BackendCallHook}). */
  readonly onBackendCall?: BackendCallHook;
  /** The TPM's tpmEstablished flag (LOC_STATE bit 0 reads its inverse). */
  readonly established?: boolean;
  /** Physical address of the window, reported in CMD_LADDR / RSP_ADDR. */
  readonly base?: number;
}

/** QEMU 7.2 INTF_ID: type CRB, version 1, 64-byte transfers, CapCRB, selector CRB, RID 0. */
const INTF_ID = 0x00025811;
/** INTF_ID2 (0x34): VID 0x1014 (IBM), DID 0. */
const INTF_ID2 = 0x00001014;
const REG_WORDS = CRB_REG.DATA_BUFFER / 4;

/** QEMU tpm-crb behind an MMIO window of 0x1000 bytes. */
export class CrbDevice implements MmioDevice {
  readonly name = 'tpm-crb';
  readonly size = 0x1000;
  /** Injected faults (tests). */
  faults: CrbFaults = {};

  readonly #link: BackendLink;
  readonly #regs = new Uint32Array(REG_WORDS);
  readonly #buffer = new Uint8Array(CRB_BUFFER_SIZE);
  readonly #bufferSize: number;
  readonly #base: number;
  #established: boolean;
  #completed = false;

  constructor(backend: TpmBackend, options: CrbOptions = {}) {
    const size = options.bufferSize ?? CRB_BUFFER_SIZE;
    if (!Number.isInteger(size) || size < 10 || size > CRB_BUFFER_SIZE) {
      throw new RangeError(`"bufferSize" expected 10..3968, got ${size}`);
    }
    this.#link = new BackendLink(backend, options.onBackendCall);
    this.#bufferSize = size;
    this.#base = options.base ?? TPM_BASE_ADDRESS;
    this.#established = options.established ?? false;
    this.reset();
  }

  /** Platform reset (tpm_crb_reset). */
  reset(): void {
    this.#link.reset();
    this.#regs.fill(0);
    this.#set(CRB_REG.LOC_STATE, CRB_BITS.LOC_STATE_REG_VALID);
    this.#set(CRB_REG.CTRL_STS, CRB_BITS.CTRL_STS_IDLE);
    this.#set(CRB_REG.INTF_ID, INTF_ID);
    this.#set(CRB_REG.INTF_ID2, INTF_ID2);
    this.#set(CRB_REG.CMD_SIZE, CRB_BUFFER_SIZE);
    this.#set(CRB_REG.CMD_LADDR, this.#base + CRB_REG.DATA_BUFFER);
    this.#set(CRB_REG.RSP_SIZE, CRB_BUFFER_SIZE);
    this.#set(CRB_REG.RSP_ADDR, this.#base + CRB_REG.DATA_BUFFER);
    this.#completed = false;
  }

  /** The command state: idle, ready (cmdReady), execution (START set) or completion. */
  get state(): CrbState {
    if (this.#get(CRB_REG.CTRL_START) & CRB_BITS.CTRL_START_INVOKE) return 'execution';
    if (this.#get(CRB_REG.CTRL_STS) & CRB_BITS.CTRL_STS_IDLE) return 'idle';
    return this.#completed ? 'completion' : 'ready';
  }

  /** True while the backend is computing. */
  get busy(): boolean {
    return this.#link.busy;
  }

  /** Resolves when no backend command is in flight. */
  settled(): Promise<void> {
    return this.#link.settled();
  }

  /** The error the backend last failed with. */
  get lastBackendError(): unknown {
    return this.#link.lastError;
  }

  read(offset: number, width: MmioWidth): number {
    if (offset >= CRB_REG.DATA_BUFFER) {
      let v = 0;
      const at = offset - CRB_REG.DATA_BUFFER;
      for (let i = 0; i < width; i++) v |= (this.#buffer[at + i] ?? 0) << (8 * i);
      return v >>> 0;
    }
    let val = (this.#regs[offset >> 2] ?? 0) >>> ((offset & 3) * 8);
    if (offset === CRB_REG.LOC_STATE && !this.#established) val |= CRB_BITS.LOC_STATE_ESTABLISHED;
    return val >>> 0;
  }

  write(offset: number, width: MmioWidth, value: number): void {
    if (offset >= CRB_REG.DATA_BUFFER) {
      const at = offset - CRB_REG.DATA_BUFFER;
      for (let i = 0; i < width && at + i < CRB_BUFFER_SIZE; i++) this.#buffer[at + i] = (value >>> (8 * i)) & 0xff;
      return;
    }
    switch (offset) {
      case CRB_REG.CTRL_REQ:
        if (value === CRB_BITS.CTRL_REQ_CMD_READY && !this.faults.idleStuck) {
          this.#clear(CRB_REG.CTRL_STS, CRB_BITS.CTRL_STS_IDLE);
          this.#completed = false;
        } else if (value === CRB_BITS.CTRL_REQ_GO_IDLE) {
          this.#or(CRB_REG.CTRL_STS, CRB_BITS.CTRL_STS_IDLE);
          this.#completed = false;
        }
        return;
      case CRB_REG.CTRL_CANCEL:
        if (value === CRB_BITS.CTRL_CANCEL_INVOKE && this.#get(CRB_REG.CTRL_START) & CRB_BITS.CTRL_START_INVOKE) {
          this.#link.cancel();
        }
        return;
      case CRB_REG.CTRL_START:
        if (value === CRB_BITS.CTRL_START_INVOKE && !(this.#get(CRB_REG.CTRL_START) & CRB_BITS.CTRL_START_INVOKE)) {
          // Only the active locality may start; QEMU has locality 0 only, active once assigned.
          if (this.#get(CRB_REG.LOC_STATE) & CRB_BITS.LOC_STATE_ASSIGNED) this.#start();
        }
        return;
      case CRB_REG.LOC_CTRL:
        if (value === CRB_BITS.LOC_CTRL_REQUEST_ACCESS) {
          this.#or(CRB_REG.LOC_STS, CRB_BITS.LOC_STS_GRANTED);
          this.#clear(CRB_REG.LOC_STS, CRB_BITS.LOC_STS_BEEN_SEIZED);
          this.#or(CRB_REG.LOC_STATE, CRB_BITS.LOC_STATE_ASSIGNED);
        } else if (value === CRB_BITS.LOC_CTRL_RELINQUISH) {
          this.#clear(CRB_REG.LOC_STATE, CRB_BITS.LOC_STATE_ASSIGNED);
          this.#clear(CRB_REG.LOC_STS, CRB_BITS.LOC_STS_GRANTED);
        }
        return;
      default:
      // Everything else (CMD_*/RSP_* included) is ignored, as in QEMU 7.2.
    }
  }

  #start(): void {
    this.#or(CRB_REG.CTRL_START, CRB_BITS.CTRL_START_INVOKE);
    this.#completed = false;
    const len = Math.min(headerSize(this.#buffer), this.#bufferSize);
    const command = this.#buffer.slice(0, len);
    this.#link.deliver(command, 0, (r) => this.#done(r));
  }

  #done(r: BackendResult): void {
    const n = Math.min(r.response.length, this.#bufferSize);
    this.#buffer.set(r.response.subarray(0, n));
    this.#clear(CRB_REG.CTRL_START, CRB_BITS.CTRL_START_INVOKE);
    if (r.failed) this.#or(CRB_REG.CTRL_STS, CRB_BITS.CTRL_STS_FATAL);
    this.#completed = true;
  }

  #get(reg: number): number {
    return this.#regs[reg >> 2] ?? 0;
  }
  #set(reg: number, v: number): void {
    this.#regs[reg >> 2] = v;
  }
  #or(reg: number, v: number): void {
    this.#set(reg, this.#get(reg) | v);
  }
  #clear(reg: number, v: number): void {
    this.#set(reg, this.#get(reg) & ~v);
  }
}
