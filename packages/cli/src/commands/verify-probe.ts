import { equalBytes } from '@tcg2sim/binary-codec';
import { decodeEventData, EV } from '@tcg2sim/event-log';
import type { LogEvent } from '@tcg2sim/event-log';
import type { MachineInput, Prediction } from '@tcg2sim/platform-ovmf';
import type { PeiFvProbe } from '@tcg2sim/verify';
import type { PredictOptions } from './predict.ts';

/** PEIFV's event of a predicted log: the PCR0 blob at PEIFV's base. */
function peiFvEvent(p: Prediction): LogEvent | undefined {
  const base = p.boot.sec.peiFv.base;
  return p.log.events.find((e) => {
    if (e.pcrIndex !== 0 || (e.eventType !== EV.EFI_PLATFORM_FIRMWARE_BLOB && e.eventType !== EV.EFI_PLATFORM_FIRMWARE_BLOB2)) return false;
    const v = decodeEventData(e.eventType, e.eventData);
    return (v.kind === 'firmware-blob' || v.kind === 'firmware-blob2') && v.value.blobBase === base;
  });
}

/** Whether two events carry the same digest in every bank both have (at least one). */
function sameDigests(a: LogEvent, b: LogEvent): boolean {
  let common = 0;
  for (const d of a.digests) {
    const o = b.digests.find((x) => x.hashAlg === d.hashAlg);
    if (o === undefined) continue;
    common++;
    if (!equalBytes(o.digest, d.digest)) return false;
  }
  return common > 0;
}

/**
 * Which VM shapes give the log's PEIFV measurement with this firmware: PlatformPei writes the
 * RAM layout (and the machine type) into PEIFV before Tcg2Pei measures it, so PCR0 follows RAM.
 * Predicts each candidate RAM size on the described machine type, then on the other one.
 */
export async function peiFvProbe(
  real: LogEvent,
  p: Prediction,
  rerun: (m: Partial<MachineInput>) => Promise<Prediction>,
  o: PredictOptions,
  candidates: readonly number[]
): Promise<PeiFvProbe> {
  const machine = o.machine ?? 'q35';
  const described = o.memory !== undefined ? Number(o.memory) : undefined;
  const matches: string[] = [];
  const tryShape = async (m: Partial<MachineInput>, label: string): Promise<void> => {
    let q: Prediction;
    try {
      q = await rerun(m);
    } catch {
      return; // a shape this firmware cannot boot (e.g. an SMM build on pc) matches nothing
    }
    const e = peiFvEvent(q);
    if (e !== undefined && sameDigests(e, real)) matches.push(label);
  };
  if (peiFvEvent(p) === undefined) return { matches, tried: 'nothing (the prediction has no PEIFV event)' };
  for (const mib of candidates) {
    if (mib === described) continue;
    await tryShape({ memoryMiB: mib }, `--memory ${mib}`);
  }
  const other = machine === 'pc' ? 'q35' : 'pc';
  if (matches.length === 0) {
    for (const mib of described !== undefined ? [described, ...candidates.filter((c) => c !== described)] : candidates) {
      await tryShape({ machine: other, memoryMiB: mib, smm: false }, `--machine ${other} --memory ${mib}`);
    }
  }
  return { matches, tried: `RAM sizes ${candidates.join(',')} MiB on ${machine}${matches.length === 0 ? ` and ${other}` : ''}` };
}
