import { equalBytes } from '@tcg2sim/binary-codec';
import { decodeEventData, EV } from '@tcg2sim/event-log';
import type { LogEvent } from '@tcg2sim/event-log';
import { hash } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { DEBIAN_2022_11_BUILD, MachineDescription, buildFactsFromPeiFv, dxeUintnBytes, peiFvAtMeasurement } from '@tcg2sim/platform-ovmf';
import type { MachineInput, Prediction, SecOutput } from '@tcg2sim/platform-ovmf';
import { getVariable } from '@tcg2sim/uefi';
import type { PeiFvProbe } from '@tcg2sim/verify';
import type { BootOptions } from './boot-options.ts';
import type { PredictedBoot } from './predict-boot.ts';

type Digests = readonly { readonly hashAlg: number; readonly digest: Uint8Array }[];

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
function sameDigests(a: Digests, b: Digests): boolean {
  let common = 0;
  for (const d of a) {
    const o = b.find((x) => x.hashAlg === d.hashAlg);
    if (o === undefined) continue;
    common++;
    if (!equalBytes(o.digest, d.digest)) return false;
  }
  return common > 0;
}

/**
 * PEIFV's digests in `algs` as Tcg2Pei measures it on `machine`: the bytes PlatformPei leaves
 * (peiFvAtMeasurement with the build facts and variable store simulateBoot gives it), hashed.
 * Throws what MachineDescription throws for a shape it refuses.
 */
export function peiFvDigests(sec: SecOutput, vars: Uint8Array | undefined, machine: MachineInput, algs: readonly TpmAlgHash[]): Digests {
  const build = { ...buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD), ia32Dxe: dxeUintnBytes(sec) === 4 };
  const readVariable = (n: string, g: string): Uint8Array | undefined => (vars === undefined ? undefined : getVariable(vars, n, g)?.data);
  const bytes = peiFvAtMeasurement(sec.peiFv, MachineDescription.parse(machine), build, readVariable).bytes;
  return algs.map((hashAlg) => ({ hashAlg, digest: hash(hashAlg, bytes) }));
}

/**
 * Which VM shapes give the log's PEIFV measurement with this firmware: PlatformPei writes the
 * RAM layout (and the machine type) into PEIFV before Tcg2Pei measures it, so PCR0 follows RAM.
 * Tries each candidate RAM size on the described machine type, then on the other one. Each
 * shape's PEIFV is hashed alone (peiFvDigests); only a shape whose digests match is booted
 * whole (`rerun`), to keep exactly the shapes a boot of the firmware accepts.
 */
export async function peiFvProbe(real: LogEvent, boot: PredictedBoot, o: BootOptions, candidates: readonly number[]): Promise<PeiFvProbe> {
  const machine = o.machine ?? 'q35';
  const described = o.memory !== undefined ? Number(o.memory) : undefined;
  const matches: string[] = [];
  const predicted = peiFvEvent(boot.p);
  if (predicted === undefined) return { matches, tried: 'nothing (the prediction has no PEIFV event)' };
  const algs = predicted.digests.map((d) => d.hashAlg as TpmAlgHash);
  const tryShape = async (m: Partial<MachineInput>, label: string): Promise<void> => {
    try {
      if (!sameDigests(peiFvDigests(boot.p.boot.sec, boot.vars, boot.rerunMachine(m), algs), real.digests)) return;
      const e = peiFvEvent(await boot.rerun(m));
      if (e !== undefined && sameDigests(e.digests, real.digests)) matches.push(label);
    } catch {
      // a shape this firmware cannot boot (e.g. an SMM build on pc) matches nothing
    }
  };
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
