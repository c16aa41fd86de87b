/**
 * The soft TPM's state as plain data, split the way libtpms splits it: what survives power loss
 * (PERSISTENT_DATA, NV indices, the state saved by TPM2_Shutdown(STATE)) and what a TPM_Init
 * discards (PCR values, loaded sequence objects, the platform hierarchy's authValue). Plain data
 * means the whole TPM can be saved and restored (see serializeState / deserializeState).
 */
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import type { NvPublic, PcrSelection } from './wire.ts';

/** One NV index (NV_INDEX): its public area, authValue and data. */
export interface NvIndex {
  pub: NvPublic;
  auth: Uint8Array;
  data: Uint8Array;
}

/** A hash or event sequence object (HASH_OBJECT) in one of the three object slots. */
export interface SequenceObject {
  kind: 'hash' | 'event';
  /** The hash of a hash sequence (unused for event sequences, which hash in every bank). */
  hashAlg: number;
  auth: Uint8Array;
  /**
   * Every byte hashed so far, as the pieces it came in (kept so the state stays plain data;
   * appending is O(1), the digest concatenates once).
   */
  chunks: Uint8Array[];
  /** Total bytes in `chunks`. */
  size: number;
  /** The first SequenceUpdate happened (ticket safety is judged on the first block). */
  firstBlock: boolean;
  ticketSafe: boolean;
}

/** TPM2_Shutdown's record: which kind, and the flags libtpms folds into gp.orderlyState. */
export type OrderlyState = 'none' | 'clear' | 'state';

/** What TPM2_Shutdown(STATE) saved for the next Startup(STATE). */
export interface SavedState {
  /** PCRs 0-15 (stateSave) per bank, keyed by TPM_ALG_ID. */
  pcrs: Record<number, Uint8Array[]>;
  pcrCounter: number;
  platformAuth: Uint8Array;
  startupLocality3: boolean;
  drtmPreStartup: boolean;
}

/** Everything that survives TPM_Init (NV). */
export interface PersistentState {
  /** gp.pcrAllocated in NV: the allocation the next TPM_Init loads. */
  pcrAllocation: PcrSelection[];
  orderly: OrderlyState;
  /** null until the first Shutdown(STATE) (null, not undefined: the JSON keeps the key). */
  saved: SavedState | null;
  resetCount: number;
  restartCount: number;
  clearCount: number;
  nv: NvIndex[];
  /** Deterministic random bit generator: seed and block counter. */
  rngSeed: Uint8Array;
  rngCounter: number;
  /** Secret the hierarchy proofs derive from (hash-check tickets). */
  proofSeed: Uint8Array;
  /** Commands executed since manufacture: the default clock (one millisecond per command). */
  ticks: number;
  /** Dictionary-attack failure counter (gp.failedTries); lockout at 3 (gp.maxTries). */
  failedTries: number;
  /** gp.orderlyState == SU_DA_USED_VALUE: a DA-protected authorization happened. */
  daUsedMark: boolean;
  /**
   * The I/O buffer size set with TPMLIB_SetBufferSize (swtpm CMD_SET_BUFFERSIZE; QEMU: 4096 for
   * tpm-tis, 0xF80 for tpm-crb): the largest command accepted and TPM_PT_MAX_COMMAND_SIZE /
   * MAX_RESPONSE_SIZE. Absent: 4096.
   */
  ioBufferSize?: number;
}

/** Everything TPM_Init resets. */
export interface VolatileState {
  powered: boolean;
  started: boolean;
  /** gp.pcrAllocated in RAM: the allocation in effect since the last TPM_Init. */
  pcrAllocation: PcrSelection[];
  /** PCR values per bank, 24 each, keyed by TPM_ALG_ID (every implemented bank is present). */
  pcrs: Record<number, Uint8Array[]>;
  pcrCounter: number;
  objects: (SequenceObject | null)[];
  /** Slot of the H-CRTM/DRTM event sequence (g_DRTMHandle), or -1. */
  drtmSlot: number;
  drtmPreStartup: boolean;
  startupLocality3: boolean;
  pcrReConfig: boolean;
  platformAuth: Uint8Array;
  phEnable: boolean;
  phEnableNV: boolean;
  shEnable: boolean;
  ehEnable: boolean;
  selfTested: boolean;
  /** g_daUsed: a DA-protected authorization already got its TPM_RC_RETRY this cycle. */
  daUsed: boolean;
  /** g_prevOrderlyState != SU_NONE: the last Startup followed an orderly shutdown. */
  prevOrderly: boolean;
  /** Milliseconds counted by ReadClock's `clock` when the TPM was last powered on. */
  clockBase: number;
}

/** The whole soft TPM state. */
export interface TpmState {
  version: 1;
  persistent: PersistentState;
  volatile: VolatileState;
}

/** A problem with a saved state handed to deserializeState. */
export class SoftTpmStateError extends Error {
  override readonly name = 'SoftTpmStateError';
  readonly code: 'BAD_JSON' | 'BAD_VERSION' | 'BAD_SHAPE';
  constructor(code: 'BAD_JSON' | 'BAD_VERSION' | 'BAD_SHAPE', message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

const HEX_KEY = '$hex';

/** Serialize a state to JSON text (byte arrays as `{ "$hex": "..." }`). */
export function serializeState(state: TpmState): string {
  // Byte arrays are replaced before JSON.stringify sees them (a Buffer would otherwise go
  // through Buffer#toJSON first).
  return JSON.stringify(hexify(state));
}

function hexify(v: unknown): unknown {
  if (v instanceof Uint8Array) return { [HEX_KEY]: toHex(v) };
  if (Array.isArray(v)) return v.map(hexify);
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = hexify(x);
    return out;
  }
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (isRecord(v)) {
    const hex = v[HEX_KEY];
    if (typeof hex === 'string' && Object.keys(v).length === 1) {
      if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new SoftTpmStateError('BAD_SHAPE', 'bad hex in state');
      return fromHex(hex);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = revive(x);
    return out;
  }
  return v;
}

function isState(v: unknown): v is TpmState {
  if (!isRecord(v) || v['version'] !== 1) return false;
  const p = v['persistent'];
  const vol = v['volatile'];
  return (
    isRecord(p) &&
    isRecord(vol) &&
    Array.isArray(p['pcrAllocation']) &&
    Array.isArray(p['nv']) &&
    p['rngSeed'] instanceof Uint8Array &&
    Array.isArray(vol['objects']) &&
    isRecord(vol['pcrs'])
  );
}

/**
 * Parse JSON text written by serializeState.
 * @throws SoftTpmStateError (BAD_JSON, BAD_VERSION, BAD_SHAPE)
 */
export function deserializeState(text: string): TpmState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e: unknown) {
    throw new SoftTpmStateError('BAD_JSON', 'saved TPM state is not JSON', { cause: e });
  }
  if (!isRecord(raw) || raw['version'] !== 1) {
    throw new SoftTpmStateError('BAD_VERSION', 'saved TPM state has an unknown version');
  }
  const v = revive(raw);
  if (!isState(v)) throw new SoftTpmStateError('BAD_SHAPE', 'saved TPM state is incomplete');
  return v;
}
