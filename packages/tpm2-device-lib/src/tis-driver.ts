/**
 * The FIFO (TIS 1.3 and PTP FIFO) half of Tpm2DeviceLibDTpm: TisPcRequestUseTpm and
 * Tpm2TisTpmCommand, with EDK II's exact register access order (docs/edk2-pei.md §3.5, §3.6),
 * so an MMIO trace of this driver matches what OVMF does against QEMU's tpm-tis.
 */
import type { Clock, MmioBus } from '@tcg2sim/ptp';
import { LOCALITY_STRIDE, TIS_ACCESS, TIS_BUFFER_MAX, TIS_REG, TIS_STS, TPM_BASE_ADDRESS } from '@tcg2sim/ptp';
import { ProtocolError } from './errors.ts';
import type { ProtocolErrorCode, ProtocolPhase } from './errors.ts';
import { EDK2_TIMEOUTS, IDLE_POLLS, POLL_STEP_US, waitRegisterBits } from './timeouts.ts';
import type { Tpm2Timeouts } from './timeouts.ts';
import { RESPONSE_HEADER_SIZE, TPM_ST_RSP_COMMAND, acommand, be16, be32 } from './transport.ts';
import type { SubmitOptions, TpmTransport } from './transport.ts';

/** Options of the firmware drivers. */
export interface DriverOptions {
  readonly bus: MmioBus;
  readonly clock: Clock;
  /** PcdTpmBaseAddress (0xFED40000). */
  readonly base?: number;
  /** The locality to use (EDK II: always 0). */
  readonly locality?: number;
  /** Overrides of EDK II's timeouts. */
  readonly timeouts?: Partial<Tpm2Timeouts>;
  /** 'fifo' (PTP) or 'tis' (TIS 1.3): same code path, reported in errors. */
  readonly kind?: 'tis' | 'fifo';
}

/** Which response tags a transaction accepts: TPM 2.0 refuses 0x00C4; the 1.2 probe wants 0x00C4..C6. */
export type TagCheck = (tag: number) => boolean;

const TPM2_TAGS: TagCheck = (tag) => tag !== TPM_ST_RSP_COMMAND;

/** Tpm2DeviceLibDTpm over a TIS / PTP FIFO register interface. */
export class TisDriver implements TpmTransport {
  readonly #bus: MmioBus;
  readonly #clock: Clock;
  readonly #base: number;
  readonly #t: Tpm2Timeouts;
  readonly #kind: 'tis' | 'fifo';
  #hasLocality = false;

  constructor(options: DriverOptions) {
    const locality = options.locality ?? 0;
    if (!Number.isInteger(locality) || locality < 0 || locality > 4) {
      throw new RangeError(`"locality" expected 0..4, got ${locality}`);
    }
    this.#bus = options.bus;
    this.#clock = options.clock;
    this.#base = (options.base ?? TPM_BASE_ADDRESS) + locality * LOCALITY_STRIDE;
    this.#t = { ...EDK2_TIMEOUTS, ...options.timeouts };
    this.#kind = options.kind ?? 'fifo';
  }

  /** True once the locality was granted (and not seized since). */
  get hasLocality(): boolean {
    return this.#hasLocality;
  }

  /**
   * TisPcRequestUseTpm: ACCESS read (0xFF = no TPM), ACCESS := requestUse, wait for
   * tpmRegValidSts | activeLocality within TIMEOUT_A. EDK II never gives the locality back.
   * @throws ProtocolError NO_DEVICE or TIMEOUT_A.
   */
  async requestUseTpm(): Promise<void> {
    const access = this.#base + TIS_REG.ACCESS;
    if (this.#bus.read8(access) === 0xff) this.#fail('NO_DEVICE', 'locality', 'ACCESS reads 0xFF');
    this.#bus.write8(access, TIS_ACCESS.REQUEST_USE);
    const ok = await this.#wait(access, TIS_ACCESS.TPM_REG_VALID_STS | TIS_ACCESS.ACTIVE_LOCALITY, 0, this.#t.tisA);
    if (!ok) this.#fail('TIMEOUT_A', 'locality', 'locality not granted');
    this.#hasLocality = true;
  }

  /** Gives the locality back (ACCESS := activeLocality). EDK II itself never does this. */
  relinquish(): void {
    this.#bus.write8(this.#base + TIS_REG.ACCESS, TIS_ACCESS.ACTIVE_LOCALITY);
    this.#hasLocality = false;
  }

  /**
   * Tpm2SubmitCommand over FIFO. Requests the locality first if this driver does not hold it.
   * @throws ProtocolError (see {@link ProtocolErrorCode}).
   */
  async submit(command: Uint8Array, options: SubmitOptions = {}): Promise<Uint8Array> {
    acommand(command);
    if (command.length > TIS_BUFFER_MAX) {
      this.#fail('COMMAND_TOO_LARGE', 'send', `${command.length} bytes > ${TIS_BUFFER_MAX}`);
    }
    if (!this.#hasLocality) await this.requestUseTpm();
    return this.transact(command, options.maxResponseSize ?? TIS_BUFFER_MAX, TPM2_TAGS);
  }

  /**
   * Tpm2TisTpmCommand (docs/edk2-pei.md §3.6), step by step. `accept` decides which response
   * tags are valid (TPM 2.0 refuses 0x00C4; Tpm12SubmitCommand wants 1.2 tags).
   */
  async transact(command: Uint8Array, maxResponseSize: number, accept: TagCheck): Promise<Uint8Array> {
    const sts = this.#base + TIS_REG.STS;
    // 1. Ready. A timeout returns at once, without the final ready write.
    this.#bus.write8(sts, TIS_STS.COMMAND_READY);
    if (!(this.#check(sts, TIS_STS.COMMAND_READY, 0) || (await this.#poll(sts, TIS_STS.COMMAND_READY, 0, this.#t.tisB)))) {
      this.#fail('TIMEOUT_B', 'ready', 'commandReady not set: the TPM is busy');
    }
    try {
      return await this.#exchange(command, maxResponseSize, accept);
    } finally {
      // 10. Exit: back to Ready on every other path.
      this.#bus.write8(sts, TIS_STS.COMMAND_READY);
    }
  }

  async #exchange(command: Uint8Array, maxResponseSize: number, accept: TagCheck): Promise<Uint8Array> {
    const sts = this.#base + TIS_REG.STS;
    const fifo = this.#base + TIS_REG.DATA_FIFO;
    // 2. Send in burstCount chunks; Expect is not looked at between bytes.
    let index = 0;
    while (index < command.length) {
      let burst = this.#burstNow();
      if (burst === 0) burst = await this.#burstCount('send');
      for (; burst > 0 && index < command.length; burst--) this.#bus.write8(fifo, command[index++] ?? 0);
    }
    // 3. stsValid set and Expect clear.
    if (!(this.#check(sts, TIS_STS.VALID, TIS_STS.EXPECT) || (await this.#poll(sts, TIS_STS.VALID, TIS_STS.EXPECT, this.#t.tisC)))) {
      this.#fail('TIMEOUT_C', 'expect', 'the TPM still expects command bytes');
    }
    // 4. Go; 5. wait for dataAvail, cancel once after TIMEOUT_MAX.
    this.#bus.write8(sts, TIS_STS.TPM_GO);
    const ready = TIS_STS.VALID | TIS_STS.DATA_AVAIL;
    if (!(this.#check(sts, ready, 0) || (await this.#poll(sts, ready, 0, this.#t.tisMax)))) {
      this.#bus.write32(sts, TIS_STS.COMMAND_CANCEL);
      if (!(this.#check(sts, ready, 0) || (await this.#poll(sts, ready, 0, this.#t.tisB)))) {
        this.#fail('TIMEOUT_MAX', 'cancel', 'no response, and none after the cancel');
      }
    }
    // 6. Header. EDK II breaks on the 10th byte before decrementing, so the burst left over is
    // one too high; it is reused for the body (harmless: the body stops at paramSize).
    const header = new Uint8Array(RESPONSE_HEADER_SIZE);
    let got = 0;
    let burst = 0;
    while (got < RESPONSE_HEADER_SIZE) {
      burst = this.#burstNow();
      if (burst === 0) burst = await this.#burstCount('receive');
      for (; burst > 0; burst--) {
        header[got++] = this.#bus.read8(fifo);
        if (got === RESPONSE_HEADER_SIZE) break;
      }
    }
    // 7. Tag; 8. size.
    const tag = be16(header, 0);
    const size = be32(header, 2);
    // An all-ones header is what an inactive locality reads: find out whether we were seized.
    // (Only then: EDK II makes no extra access on a bad tag, and the 1.2 probe hits one per boot.)
    if (tag === 0xffff) this.#checkLocality();
    if (!accept(tag)) {
      this.#fail('BAD_RESPONSE_TAG', 'receive', `response tag 0x${tag.toString(16).padStart(4, '0')}`);
    }
    if (size > maxResponseSize || size < RESPONSE_HEADER_SIZE) {
      this.#fail('BAD_RESPONSE_SIZE', 'receive', `response size ${size} outside 10..${maxResponseSize}`);
    }
    // 9. Body: leftover burst first, re-read burstCount when it runs out, stop at paramSize.
    const out = new Uint8Array(size);
    out.set(header);
    while (got < size) {
      for (; burst > 0; burst--) {
        out[got++] = this.#bus.read8(fifo);
        if (got === size) return out;
      }
      burst = this.#burstNow();
      if (burst === 0) burst = await this.#burstCount('receive');
    }
    return out;
  }

  /** One TisPcReadBurstCount attempt: two byte reads (+0x19, +0x1A). */
  #burstNow(): number {
    const at = this.#base + TIS_REG.BURST_COUNT;
    const lo = this.#bus.read8(at);
    const hi = this.#bus.read8(at + 1);
    return (hi << 8) + lo;
  }

  /**
   * The rest of TisPcReadBurstCount after a first attempt read 0: stall 30 µs, read again, up to
   * TIMEOUT_D of stalls.
   */
  async #burstCount(phase: ProtocolPhase): Promise<number> {
    let waited = 0;
    let zeros = 1;
    do {
      await this.#clock.stall(POLL_STEP_US);
      waited += POLL_STEP_US;
      if (waited >= this.#t.tisD) break;
      const count = this.#burstNow();
      if (count !== 0) return count;
      if (++zeros >= IDLE_POLLS && this.#clock.skipIdle) {
        const remaining = Math.floor((this.#t.tisD - waited) / POLL_STEP_US) - 1;
        waited += (await this.#clock.skipIdle(remaining, POLL_STEP_US)) * POLL_STEP_US;
        zeros = 0;
      }
    } while (waited < this.#t.tisD);
    return this.#fail('TIMEOUT_D', phase, 'burstCount stayed 0');
  }

  /** After an impossible header: if another locality took over, say so (LOCALITY_LOST). */
  #checkLocality(): void {
    const access = this.#bus.read8(this.#base + TIS_REG.ACCESS);
    if (!(access & TIS_ACCESS.ACTIVE_LOCALITY) || access & TIS_ACCESS.BEEN_SEIZED) {
      this.#hasLocality = false;
      if (access & TIS_ACCESS.BEEN_SEIZED) this.#bus.write8(this.#base + TIS_REG.ACCESS, TIS_ACCESS.BEEN_SEIZED);
      this.#fail('LOCALITY_LOST', 'receive', `ACCESS=0x${access.toString(16)}: the locality was taken away`);
    }
  }

  #wait(address: number, set: number, clear: number, timeout: number): Promise<boolean> {
    return waitRegisterBits(this.#clock, () => this.#bus.read8(address), set, clear, timeout);
  }

  /** The first iteration of TisPcWaitRegisterBits, synchronously (the common case: no wait). */
  #check(address: number, set: number, clear: number): boolean {
    const v = this.#bus.read8(address);
    return (v & set) === set && (v & clear) === 0;
  }

  /** The remaining iterations after a failed {@link TisDriver.#check}: stall, read, check. */
  async #poll(address: number, set: number, clear: number, timeout: number): Promise<boolean> {
    await this.#clock.stall(POLL_STEP_US);
    if (POLL_STEP_US >= timeout) return false;
    return this.#wait(address, set, clear, timeout - POLL_STEP_US);
  }

  #fail(code: ProtocolErrorCode, phase: ProtocolPhase, detail: string): never {
    throw new ProtocolError(code, phase, this.#kind, detail);
  }
}
