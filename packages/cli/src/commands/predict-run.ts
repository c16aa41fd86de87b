import { writeFileSync } from 'node:fs';
import { toHex } from '@tcg2sim/binary-codec';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { toTpm2ToolsYaml, eventToJson, pcrsToJson } from '@tcg2sim/event-log';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import type { EarlyFirmware, PredictOptions } from './predict.ts';
import { CommandFailure, EXIT } from '../errors.ts';
import { predictFromOptions } from './predict-boot.ts';
import { predictText } from './predict-text.ts';

/** The object `predict --json` prints for a prediction (also each configuration of a matrix). */
export function predictionJson(p: Prediction, source: string, notes: readonly string[]): Record<string, unknown> {
  const tpmPcrs: Record<string, Record<string, string>> = {};
  for (const [alg, m] of p.tpmPcrs) tpmPcrs[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
  const uintn = p.log.specId?.uintnSize ?? 2;
  return {
    firmware: source,
    complete: !notes.some((n) => n.startsWith('INCOMPLETE')),
    endState: p.boot.endState,
    pcrs: pcrsToJson(p.replay),
    tpmPcrs,
    mismatches: p.mismatches,
    events: p.log.events.map((e) => eventToJson(e, uintn)),
    notes: [...notes, ...p.boot.notes],
  };
}

/** The body of `tcg2sim predict` (loaded by predict.ts once the command runs): boots, prints. */
export async function runPredict(o: PredictOptions, io: CliIo, setStatus: SetStatus, early: EarlyFirmware | undefined): Promise<void> {
  const { p, source, notes } = await predictFromOptions(o, early);
  if (o.logOut !== undefined) writeFileSync(o.logOut, p.boot.eventLog);
  if (o.json === true) {
    io.out(JSON.stringify(predictionJson(p, source, notes), null, 2) + '\n');
  } else if (o.yaml === true) {
    io.out(toTpm2ToolsYaml(p.log, p.replay));
    for (const n of notes) io.err(`tcg2sim: note: ${n}\n`);
  } else {
    io.out(predictText(p, source, notes));
  }
  // A prediction known to lack measurements never passes for a complete one, whatever the format.
  if (o.json !== true && o.yaml !== true) for (const n of notes) if (n.startsWith('INCOMPLETE')) io.err(`tcg2sim: ${n}\n`);
  if (p.mismatches.length > 0) {
    io.err(`tcg2sim: the replayed log and the TPM disagree on ${p.mismatches.length} PCR values\n`);
    setStatus(EXIT.FAILURE);
  }
  // A build that measures nothing (no Tcg2Pei/Tcg2Dxe) is predicted exactly by its empty log.
  if (p.boot.pei === undefined && p.boot.measuresNothing !== true) throw new CommandFailure(`simulated boot measured nothing: ${p.boot.endState}`);
}
