/**
 * SoftTpm: an in-process TPM 2.0 that answers command bytes the way libtpms 0.9 (as swtpm runs
 * it) does, with the PC Client PCR profile. It has power (TPM_Init), localities and the
 * locality-4 H-CRTM sequence (_TPM_Hash_Start / _TPM_Hash_Data / _TPM_Hash_End), and its whole
 * state can be saved to JSON and restored.
 */
import { hashAlgByName } from '@tcg2sim/hash-lib';
import { HASH_COUNT_ALGS, digestOf } from './algs.ts';
import { COMMAND_TABLE } from './commands/index.ts';
import { HR, RC } from './constants.ts';
import { errorResponse, executeCommand } from './dispatch.ts';
import { DRTM_PCR, HCRTM_PCR, emptyPcrs, initialAllocation, pcrDrtm, pcrIsAllocated, pcrResetDynamics, pcrValue } from './pcr.ts';
import { createSequence, flushObject, sequenceAt, sequenceBytes, sequenceUpdate } from './sequences.ts';
import { deserializeState, serializeState, type TpmState, type VolatileState } from './state.ts';
import type { PcrSelection } from './wire.ts';

/** How to build a soft TPM. */
export interface SoftTpmOptions {
  /**
   * The PCR banks allocated when the TPM is manufactured, by name (`sha1`, `sha256`, `sha384`,
   * `sha512`). Default: all four, as a fresh swtpm has them.
   */
  readonly banks?: readonly string[];
  /** Seed of the random number generator (GetRandom, proofs). Default: 32 zero bytes. */
  readonly seed?: Uint8Array;
  /** Milliseconds for ReadClock. Default: a counter in the state that advances 1 ms per command. */
  readonly clock?: () => number;
}

/** A caller error when building a soft TPM (unknown bank name). */
export class SoftTpmOptionError extends RangeError {
  override readonly name = 'SoftTpmOptionError';
}

function bankAlgs(banks: readonly string[] | undefined): number[] {
  if (banks === undefined) return [...HASH_COUNT_ALGS];
  return banks.map((b) => {
    const info = hashAlgByName(b);
    if (info === undefined || !HASH_COUNT_ALGS.includes(info.alg)) throw new SoftTpmOptionError(`"banks": unknown PCR bank ${JSON.stringify(b)}`);
    return info.alg;
  });
}

function freshVolatile(allocation: readonly PcrSelection[]): VolatileState {
  return {
    powered: false,
    started: false,
    pcrAllocation: allocation.map((s) => ({ hash: s.hash, select: Uint8Array.from(s.select) })),
    pcrs: emptyPcrs(),
    pcrCounter: 0,
    objects: [null, null, null],
    drtmSlot: -1,
    drtmPreStartup: false,
    startupLocality3: false,
    pcrReConfig: false,
    platformAuth: new Uint8Array(0),
    phEnable: true,
    phEnableNV: true,
    shEnable: true,
    ehEnable: true,
    selfTested: false,
    daUsed: false,
    prevOrderly: false,
    clockBase: 0,
  };
}

/** A manufactured, powered-off TPM state. */
export function manufacture(options: SoftTpmOptions = {}): TpmState {
  const allocation = initialAllocation(bankAlgs(options.banks));
  const seed = options.seed ?? new Uint8Array(32);
  return {
    version: 1,
    persistent: {
      pcrAllocation: allocation,
      // libtpms manufactures the TPM in an orderly (CLEAR) state; the first TPM Reset then
      // brings resetCount from its manufactured value to 0 (swtpm's ReadClock shows 0).
      orderly: 'clear',
      saved: null,
      resetCount: 0xffffffff,
      restartCount: 0,
      clearCount: 0,
      nv: [],
      rngSeed: Uint8Array.from(seed),
      rngCounter: 0,
      proofSeed: digestOf(0x000b, Uint8Array.from([0x70]), seed),
      ticks: 0,
      failedTries: 0,
      daUsedMark: false,
    },
    volatile: freshVolatile(allocation),
  };
}

/** An in-process TPM 2.0. */
export class SoftTpm {
  #state: TpmState;
  readonly #clock: () => number;

  constructor(options: SoftTpmOptions = {}, state?: TpmState) {
    this.#state = state ?? manufacture(options);
    this.#clock = options.clock ?? (() => this.#state.persistent.ticks);
  }

  /** Rebuild a TPM from `save()` output. @throws SoftTpmStateError */
  static restore(saved: string, options: Omit<SoftTpmOptions, 'banks' | 'seed'> = {}): SoftTpm {
    return new SoftTpm(options, deserializeState(saved));
  }

  /** The live state (for inspection; mutate only through commands). */
  get state(): TpmState {
    return this.#state;
  }

  /** True between powerOn() and powerOff(). */
  get powered(): boolean {
    return this.#state.volatile.powered;
  }

  /** True once TPM2_Startup succeeded since the last TPM_Init. */
  get started(): boolean {
    return this.#state.volatile.started;
  }

  /** Save the whole state (NV and volatile) as JSON text. */
  save(): string {
    return serializeState(this.#state);
  }

  /**
   * TPM_Init: power on, or reset a powered TPM. Volatile state is discarded, the PCR allocation
   * stored by PCR_Allocate takes effect, and the TPM waits for TPM2_Startup.
   */
  powerOn(): void {
    const p = this.#state.persistent;
    const vol = freshVolatile(p.pcrAllocation);
    vol.powered = true;
    vol.clockBase = this.#clock();
    this.#state.volatile = vol;
  }

  /**
   * TPMLIB_SetBufferSize as swtpm's CMD_SET_BUFFERSIZE does it (the TPM must be off): clamps to
   * [2048, 4096] and returns the size in effect.
   */
  setBufferSize(size: number): number {
    const n = Math.min(4096, Math.max(2048, Math.floor(size)));
    this.#state.persistent.ioBufferSize = n;
    return n;
  }

  /** Remove power: volatile state is lost, NV and the Shutdown(STATE) record survive. */
  powerOff(): void {
    this.#state.volatile = freshVolatile(this.#state.persistent.pcrAllocation);
  }

  /**
   * Execute one command at `locality` (0-4) and return the response bytes. Any input gets a
   * TPM response; a TPM without power answers TPM_RC_FAILURE.
   */
  execute(command: Uint8Array, locality = 0): Uint8Array {
    if (!this.#state.volatile.powered || !Number.isInteger(locality) || locality < 0 || locality > 4) {
      return errorResponse(RC.FAILURE);
    }
    this.#state.persistent.ticks += 1;
    return executeCommand(this.#state, COMMAND_TABLE, command, locality, this.#clock());
  }

  /** _TPM_Hash_Start: begin an H-CRTM (before Startup) or DRTM (after) event sequence. */
  hashStart(): void {
    const vol = this.#state.volatile;
    if (!vol.powered) return;
    if (vol.drtmSlot >= 0) flushObject(vol, HR.TRANSIENT_FIRST + vol.drtmSlot);
    let h = createSequence(vol, 'event', 0, new Uint8Array(0));
    if (h === undefined) {
      // No free slot: libtpms flushes the first loaded object and tries again.
      flushObject(vol, HR.TRANSIENT_FIRST);
      h = createSequence(vol, 'event', 0, new Uint8Array(0));
    }
    vol.drtmSlot = h === undefined ? -1 : h - HR.TRANSIENT_FIRST;
  }

  /** _TPM_Hash_Data: feed the sequence started by hashStart() (ignored when none). */
  hashData(data: Uint8Array): void {
    const vol = this.#state.volatile;
    if (!vol.powered || vol.drtmSlot < 0) return;
    const seq = sequenceAt(vol, HR.TRANSIENT_FIRST + vol.drtmSlot);
    if (seq !== undefined) sequenceUpdate(seq, data);
  }

  /**
   * _TPM_Hash_End: before Startup, PCR0 = H(0...04 || H(data)) in every bank allocated for it and
   * the next Startup keeps it; after Startup, PCRs 17-22 reset and PCR17 gets the DRTM value.
   */
  hashEnd(): void {
    const vol = this.#state.volatile;
    if (!vol.powered || vol.drtmSlot < 0) return;
    const handle = HR.TRANSIENT_FIRST + vol.drtmSlot;
    const seq = sequenceAt(vol, handle);
    let pcr: number;
    if (vol.started) {
      pcrResetDynamics(vol);
      pcr = DRTM_PCR;
      this.#state.persistent.restartCount = (this.#state.persistent.restartCount + 1) >>> 0;
    } else {
      pcr = HCRTM_PCR;
      vol.drtmPreStartup = true;
    }
    const data = seq === undefined ? new Uint8Array(0) : sequenceBytes(seq);
    for (const alg of HASH_COUNT_ALGS) {
      if (seq !== undefined && pcrIsAllocated(vol.pcrAllocation, pcr, alg)) pcrDrtm(vol, pcr, alg, digestOf(alg, data));
    }
    flushObject(vol, handle);
    vol.drtmSlot = -1;
  }

  /** The value of `pcr` in bank `alg` (TPM_ALG_ID), or undefined when not allocated. */
  pcr(alg: number, pcr: number): Uint8Array | undefined {
    const v = pcrValue(this.#state.volatile, pcr, alg);
    return v === undefined ? undefined : Uint8Array.from(v);
  }
}
