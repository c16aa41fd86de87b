/**
 * The CRB half of Tpm2DeviceLibDTpm: PtpCrbRequestUseTpm and PtpCrbTpmCommand with EDK II's
 * register access order (docs/edk2-pei.md §3.5, §3.7): idle check, cmdReady, bytes into the
 * buffer, the address/size registers, START, poll, cancel on timeout, read back, goIdle.
 */
import type { Clock, MmioBus } from '@tcg2sim/ptp';
import { CRB_BITS, CRB_BUFFER_SIZE, CRB_REG, TPM_BASE_ADDRESS } from '@tcg2sim/ptp';
import { ProtocolError } from './errors.ts';
import type { ProtocolErrorCode, ProtocolPhase } from './errors.ts';
import { CRB_RETRY_MAX, EDK2_TIMEOUTS, waitRegisterBits } from './timeouts.ts';
import type { Tpm2Timeouts } from './timeouts.ts';
import { RESPONSE_HEADER_SIZE, TPM_ST_RSP_COMMAND, acommand, be16, be32 } from './transport.ts';
import type { SubmitOptions, TpmTransport } from './transport.ts';

/** Options of {@link CrbDriver}. */
export interface CrbDriverOptions {
  readonly bus: MmioBus;
  readonly clock: Clock;
  /** PcdTpmBaseAddress (0xFED40000). */
  readonly base?: number;
  /** PcdCRBIdleByPass as detected (INTF_ID bit 9). */
  readonly idleBypass?: boolean;
  /** Overrides of EDK II's timeouts. */
  readonly timeouts?: Partial<Tpm2Timeouts>;
}

/** Tpm2DeviceLibDTpm over a PTP CRB register interface (locality 0). */
export class CrbDriver implements TpmTransport {
  readonly #bus: MmioBus;
  readonly #clock: Clock;
  readonly #base: number;
  readonly #idleBypass: boolean;
  readonly #t: Tpm2Timeouts;
  #hasLocality = false;

  constructor(options: CrbDriverOptions) {
    this.#bus = options.bus;
    this.#clock = options.clock;
    this.#base = options.base ?? TPM_BASE_ADDRESS;
    this.#idleBypass = options.idleBypass ?? false;
    this.#t = { ...EDK2_TIMEOUTS, ...options.timeouts };
  }

  /** True once LOC_STS.Granted was seen. */
  get hasLocality(): boolean {
    return this.#hasLocality;
  }

  /**
   * PtpCrbRequestUseTpm: 8-bit read of LOC_STATE (0xFF = no TPM), LOC_CTRL := requestAccess,
   * wait for LOC_STS.Granted within PTP_TIMEOUT_A. `presenceCheck: false` is the
   * Tpm12DeviceLibDTpm variant, which skips the LOC_STATE read.
   * @throws ProtocolError NO_DEVICE or TIMEOUT_A.
   */
  async requestUseTpm(presenceCheck = true): Promise<void> {
    if (presenceCheck && this.#bus.read8(this.#base + CRB_REG.LOC_STATE) === 0xff) {
      this.#fail('NO_DEVICE', 'locality', 'LOC_STATE reads 0xFF');
    }
    this.#bus.write32(this.#base + CRB_REG.LOC_CTRL, CRB_BITS.LOC_CTRL_REQUEST_ACCESS);
    if (!(await this.#wait(CRB_REG.LOC_STS, CRB_BITS.LOC_STS_GRANTED, 0, this.#t.ptpA))) {
      this.#fail('TIMEOUT_A', 'locality', 'LOC_STS.Granted not set');
    }
    this.#hasLocality = true;
  }

  /**
   * Tpm2SubmitCommand over CRB.
   * @throws ProtocolError (COMMAND_TOO_LARGE before touching the device; DEVICE_ERROR,
   *   TIMEOUT_MAX, BAD_RESPONSE_TAG, BAD_RESPONSE_SIZE after).
   */
  async submit(command: Uint8Array, options: SubmitOptions = {}): Promise<Uint8Array> {
    acommand(command);
    // EDK II writes the command without a length check; we refuse to write past the buffer.
    if (command.length > CRB_BUFFER_SIZE) {
      this.#fail('COMMAND_TOO_LARGE', 'send', `${command.length} bytes > ${CRB_BUFFER_SIZE}`);
    }
    if (!this.#hasLocality) await this.requestUseTpm();
    const max = Math.min(options.maxResponseSize ?? CRB_BUFFER_SIZE, CRB_BUFFER_SIZE);
    try {
      return await this.#transact(command, max);
    } finally {
      // Exit (every path): goIdle.
      this.#bus.write32(this.#base + CRB_REG.CTRL_REQ, CRB_BITS.CTRL_REQ_GO_IDLE);
    }
  }

  async #transact(command: Uint8Array, maxResponseSize: number): Promise<Uint8Array> {
    await this.#becomeReady();
    // S2: the command, then the buffer address/size registers, in EDK II's order.
    const data = this.#base + CRB_REG.DATA_BUFFER;
    for (let i = 0; i < command.length; i++) this.#bus.write8(data + i, command[i] ?? 0);
    this.#bus.write32(this.#base + CRB_REG.CMD_HADDR, 0);
    this.#bus.write32(this.#base + CRB_REG.CMD_LADDR, data >>> 0);
    this.#bus.write32(this.#base + CRB_REG.CMD_SIZE, CRB_BUFFER_SIZE);
    this.#bus.write64(this.#base + CRB_REG.RSP_ADDR, BigInt(data));
    this.#bus.write32(this.#base + CRB_REG.RSP_SIZE, CRB_BUFFER_SIZE);
    // S3: START, poll for it to clear; cancel once after PTP_TIMEOUT_MAX.
    this.#bus.write32(this.#base + CRB_REG.CTRL_START, CRB_BITS.CTRL_START_INVOKE);
    if (!(await this.#wait(CRB_REG.CTRL_START, 0, CRB_BITS.CTRL_START_INVOKE, this.#t.ptpMax))) {
      this.#bus.write32(this.#base + CRB_REG.CTRL_CANCEL, CRB_BITS.CTRL_CANCEL_INVOKE);
      const cleared = await this.#wait(CRB_REG.CTRL_START, 0, CRB_BITS.CTRL_START_INVOKE, this.#t.ptpB);
      this.#bus.write32(this.#base + CRB_REG.CTRL_CANCEL, 0);
      if (!cleared) this.#fail('TIMEOUT_MAX', 'cancel', 'START never cleared, not even after the cancel');
    }
    // S4: header, then the rest, with byte reads.
    const header = new Uint8Array(RESPONSE_HEADER_SIZE);
    for (let i = 0; i < RESPONSE_HEADER_SIZE; i++) header[i] = this.#bus.read8(data + i);
    const tag = be16(header, 0);
    const size = be32(header, 2);
    if (tag === TPM_ST_RSP_COMMAND) {
      this.#fail('BAD_RESPONSE_TAG', 'receive', 'response tag 0x00c4');
    }
    if (size > maxResponseSize || size < RESPONSE_HEADER_SIZE) {
      this.#fail('BAD_RESPONSE_SIZE', 'receive', `response size ${size} outside 10..${maxResponseSize}`);
    }
    const out = new Uint8Array(size);
    out.set(header);
    for (let i = RESPONSE_HEADER_SIZE; i < size; i++) out[i] = this.#bus.read8(data + i);
    return out;
  }

  /** S0/S1: wait for idle (unless IdleBypass), cmdReady, wait for it to be taken; 3 attempts. */
  async #becomeReady(): Promise<void> {
    const { ptpC } = this.#t;
    const idle = CRB_BITS.CTRL_STS_IDLE;
    for (let retry = 0; ; ) {
      let failed: ProtocolPhase | undefined;
      if (!this.#idleBypass && (this.#bus.read32(this.#base + CRB_REG.CTRL_STS) & idle) === 0) {
        if (!(await this.#wait(CRB_REG.CTRL_STS, idle, 0, ptpC))) failed = 'idle';
      }
      if (failed === undefined) {
        this.#bus.write32(this.#base + CRB_REG.CTRL_REQ, CRB_BITS.CTRL_REQ_CMD_READY);
        if (
          !(await this.#wait(CRB_REG.CTRL_REQ, 0, CRB_BITS.CTRL_REQ_CMD_READY, ptpC)) ||
          !(await this.#wait(CRB_REG.CTRL_STS, 0, idle, ptpC))
        ) {
          failed = 'ready';
        }
      }
      if (failed === undefined) return;
      retry++;
      if (retry >= CRB_RETRY_MAX) this.#fail('DEVICE_ERROR', failed, `no ${failed} state after ${retry} attempts`);
      this.#bus.write32(this.#base + CRB_REG.CTRL_REQ, CRB_BITS.CTRL_REQ_GO_IDLE);
    }
  }

  #wait(reg: number, set: number, clear: number, timeout: number): Promise<boolean> {
    const at = this.#base + reg;
    return waitRegisterBits(this.#clock, () => this.#bus.read32(at), set, clear, timeout);
  }

  #fail(code: ProtocolErrorCode, phase: ProtocolPhase, detail: string): never {
    throw new ProtocolError(code, phase, 'crb', detail);
  }
}
