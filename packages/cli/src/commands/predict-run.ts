import { writeFileSync } from 'node:fs';
import { toHex } from '@tcg2sim/binary-codec';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { eventTypeLabel, toTpm2ToolsYaml, eventToJson, pcrsToJson } from '@tcg2sim/event-log';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import type { EarlyFirmware, PredictOptions } from './predict.ts';
import { CommandFailure, EXIT } from '../errors.ts';
import { simulateBoot } from './predict-boot.ts';

function summary(p: Prediction, source: string): string {
  const lines: string[] = [];
  const banks = [...p.replay.banks.keys()];
  lines.push(`tcg2sim predict: ${source}`);
  lines.push(`${p.log.events.length} events, ${p.boot.eventLog.length} bytes; banks ${banks.map((a) => hashAlgInfo(a).name).join(', ')}; ${p.boot.endState}`);
  const first = banks[0];
  for (const e of p.log.events) {
    const d = e.digests.find((x) => x.hashAlg === first) ?? e.digests[0];
    lines.push(`  ${String(e.index).padStart(3)}  PCR${String(e.pcrIndex).padEnd(2)} ${eventTypeLabel(e.eventType).padEnd(34)} ${d ? toHex(d.digest).slice(0, 16) : ''}`);
  }
  for (const [alg, pcrs] of p.tpmPcrs) {
    lines.push(`${hashAlgInfo(alg).name} (replayed = TPM${p.mismatches.some((m) => m.bank === hashAlgInfo(alg).name) ? ': MISMATCH' : ''}):`);
    for (const [i, v] of pcrs) lines.push(`  PCR${String(i).padEnd(2)} ${toHex(v)}`);
  }
  for (const n of p.boot.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

/**
 * The body of `tcg2sim predict` (loaded by predict.ts once the command runs): builds the
 * scenario, boots, prints. `early` is the firmware image predict.ts already read and started
 * decompressing, used when the scenario names that same file.
 */
export async function runPredict(o: PredictOptions, io: CliIo, setStatus: SetStatus, early: EarlyFirmware | undefined): Promise<void> {
  const { prediction: p, source } = await simulateBoot(o, early);
  if (o.logOut !== undefined) writeFileSync(o.logOut, p.boot.eventLog);
  if (o.json === true) {
    const tpmPcrs: Record<string, Record<string, string>> = {};
    for (const [alg, m] of p.tpmPcrs) tpmPcrs[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
    const uintn = p.log.specId?.uintnSize ?? 2;
    io.out(
      JSON.stringify(
        {
          firmware: source,
          endState: p.boot.endState,
          pcrs: pcrsToJson(p.replay),
          tpmPcrs,
          mismatches: p.mismatches,
          events: p.log.events.map((e) => eventToJson(e, uintn)),
          notes: p.boot.notes,
        },
        null,
        2
      ) + '\n'
    );
  } else if (o.yaml === true) {
    io.out(toTpm2ToolsYaml(p.log, p.replay));
  } else {
    io.out(summary(p, source));
  }
  if (p.mismatches.length > 0) {
    io.err(`tcg2sim: the replayed log and the TPM disagree on ${p.mismatches.length} PCR values\n`);
    setStatus(EXIT.FAILURE);
  }
  if (p.boot.pei === undefined) throw new CommandFailure(`simulated boot measured nothing: ${p.boot.endState}`);
}
