import { PCRRead, execute } from '@tcg2sim/tpm2-command-lib';
import type { TpmTransport } from '@tcg2sim/tpm2-command-lib';
import { decodeEventLog, replayEventLog } from '@tcg2sim/event-log';
import type { EventLog, PcrReplay } from '@tcg2sim/event-log';
import { equalBytes, toHex } from '@tcg2sim/binary-codec';
import { algsFromBitmap, hashAlgInfo } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { simulateBoot } from './boot.ts';
import type { BootInput, BootResult } from './boot.ts';

/** PCR values per bank: bank → PCR index → value. */
export type PcrBanks = ReadonlyMap<TpmAlgHash, ReadonlyMap<number, Uint8Array>>;

/** A PCR whose value replayed from the log differs from the TPM's. */
export interface PredictedPcrMismatch {
  readonly bank: string;
  readonly pcr: number;
  readonly replayed: string;
  readonly tpm: string;
}

/** A prediction: the boot, its log decoded and replayed, and the TPM's own PCRs. */
export interface Prediction {
  readonly boot: BootResult;
  readonly log: EventLog;
  readonly replay: PcrReplay;
  readonly tpmPcrs: PcrBanks;
  /** Empty when the log replays to exactly what the TPM holds (PCR 0-7, every active bank). */
  readonly mismatches: readonly PredictedPcrMismatch[];
}

/** PCR 0-7 of `banks`, one TPM2_PCR_Read per bank. */
export async function readPcrs(t: TpmTransport, banks: readonly TpmAlgHash[]): Promise<PcrBanks> {
  const out = new Map<TpmAlgHash, Map<number, Uint8Array>>();
  for (const alg of banks) {
    const res = await execute(t, PCRRead, { handles: {}, params: { pcrSelectionIn: { pcrSelections: [{ hash: alg, pcrSelect: Uint8Array.of(0xff, 0, 0) }] } } });
    const m = new Map<number, Uint8Array>();
    res.params.pcrValues.digests.forEach((d, i) => m.set(i, d));
    out.set(alg, m);
  }
  return out;
}

/**
 * Simulates the boot, decodes and replays the log it produced, and reads PCR 0-7 back from the
 * TPM. The two must agree; a disagreement is reported in `mismatches` (and is a bug).
 */
export async function predict(input: BootInput): Promise<Prediction> {
  const boot = await simulateBoot(input);
  // A boot that measured nothing (no TPM 2.0 selected) has an empty log: decoded leniently.
  const log = decodeEventLog(boot.eventLog, { lenient: boot.eventLog.length === 0 });
  const replay = replayEventLog(log);
  const active = algsFromBitmap(boot.dxeFacts?.activeBanks ?? 0);
  const transport: TpmTransport = { submit: (c) => input.backend.transmit(c, 0) };
  const tpmPcrs = await readPcrs(transport, active);
  const mismatches: PredictedPcrMismatch[] = [];
  for (const [alg, pcrs] of tpmPcrs) {
    const bank = hashAlgInfo(alg).name;
    for (const [i, v] of pcrs) {
      const r = replay.banks.get(alg)?.get(i) ?? new Uint8Array(v.length);
      if (!equalBytes(r, v)) mismatches.push({ bank, pcr: i, replayed: toHex(r), tpm: toHex(v) });
    }
  }
  return { boot, log, replay, tpmPcrs, mismatches };
}
