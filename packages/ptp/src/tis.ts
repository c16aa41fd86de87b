/**
 * The TIS 1.3 / PTP FIFO interface as QEMU 7.2's tpm-tis models it for a TPM 2.0 backend
 * (docs/edk2-pei.md §4.1): five localities of registers at 0x1000 strides, one shared 4 KiB
 * command/response buffer, the idle/ready/reception/execution/completion states and the
 * locality arbitration (request, relinquish, seize, abort).
 *
 * Everything is synchronous. While the backend computes, the locality sits in EXECUTION and its
 * STS shows neither dataAvail nor commandReady: that is how a busy TPM looks to a driver.
 */
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import type { MmioDevice, MmioWidth } from './mmio.ts';
import { BackendLink, headerSize } from './backend-link.ts';
import type { BackendCallHook, BackendResult } from './backend-link.ts';
import {
  INTERFACE_ID, LOCALITY_COUNT, TIS_ACCESS, TIS_BUFFER_MAX, TIS_INT, TIS_REG, TIS_STS,
} from './registers.ts';

/** Command states of a locality (TIS 1.3 §5.6.12, QEMU TPM_TIS_STATE_*). */
export type TisState = 'idle' | 'ready' | 'reception' | 'execution' | 'completion';

/** Faults a test can inject; each stays active until cleared (`device.faults = {}`). */
export interface TisFaults {
  /** The FIFO write carrying this command byte index is silently lost. */
  readonly dropCommandByte?: number;
  /** STS never shows stsValid. */
  readonly stsValidNever?: boolean;
  /** burstCount always reads 0. */
  readonly burstCountZero?: boolean;
  /** This locality (1..3) seizes the TPM as soon as a command is handed to the backend. */
  readonly seizeOnExecute?: number;
}

/** Options of {@link TisDevice}. */
export interface TisOptions {
  /** Buffer size: min(backend buffer, 4096) in QEMU; swtpm gives 4096. */
  readonly bufferSize?: number;
  /** INT_VECTOR (QEMU default IRQ 5). */
  readonly irq?: number;
  /**
   * Which identity registers to show: `ptp` (default, QEMU with a TPM 2.0: INTERFACE_ID
   * 0x00002100, INTF_CAPABILITY 0x30000697) or `tis13` (a TIS 1.3 part without the PTP
   * INTERFACE_ID: 0xFFFFFFFF and InterfaceVersion 2, QEMU's values for its TIS 1.3 profile).
   */
  readonly profile?: 'ptp' | 'tis13';
  /** Told about every backend call (see {@link BackendCallHook}). */
  readonly onBackendCall?: BackendCallHook;
  /** The TPM's tpmEstablished flag (ACCESS bit 0 reads its inverse). */
  readonly established?: boolean;
  /**
   * Caps burstCount (not QEMU, which reports all free space / all remaining bytes): real TPMs
   * report small bursts, and drivers must cope with any value from 1 up.
   */
  readonly burstLimit?: number;
}

/** QEMU values (include/hw/acpi/tpm.h) for a TPM 2.0 backend. */
const INTF_CAPABILITY_TPM2 = 0x30000697;
const INTERFACE_ID_TPM2 = 0x00002100;
const INTF_CAPABILITY_TIS13 = 0x20000697;
const INTERFACE_ID_TIS13 = 0xffffffff;
const DID_VID = 0x00011014;
const RID = 0x01;
const NO_LOCALITY = 0xff;
/** Bits that survive every STS update: selfTestDone and the TPM family. */
const STS_STICKY = TIS_STS.SELFTEST_DONE | TIS_STS.FAMILY_MASK;

interface Locality {
  access: number;
  sts: number;
  inte: number;
  ints: number;
  ifaceId: number;
  state: TisState;
}

const valid = (l: number): boolean => l < LOCALITY_COUNT;

/** QEMU tpm-tis behind an MMIO window of 0x5000 bytes. */
export class TisDevice implements MmioDevice {
  readonly name = 'tpm-tis';
  readonly size = LOCALITY_COUNT * 0x1000;
  /** Injected faults (tests). */
  faults: TisFaults = {};
  /** See {@link TisOptions.burstLimit}; undefined = QEMU behaviour. */
  burstLimit: number | undefined;

  readonly #link: BackendLink;
  readonly #bufferSize: number;
  readonly #irq: number;
  readonly #ifaceId: number;
  readonly #intfCapability: number;
  #established: boolean;
  readonly #buffer: Uint8Array;
  readonly #loc: Locality[] = [];
  #active = NO_LOCALITY;
  #next = NO_LOCALITY;
  #aborting = NO_LOCALITY;
  #rw = 0;
  #cmdLocality = NO_LOCALITY;
  #fifoWrites = 0;
  /** min(response size field, buffer): what QEMU recomputes from the buffer on every read. */
  #rspLen = 0;
  /** How much of the buffer a response or command has used since the last zeroing. */
  #highWater = 0;

  constructor(backend: TpmBackend, options: TisOptions = {}) {
    const size = options.bufferSize ?? TIS_BUFFER_MAX;
    if (!Number.isInteger(size) || size < 10 || size > TIS_BUFFER_MAX) {
      throw new RangeError(`"bufferSize" expected 10..4096, got ${size}`);
    }
    this.#link = new BackendLink(backend, options.onBackendCall);
    this.#bufferSize = size;
    this.#irq = options.irq ?? 5;
    const tis13 = options.profile === 'tis13';
    this.#ifaceId = tis13 ? INTERFACE_ID_TIS13 : INTERFACE_ID_TPM2;
    this.#intfCapability = tis13 ? INTF_CAPABILITY_TIS13 : INTF_CAPABILITY_TPM2;
    this.#established = options.established ?? false;
    this.burstLimit = options.burstLimit;
    this.#buffer = new Uint8Array(size);
    for (let i = 0; i < LOCALITY_COUNT; i++) {
      this.#loc.push({ access: 0, sts: 0, inte: 0, ints: 0, ifaceId: 0, state: 'idle' });
    }
    this.reset();
  }

  /** Platform reset (tpm_tis_reset): no active locality, every locality IDLE. */
  reset(): void {
    this.#link.reset();
    this.#active = NO_LOCALITY;
    this.#next = NO_LOCALITY;
    this.#aborting = NO_LOCALITY;
    this.#rw = 0;
    for (const l of this.#loc) {
      l.access = TIS_ACCESS.TPM_REG_VALID_STS;
      l.sts = TIS_STS.FAMILY_TPM2;
      l.ifaceId = this.#ifaceId;
      l.inte = TIS_INT.POLARITY_LOW_LEVEL;
      l.ints = 0;
      l.state = 'idle';
    }
  }

  /** The active locality, or undefined. */
  get activeLocality(): number | undefined {
    return valid(this.#active) ? this.#active : undefined;
  }

  /** The command state of `locality`. */
  state(locality: number): TisState {
    const l = this.#loc[locality];
    if (!l) throw new RangeError(`"locality" expected 0..4, got ${locality}`);
    return l.state;
  }

  /** True while the backend is computing. */
  get busy(): boolean {
    return this.#link.busy;
  }

  /** Resolves when no backend command is in flight (tests, orderly shutdown). */
  settled(): Promise<void> {
    return this.#link.settled();
  }

  /** The error the backend last failed with (a crash shows up here; the driver sees TPM_FAIL). */
  get lastBackendError(): unknown {
    return this.#link.lastError;
  }

  read(offset: number, width: MmioWidth): number {
    const locty = (offset >> 12) & 7;
    const l = this.#loc[locty];
    if (!l) return 0xffffffff;
    const reg = offset & 0xffc;
    let shift = (offset & 3) * 8;
    let val = 0xffffffff;
    switch (reg) {
      case TIS_REG.ACCESS:
        val = (l.access & ~TIS_ACCESS.SEIZE) | (this.#otherRequests(locty) ? TIS_ACCESS.PENDING_REQUEST : 0);
        val |= this.#established ? 0 : TIS_ACCESS.TPM_ESTABLISHMENT;
        break;
      case TIS_REG.INT_ENABLE:
        val = l.inte;
        break;
      case TIS_REG.INT_VECTOR:
        val = this.#irq;
        break;
      case TIS_REG.INT_STATUS:
        val = l.ints;
        break;
      case TIS_REG.INTF_CAPABILITY:
        val = this.#intfCapability;
        break;
      case TIS_REG.STS:
        if (this.#active === locty) val = this.#readSts(l, width);
        break;
      case TIS_REG.INTERFACE_ID:
        val = l.ifaceId;
        break;
      case TIS_REG.DID_VID:
        val = DID_VID;
        break;
      case TIS_REG.RID:
        val = RID;
        break;
      default:
        if (reg === TIS_REG.DATA_FIFO || (reg >= TIS_REG.XDATA_FIFO && reg <= TIS_REG.XDATA_FIFO_END)) {
          if (this.#active === locty) {
            val = this.#readFifo(l, Math.min(width, 4 - (offset & 3)));
            shift = 0;
          }
        }
    }
    return (val >>> shift) >>> 0;
  }

  write(offset: number, width: MmioWidth, value: number): void {
    const locty = (offset >> 12) & 7;
    // QEMU ignores every write to locality 4 (it belongs to the CPU's H-CRTM cycles).
    if (locty === 4) return;
    const l = this.#loc[locty];
    if (!l) return;
    const reg = offset & 0xffc;
    const shift = (offset & 3) * 8;
    const widthMask = width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffffff;
    const val = shift === 0 ? (value & widthMask) >>> 0 : ((value & widthMask) * 2 ** shift) % 2 ** 32;
    const kept = shift === 0 ? ~widthMask >>> 0 : ~((widthMask * 2 ** shift) % 2 ** 32) >>> 0;
    switch (reg) {
      case TIS_REG.ACCESS:
        this.#writeAccess(locty, val);
        return;
      case TIS_REG.INT_ENABLE:
        if (this.#active !== locty) return;
        l.inte = ((l.inte & kept) | (val & (TIS_INT.GLOBAL_ENABLE | TIS_INT.POLARITY_MASK | TIS_INT.SUPPORTED))) >>> 0;
        return;
      case TIS_REG.INT_STATUS:
        if (this.#active !== locty) return;
        l.ints &= ~(val & TIS_INT.SUPPORTED);
        return;
      case TIS_REG.STS:
        if (this.#active === locty) this.#writeSts(locty, l, val);
        return;
      case TIS_REG.INTERFACE_ID:
        if (val & INTERFACE_ID.INT_SEL_LOCK) for (const x of this.#loc) x.ifaceId |= INTERFACE_ID.INT_SEL_LOCK;
        return;
      default:
        if (reg === TIS_REG.DATA_FIFO || (reg >= TIS_REG.XDATA_FIFO && reg <= TIS_REG.XDATA_FIFO_END)) {
          if (this.#active === locty) this.#writeFifo(locty, l, val >>> shift, Math.min(width, 4 - (offset & 3)));
        }
    }
  }

  #readSts(l: Locality, width: MmioWidth): number {
    let burst: number;
    if (l.sts & TIS_STS.DATA_AVAIL) {
      burst = Math.max(0, this.#rspLen - this.#rw);
    } else {
      burst = this.#bufferSize - this.#rw;
      // QEMU: a byte-wide read must not show 0x00 for 0x100 available bytes.
      if (width === 1 && burst > 0xff) burst = 0xff;
    }
    if (this.burstLimit !== undefined) burst = Math.min(burst, this.burstLimit);
    if (this.faults.burstCountZero) burst = 0;
    let sts = l.sts;
    if (this.faults.stsValidNever) sts &= ~TIS_STS.VALID;
    return ((burst << 8) | sts) >>> 0;
  }

  #readFifo(l: Locality, n: number): number {
    let val = 0;
    for (let i = 0; i < n; i++) {
      const v = l.state === 'completion' ? this.#dataRead(l) : 0xff;
      val |= v << (8 * i);
    }
    return val >>> 0;
  }

  #dataRead(l: Locality): number {
    if (!(l.sts & TIS_STS.DATA_AVAIL)) return 0xff;
    const v = this.#buffer[this.#rw] ?? 0xff;
    this.#rw++;
    if (this.#rw >= this.#rspLen) {
      this.#setSts(l, TIS_STS.VALID);
      this.#raise(this.#active, TIS_INT.STS_VALID);
    }
    return v;
  }

  #writeFifo(locty: number, l: Locality, value: number, n: number): void {
    if (l.state === 'idle' || l.state === 'execution' || l.state === 'completion') return;
    if (l.state === 'ready') {
      l.state = 'reception';
      this.#fifoWrites = 0;
      this.#setSts(l, TIS_STS.EXPECT | TIS_STS.VALID);
    }
    let v = value;
    while (l.sts & TIS_STS.EXPECT && n > 0) {
      if (this.#rw < this.#bufferSize) {
        if (this.#fifoWrites++ !== this.faults.dropCommandByte) this.#buffer[this.#rw++] = v & 0xff;
        if (this.#rw > this.#highWater) this.#highWater = this.#rw;
        v >>>= 8;
        n--;
      } else {
        // Command-size overflow: the buffer is full, Expect drops, further bytes are lost.
        this.#setSts(l, TIS_STS.VALID);
      }
    }
    if (this.#rw > 5 && l.sts & TIS_STS.EXPECT) {
      const needIrq = !(l.sts & TIS_STS.VALID);
      if (headerSize(this.#buffer) > this.#rw) this.#setSts(l, TIS_STS.EXPECT | TIS_STS.VALID);
      else this.#setSts(l, TIS_STS.VALID);
      if (needIrq) this.#raise(locty, TIS_INT.STS_VALID);
    }
  }

  #writeSts(locty: number, l: Locality, val: number): void {
    if (val & TIS_STS.COMMAND_CANCEL && l.state === 'execution') this.#link.cancel();
    if (val & TIS_STS.RESET_ESTABLISHMENT && (locty === 3 || locty === 4)) this.#established = false;
    const op = val & (TIS_STS.COMMAND_READY | TIS_STS.TPM_GO | TIS_STS.RESPONSE_RETRY);
    if (op === TIS_STS.COMMAND_READY) {
      switch (l.state) {
        case 'ready':
          this.#rw = 0;
          break;
        case 'idle':
          this.#setSts(l, TIS_STS.COMMAND_READY);
          l.state = 'ready';
          this.#raise(locty, TIS_INT.COMMAND_READY);
          break;
        case 'execution':
        case 'reception':
          this.#prepAbort(locty, locty);
          break;
        case 'completion':
          this.#rw = 0;
          l.state = 'ready';
          if (!(l.sts & TIS_STS.COMMAND_READY)) {
            this.#setSts(l, TIS_STS.COMMAND_READY);
            this.#raise(locty, TIS_INT.COMMAND_READY);
          }
          l.sts &= ~TIS_STS.DATA_AVAIL;
          break;
      }
    } else if (op === TIS_STS.TPM_GO) {
      if (l.state === 'reception' && !(l.sts & TIS_STS.EXPECT)) this.#send(locty, l);
    } else if (op === TIS_STS.RESPONSE_RETRY) {
      if (l.state === 'completion') {
        this.#rw = 0;
        this.#setSts(l, TIS_STS.VALID | TIS_STS.DATA_AVAIL);
      }
    }
  }

  #send(locty: number, l: Locality): void {
    l.state = 'execution';
    this.#cmdLocality = locty;
    const command = this.#buffer.slice(0, this.#rw);
    this.#link.deliver(command, locty, (r) => this.#completed(r));
    const seizer = this.faults.seizeOnExecute;
    if (seizer !== undefined) this.write(seizer * 0x1000 + TIS_REG.ACCESS, 1, TIS_ACCESS.SEIZE);
  }

  #completed(r: BackendResult): void {
    const locty = this.#cmdLocality;
    const l = this.#loc[locty];
    if (!l) return;
    const n = Math.min(r.response.length, this.#bufferSize);
    this.#buffer.set(n === r.response.length ? r.response : r.response.subarray(0, n));
    // Bytes past the response read as 0 (QEMU would show stale ones): zero what was used before.
    if (this.#highWater > n) this.#buffer.fill(0, n, this.#highWater);
    this.#highWater = n;
    // The buffer does not change while dataAvail is set (FIFO writes are dropped in COMPLETION).
    this.#rspLen = Math.min(headerSize(this.#buffer), this.#bufferSize);
    this.#setSts(l, TIS_STS.VALID | TIS_STS.DATA_AVAIL);
    l.state = 'completion';
    this.#rw = 0;
    if (valid(this.#next)) this.#abort();
    this.#raise(locty, TIS_INT.DATA_AVAILABLE | TIS_INT.STS_VALID);
  }

  #writeAccess(locty: number, written: number): void {
    const l = this.#loc[locty];
    if (!l) return;
    let val = written;
    if (val & TIS_ACCESS.SEIZE) val &= ~(TIS_ACCESS.REQUEST_USE | TIS_ACCESS.ACTIVE_LOCALITY);
    let newActive = this.#active;
    let setNew = true;
    if (val & TIS_ACCESS.ACTIVE_LOCALITY) {
      if (this.#active === locty) {
        // Relinquish: the highest requesting locality takes over (after an abort).
        let requester = NO_LOCALITY;
        for (let c = LOCALITY_COUNT - 1; c >= 0; c--) {
          if ((this.#loc[c]?.access ?? 0) & TIS_ACCESS.REQUEST_USE) {
            requester = c;
            break;
          }
        }
        if (valid(requester)) {
          setNew = false;
          this.#prepAbort(locty, requester);
        } else {
          newActive = NO_LOCALITY;
        }
      } else {
        l.access &= ~TIS_ACCESS.REQUEST_USE;
      }
    }
    if (val & TIS_ACCESS.BEEN_SEIZED) l.access &= ~TIS_ACCESS.BEEN_SEIZED;
    if (val & TIS_ACCESS.SEIZE && setNew) {
      const mayTry = !valid(this.#active) || locty > this.#active;
      const higherPending = this.#loc.some((x, i) => i > locty && (x.access & TIS_ACCESS.SEIZE) !== 0);
      if (mayTry && !(l.access & TIS_ACCESS.SEIZE) && !higherPending) {
        for (let i = 0; i < locty; i++) {
          const x = this.#loc[i];
          if (x) x.access &= ~TIS_ACCESS.SEIZE;
        }
        l.access |= TIS_ACCESS.SEIZE;
        setNew = false;
        this.#prepAbort(this.#active, locty);
      }
    }
    if (val & TIS_ACCESS.REQUEST_USE && this.#active !== locty) {
      if (valid(this.#active)) l.access |= TIS_ACCESS.REQUEST_USE;
      else newActive = locty;
    }
    if (setNew) this.#newActive(newActive);
  }

  #newActive(locty: number): void {
    const change = this.#active !== locty;
    const old = this.#loc[this.#active];
    if (change && old) {
      const seize = valid(locty) && ((this.#loc[locty]?.access ?? 0) & TIS_ACCESS.SEIZE) !== 0;
      old.access &= seize ? ~TIS_ACCESS.ACTIVE_LOCALITY : ~(TIS_ACCESS.ACTIVE_LOCALITY | TIS_ACCESS.REQUEST_USE);
      if (seize) old.access |= TIS_ACCESS.BEEN_SEIZED;
    }
    this.#active = locty;
    const now = this.#loc[locty];
    if (now) {
      now.access |= TIS_ACCESS.ACTIVE_LOCALITY;
      now.access &= ~(TIS_ACCESS.REQUEST_USE | TIS_ACCESS.SEIZE);
    }
    if (change) this.#raise(locty, TIS_INT.LOCALITY_CHANGED);
  }

  /** Start aborting: if a command executes, cancel it and finish the abort on its completion. */
  #prepAbort(aborting: number, next: number): void {
    this.#aborting = aborting;
    this.#next = next;
    if (this.#loc.some((x) => x.state === 'execution')) {
      this.#link.cancel();
      return;
    }
    this.#abort();
  }

  #abort(): void {
    this.#rw = 0;
    const a = this.#loc[this.#aborting];
    if (this.#aborting === this.#next && a) {
      a.state = 'ready';
      this.#setSts(a, TIS_STS.COMMAND_READY);
      this.#raise(this.#aborting, TIS_INT.COMMAND_READY);
    }
    this.#newActive(this.#next);
    this.#next = NO_LOCALITY;
    this.#aborting = NO_LOCALITY;
  }

  #otherRequests(locty: number): boolean {
    return this.#loc.some((x, i) => i !== locty && (x.access & TIS_ACCESS.REQUEST_USE) !== 0);
  }

  #setSts(l: Locality, flags: number): void {
    l.sts = ((l.sts & STS_STICKY) | flags) >>> 0;
  }

  #raise(locty: number, mask: number): void {
    const l = this.#loc[locty];
    if (l && l.inte & TIS_INT.GLOBAL_ENABLE && l.inte & mask) l.ints |= mask;
  }
}
