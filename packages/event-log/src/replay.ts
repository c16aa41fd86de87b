import { bankExtender, findHashAlg, pcrInitValue } from '@tcg2sim/hash-lib';
import type { HashProvider, TpmAlgHash } from '@tcg2sim/hash-lib';
import { decodeEventData } from './event-data/decode.ts';
import type { EventLog } from './log.ts';
import { EV } from './structures.ts';
import { STARTUP_LOCALITY_SIGNATURE } from './event-data/no-action.ts';
import { hasSignature } from './spec-id.ts';

/** Highest PCR index a PC Client TPM has (PTP: 24 PCRs). */
export const MAX_PCR_INDEX = 23;

/** Options of {@link replayEventLog}. */
export interface ReplayOptions {
  /** Banks to compute (default: the Spec ID's algorithms; SHA1 for a SHA1 log). */
  readonly banks?: readonly TpmAlgHash[];
  /**
   * Extend EV_NO_ACTION digests like any other event. The spec says never (PFP 1.05 §10.4.5);
   * tpm2-tools up to 5.4 did (fixed by its commit 9735dc33), so this reproduces its `pcrs:`.
   */
  readonly extendNoAction?: boolean;
  readonly provider?: HashProvider;
}

/** Why an event did not reach a PCR. */
export interface ReplaySkip {
  readonly eventIndex: number;
  readonly reason: 'pcr-out-of-range' | 'bank-missing';
  readonly alg?: number;
}

/** PCR values computed from a log. */
export interface PcrReplay {
  /** bank → PCR index → value, for every PCR at least one event extended (in PCR order). */
  readonly banks: ReadonlyMap<TpmAlgHash, ReadonlyMap<number, Uint8Array>>;
  /** PCR0's starting locality (StartupLocality event), or 4 after an H-CRTM event. */
  readonly startupLocality: number;
  readonly hcrtm: boolean;
  readonly skipped: readonly ReplaySkip[];
}

function defaultBanks(log: EventLog): TpmAlgHash[] {
  if (!log.specId) return [0x0004];
  const out: TpmAlgHash[] = [];
  for (const a of log.specId.digestSizes) {
    const info = findHashAlg(a.algorithmId);
    if (info && !out.includes(info.alg)) out.push(info.alg);
  }
  return out;
}

/** PCR0's starting locality: from a PCR0 StartupLocality EV_NO_ACTION (PFP 1.05 §10.4.5.3). */
export function startupLocalityOf(log: EventLog): number | undefined {
  for (const e of log.events) {
    if (e.pcrIndex === 0 && e.eventType === EV.NO_ACTION && e.format === 'TCG_PCR_EVENT2' && hasSignature(e.eventData, STARTUP_LOCALITY_SIGNATURE)) {
      const v = decodeEventData(e.eventType, e.eventData);
      if (v.kind === 'startup-locality') return v.value.startupLocality;
    }
  }
  return undefined;
}

/** One bank of a replay: its PCRs (undefined = never extended), the extender, the digest size. */
export function replayBank(alg: TpmAlgHash, provider: HashProvider | undefined): {
  readonly alg: TpmAlgHash; readonly size: number; readonly pcrs: (Uint8Array | undefined)[]; readonly extend: ReturnType<typeof bankExtender>;
} {
  return { alg, size: pcrInitValue(alg).length, pcrs: new Array<Uint8Array | undefined>(MAX_PCR_INDEX + 1), extend: bankExtender(alg, provider) };
}

/** The PCRs each bank reached (only those extended), copied out of the replay's state. */
export function bankValues(state: readonly ReturnType<typeof replayBank>[]): Map<TpmAlgHash, Map<number, Uint8Array>> {
  const values = new Map<TpmAlgHash, Map<number, Uint8Array>>();
  for (const b of state) {
    const m = new Map<number, Uint8Array>();
    b.pcrs.forEach((v, i) => {
      if (v !== undefined) m.set(i, new Uint8Array(v));
    });
    values.set(b.alg, m);
  }
  return values;
}

/**
 * A bank's PCR `pcr` (undefined in `pcrs` until first extended), made at its reset value on first
 * use: zero, and for PCR0 the startup locality in its last byte.
 */
export function pcrToExtend(b: { readonly size: number; readonly pcrs: (Uint8Array | undefined)[] }, pcr: number, startupLocality: number): Uint8Array {
  let value = b.pcrs[pcr];
  if (value === undefined) {
    value = new Uint8Array(b.size);
    if (pcr === 0 && startupLocality !== 0) value[b.size - 1] = startupLocality;
    b.pcrs[pcr] = value;
  }
  return value;
}

/**
 * Replays a log into PCRs per bank: each PCR starts at zero and is extended (TPM 2.0 Part 1
 * §17.3, new = H(old || digest)) with each event's digest for that bank, in log order.
 * EV_NO_ACTION is not extended. PCR0 starts at 00…0L when a StartupLocality event says
 * locality L (3: TPM2_Startup from locality 3), and at 00…04 when the log has an
 * EV_EFI_HCRTM_EVENT (the H-CRTM sequence at locality 4, TPM 2.0 Part 1 §34.3); the H-CRTM
 * event's own digest is then extended like any other.
 */
export function replayEventLog(log: EventLog, opts: ReplayOptions = {}): PcrReplay {
  const banks = opts.banks ?? defaultBanks(log);
  const hcrtm = log.events.some((e) => e.eventType === EV.EFI_HCRTM_EVENT && e.pcrIndex === 0);
  const startupLocality = hcrtm ? 4 : (startupLocalityOf(log) ?? 0);
  const skipped: ReplaySkip[] = [];
  const state = banks.map((alg) => replayBank(alg, opts.provider));

  const header = log.format === 'crypto-agile' ? 1 : 0;
  const events = log.events;
  for (let i = header; i < events.length; i++) {
    const e = events[i];
    if (e === undefined) continue;
    if (e.eventType === EV.NO_ACTION && opts.extendNoAction !== true) continue;
    const pcr = e.pcrIndex;
    if (pcr > MAX_PCR_INDEX) {
      skipped.push({ eventIndex: e.index, reason: 'pcr-out-of-range' });
      continue;
    }
    const digests = e.digests;
    for (let k = 0; k < state.length; k++) {
      const b = state[k];
      if (b === undefined) continue;
      // Fast path: the digest list is in bank order (it is, in firmware logs).
      let d = digests[k];
      if (d?.hashAlg !== b.alg) d = digests.find((x) => x.hashAlg === b.alg);
      if (d === undefined || d.digest.length !== b.size) {
        skipped.push({ eventIndex: e.index, reason: 'bank-missing', alg: b.alg });
        continue;
      }
      const value = pcrToExtend(b, pcr, startupLocality);
      b.extend(value, d.digest, 0);
    }
  }
  return { banks: bankValues(state), startupLocality, hcrtm, skipped };
}
