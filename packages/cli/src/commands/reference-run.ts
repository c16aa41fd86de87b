import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DecodeError, toHex } from '@tcg2sim/binary-codec';
import { EventLogError, decodeEventLog, replayEventLog } from '@tcg2sim/event-log';
import type { EventLog } from '@tcg2sim/event-log';
import { hashAlgByName } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import {
  DEFAULT_PCR_SELECTION, ReferenceError, encodeTpm2PcrsSerialized, encodeTpm2PcrsValues, keylimeRefstate, parsePcrSelection, pcrlockComponents,
  pcrlockJson, pcrlockPath, policyPcrDigest, tpm2PcrsYaml, withResetValues,
} from '@tcg2sim/reference-formats';
import type { PcrBanks, PcrSelection } from '@tcg2sim/reference-formats';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import type { EarlyFirmware } from './predict.ts';
import type { ReferenceOptions } from './reference.ts';
import { CommandFailure, EXIT, UsageError } from '../errors.ts';
import { simulateBoot } from './predict-boot.ts';

const FORMATS = ['tpm2-pcrs', 'policy-pcr', 'keylime', 'pcrlock'] as const;
type Format = (typeof FORMATS)[number];
const PCRS_FORMATS = ['serialized', 'values', 'yaml'] as const;

/** The boot flags that make no sense with --log. */
const BOOT_FLAGS = ['code', 'vars', 'bios', 'machine', 'memory', 'cpus', 'smm', 'tpmInterface', 'tpm', 'banks', 'disk', 'imageBufferAddress', 'scenario', 'tcg2Config'] as const;

/** What a reference is made from: an event log and the PCR values it leads to. */
interface Source {
  readonly log: EventLog;
  readonly pcrs: PcrBanks;
  readonly name: string;
}

function readLog(file: string): Source {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  try {
    // A log copied from firmware memory may end in unused (0xFF) space.
    const log = decodeEventLog(bytes, { stopAtFreeSpace: true });
    return { log, pcrs: withResetValues(replayEventLog(log).banks), name: file };
  } catch (e) {
    if (e instanceof EventLogError) throw new UsageError(`${file}: ${e.message}`, { cause: e });
    throw e;
  }
}

async function source(o: ReferenceOptions, io: CliIo, setStatus: SetStatus, early: EarlyFirmware | undefined): Promise<Source> {
  if (o.log !== undefined) {
    const clash = BOOT_FLAGS.filter((k) => o[k] !== undefined);
    const negated = [...(o.tpmAutoDetection === false ? ['no-tpm-auto-detection'] : []), ...(o.s3 === false ? ['no-s3'] : [])];
    if (clash.length > 0 || negated.length > 0) throw new UsageError(`--log takes the PCRs from the log: it cannot be combined with the boot flags (${[...clash.map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)), ...negated].join(', ')})`);
    return readLog(o.log);
  }
  const { prediction: p, source: name } = await simulateBoot(o, early);
  // A build that measures nothing: its reference is the TPM's PCRs as it starts (predict reads them).
  if (p.boot.pei === undefined && p.boot.measuresNothing !== true) throw new CommandFailure(`simulated boot measured nothing: ${p.boot.endState}`);
  if (p.mismatches.length > 0) {
    io.err(`tcg2sim: the replayed log and the TPM disagree on ${p.mismatches.length} PCR values; the reference uses the TPM's\n`);
    setStatus(EXIT.FAILURE);
  }
  return { log: p.log, pcrs: withResetValues(p.tpmPcrs), name };
}

function selection(o: ReferenceOptions): PcrSelection {
  try {
    return parsePcrSelection(o.pcrs ?? DEFAULT_PCR_SELECTION);
  } catch (e) {
    if (e instanceof ReferenceError) throw new UsageError(`--pcrs: ${e.message}`, { cause: e });
    throw e;
  }
}

function write(o: ReferenceOptions, io: CliIo, data: string | Uint8Array): void {
  if (o.out === undefined) {
    if (typeof data !== 'string') throw new UsageError('this output is binary: name a file with --out');
    io.out(data);
  } else writeFileSync(o.out, data);
}

function pcrlock(o: ReferenceOptions, io: CliIo, log: EventLog): void {
  const sel = o.pcrs === undefined ? undefined : selection(o);
  const components = pcrlockComponents(log, sel === undefined ? {} : {
    pcrs: new Set(sel.flatMap((b) => b.pcrs)),
    banks: new Set<TpmAlgHash>(sel.map((b) => b.hashAlg)),
  });
  if (o.out === undefined) {
    io.out(JSON.stringify(Object.fromEntries(components.map((c) => [c.name, { records: c.records }])), null, 2) + '\n');
    return;
  }
  for (const c of components) {
    const path = join(o.out, pcrlockPath(c));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, pcrlockJson(c));
  }
}

/** The body of `tcg2sim reference` (loaded by reference.ts once the command runs). */
export async function runReference(o: ReferenceOptions, io: CliIo, setStatus: SetStatus, early: EarlyFirmware | undefined): Promise<void> {
  const format = (o.format ?? 'tpm2-pcrs') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format: ${JSON.stringify(o.format)} is not one of ${FORMATS.join(', ')}`);
  if (o.pcrsFormat !== undefined && (format !== 'tpm2-pcrs' || !(PCRS_FORMATS as readonly string[]).includes(o.pcrsFormat))) {
    throw new UsageError(`--pcrs-format: ${JSON.stringify(o.pcrsFormat)} (${PCRS_FORMATS.join(', ')}, with --format tpm2-pcrs only)`);
  }
  const policyAlg = o.policyAlg === undefined ? undefined : hashAlgByName(o.policyAlg)?.alg;
  if (o.policyAlg !== undefined && (format !== 'policy-pcr' || policyAlg === undefined)) throw new UsageError(`--policy-alg: ${JSON.stringify(o.policyAlg)} (a hash name, with --format policy-pcr only)`);
  if (o.pcrs !== undefined && format === 'keylime') throw new UsageError('--pcrs: a Keylime refstate is not made of PCR values');
  const sel = format === 'tpm2-pcrs' || format === 'policy-pcr' ? selection(o) : undefined;
  const src = await source(o, io, setStatus, early);
  try {
    switch (format) {
      case 'tpm2-pcrs': {
        const layout = o.pcrsFormat ?? (o.out === undefined ? 'yaml' : 'serialized');
        if (sel === undefined) return;
        if (layout === 'yaml') write(o, io, tpm2PcrsYaml(sel, src.pcrs));
        else write(o, io, layout === 'values' ? encodeTpm2PcrsValues(sel, src.pcrs) : encodeTpm2PcrsSerialized(sel, src.pcrs));
        return;
      }
      case 'policy-pcr': {
        if (sel === undefined) return;
        const digest = policyPcrDigest(sel, src.pcrs, policyAlg === undefined ? {} : { policyAlg });
        if (o.out === undefined) io.out(toHex(digest) + '\n');
        else writeFileSync(o.out, digest);
        return;
      }
      case 'keylime': {
        const r = keylimeRefstate(src.log);
        for (const n of r.notes) io.err(`note: ${n}\n`);
        write(o, io, JSON.stringify(r.refstate) + '\n');
        return;
      }
      case 'pcrlock':
        pcrlock(o, io, src.log);
        return;
    }
  } catch (e) {
    if (e instanceof ReferenceError || e instanceof DecodeError) throw new UsageError(`${src.name}: ${e.message}`, { cause: e });
    throw e;
  }
}

