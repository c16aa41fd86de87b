/** predict for ArmVirtQemu: the simulated boot, its log decoded and replayed, the TPM's PCRs read back. */
import { decodeEventLog, replayEventLog } from '@tcg2sim/event-log';
import { equalBytes, toHex } from '@tcg2sim/binary-codec';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { VirtualClock } from '@tcg2sim/ptp';
import { tpmPcrsAfterBoot } from '@tcg2sim/platform-ovmf';
import type { Prediction, PredictedPcrMismatch } from '@tcg2sim/platform-ovmf';
import { simulateArmVirtBoot } from './boot.ts';
import type { ArmVirtBootInput } from './boot.ts';
import { DEFAULT_VIRT_MACHINE } from './machine.ts';
import type { VirtMachine } from './machine.ts';

/** {@link ArmVirtBootInput} with defaults: 1024 MiB / 1 CPU, a fresh soft TPM (all banks), a virtual clock. */
export interface ArmVirtPredictInput extends Omit<ArmVirtBootInput, 'machine' | 'backend'> {
  readonly machine?: Partial<VirtMachine>;
  /** Left open when given (the caller owns it). */
  readonly backend?: TpmBackend;
}

/**
 * Simulates the ArmVirtQemu boot, replays its log and reads PCR 0-7 of the active banks from the
 * TPM; `mismatches` lists where the two disagree (a simulator bug).
 */
export async function predictArmVirt(input: ArmVirtPredictInput): Promise<Prediction> {
  let owned: TpmBackend | undefined;
  const backend = input.backend ?? (owned = new SoftTpmBackend({}));
  try {
    const machine: VirtMachine = { ...DEFAULT_VIRT_MACHINE, ...input.machine };
    const boot = await simulateArmVirtBoot({ ...input, machine, backend, clock: input.clock ?? new VirtualClock() });
    const noLog = boot.eventLog.length === 0;
    const log = decodeEventLog(boot.eventLog, { lenient: noLog });
    const replay = replayEventLog(log, noLog ? { banks: [] } : {});
    // A build without TPM2_ENABLE never starts the TPM: its PCRs are read after TPM2_Startup(CLEAR).
    const { pcrs: tpmPcrs, startedAfterBoot } = await tpmPcrsAfterBoot(boot, { submit: (c) => backend.transmit(c, 0) });
    const mismatches: PredictedPcrMismatch[] = [];
    for (const [alg, pcrs] of tpmPcrs) {
      for (const [i, v] of pcrs) {
        const r = replay.banks.get(alg)?.get(i) ?? new Uint8Array(v.length);
        if (!equalBytes(r, v)) mismatches.push({ bank: hashAlgInfo(alg).name, pcr: i, replayed: toHex(r), tpm: toHex(v) });
      }
    }
    return { boot, log, replay, tpmPcrs, mismatches, ...(startedAfterBoot ? { tpmStartedAfterBoot: true } : {}) };
  } finally {
    await owned?.close();
  }
}
