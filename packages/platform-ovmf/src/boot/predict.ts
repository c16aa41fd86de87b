import { GetCapability, PCRRead, Startup, TPM_CAP, TPM_CC, TPM_SU, execute } from '@tcg2sim/tpm2-command-lib';
import type { TpmTransport } from '@tcg2sim/tpm2-command-lib';
import { decodeEventLog, replayEventLog } from '@tcg2sim/event-log';
import type { EventLog, PcrReplay } from '@tcg2sim/event-log';
import { equalBytes, toHex } from '@tcg2sim/binary-codec';
import { algsFromBitmap, findHashAlg, hashAlgInfo } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { VirtualClock } from '@tcg2sim/ptp';
import { simulateBoot } from './boot.ts';
import type { BootInput, BootResult } from './boot.ts';
import type { TpmInterface } from './tpm-stack.ts';
import { MachineDescription } from '../machine.ts';
import type { MachineInput } from '../machine.ts';
import { buildDefaultFirmware } from '../default-firmware.ts';

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
  /**
   * Set when the firmware never sent TPM2_Startup (a build that measures nothing): `tpmPcrs` were
   * read after predict's own TPM2_Startup(CLEAR), as the OS's TPM driver starts such a TPM.
   */
  readonly tpmStartedAfterBoot?: true;
}

/**
 * What {@link predict} takes: a {@link BootInput} whose every field may be left out, each with
 * the default `tcg2sim predict` uses when run without arguments.
 */
export interface PredictInput extends Partial<Omit<BootInput, 'machine'>> {
  /**
   * OVMF_CODE*.fd. Default: the embedded default firmware (`buildDefaultFirmware()`), with its
   * variable store unless `vars` is given.
   */
  readonly code?: Uint8Array;
  /** The machine, any field left out: QEMU 7.2's `-machine q35`, 512 MiB, 1 CPU, no SMM. */
  readonly machine?: MachineInput;
  /** Default `tis` (QEMU's `-device tpm-tis`). */
  readonly tpmInterface?: TpmInterface;
  /**
   * Default: a fresh in-process soft TPM with all four banks allocated, closed when the
   * prediction is done (a backend given here is left open: the caller owns it).
   */
  readonly backend?: TpmBackend;
}

/** The boot inputs of a prediction with every default applied; `owned` is a backend predict created. */
function bootInputOf(input: PredictInput): { boot: BootInput; owned: TpmBackend | undefined } {
  let code = input.code;
  let vars = input.vars;
  if (code === undefined) {
    const fw = buildDefaultFirmware();
    code = fw.code;
    if (!('vars' in input)) vars = fw.vars;
  }
  let owned: TpmBackend | undefined;
  const backend = input.backend ?? (owned = new SoftTpmBackend({}));
  const boot: BootInput = {
    ...input,
    code,
    vars,
    machine: MachineDescription.parse(input.machine ?? {}),
    tpmInterface: input.tpmInterface ?? 'tis',
    backend,
    clock: input.clock ?? new VirtualClock(),
  };
  return { boot, owned };
}

/** PCR 0-7 of `banks`, one TPM2_PCR_Read per bank. */
export async function readPcrs(t: TpmTransport, banks: readonly TpmAlgHash[]): Promise<PcrBanks> {
  const out = new Map<TpmAlgHash, Map<number, Uint8Array>>();
  for (const alg of banks) {
    const res = await execute(t, PCRRead, { params: { pcrSelectionIn: { pcrSelections: [{ hash: alg, pcrSelect: Uint8Array.of(0xff, 0, 0) }] } } });
    const m = new Map<number, Uint8Array>();
    res.params.pcrValues.digests.forEach((d, i) => m.set(i, d));
    out.set(alg, m);
  }
  return out;
}

/**
 * Simulates the boot, decodes and replays the log it produced, and reads PCR 0-7 back from the
 * TPM. The two must agree; a disagreement is reported in `mismatches` (and is a bug).
 *
 * Every input has a default, the same as `tcg2sim predict` without arguments: `predict()`
 * boots the embedded default firmware on q35 with a TIS soft TPM (all four banks).
 */
export async function predict(input: PredictInput = {}): Promise<Prediction> {
  const { boot: bootInput, owned } = bootInputOf(input);
  try {
    return await predictWith(bootInput);
  } finally {
    await owned?.close();
  }
}

async function predictWith(input: BootInput): Promise<Prediction> {
  const boot = await simulateBoot(input);
  // A boot that measured nothing (no TPM 2.0 selected, no TPM module) has an empty log: decoded
  // leniently, replayed over no bank.
  const noLog = boot.eventLog.length === 0;
  const log = decodeEventLog(boot.eventLog, { lenient: noLog });
  const replay = replayEventLog(log, noLog ? { banks: [] } : {});
  const transport: TpmTransport = { submit: (c) => input.backend.transmit(c, 0) };
  const { pcrs: tpmPcrs, startedAfterBoot } = await tpmPcrsAfterBoot(boot, transport);
  const mismatches: PredictedPcrMismatch[] = [];
  for (const [alg, pcrs] of tpmPcrs) {
    const bank = hashAlgInfo(alg).name;
    for (const [i, v] of pcrs) {
      const r = replay.banks.get(alg)?.get(i) ?? new Uint8Array(v.length);
      if (!equalBytes(r, v)) mismatches.push({ bank, pcr: i, replayed: toHex(r), tpm: toHex(v) });
    }
  }
  return { boot, log, replay, tpmPcrs, mismatches, ...(startedAfterBoot ? { tpmStartedAfterBoot: true } : {}) };
}

/**
 * PCR 0-7 of the banks Tcg2Dxe found active; for a build that measures nothing, of every bank the
 * TPM has allocated, after TPM2_Startup(CLEAR) when the firmware never sent one (a TPM not
 * started answers TPM_RC_INITIALIZE; the OS's driver starts it and reads its reset values).
 */
export async function tpmPcrsAfterBoot(boot: BootResult, t: TpmTransport): Promise<{ pcrs: PcrBanks; startedAfterBoot: boolean }> {
  if (boot.measuresNothing !== true) return { pcrs: await readPcrs(t, algsFromBitmap(boot.dxeFacts?.activeBanks ?? 0)), startedAfterBoot: false };
  const started = boot.exchanges.some((x) => x.command.length >= 10 && new DataView(x.command.buffer, x.command.byteOffset).getUint32(6) === TPM_CC.Startup);
  if (!started) await execute(t, Startup, { handles: {}, params: { startupType: TPM_SU.CLEAR } });
  const caps = await execute(t, GetCapability, { handles: {}, params: { capability: TPM_CAP.PCRS, property: 0, propertyCount: 1 } });
  const d = caps.params.capabilityData.data;
  const banks = 'assignedPCR' in d ? d.assignedPCR.pcrSelections.filter((s) => s.pcrSelect.some((b) => b !== 0)).map((s) => s.hash) : [];
  return { pcrs: await readPcrs(t, banks.flatMap((a) => findHashAlg(a)?.alg ?? [])), startedAfterBoot: !started };
}
