import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { toHex, Tcg2Error } from '@tcg2sim/binary-codec';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { eventTypeLabel, toTpm2ToolsYaml, eventToJson, pcrsToJson } from '@tcg2sim/event-log';
import { MachineDescription, parseScenario, predict } from '@tcg2sim/platform-ovmf';
import type { BootDigests, Prediction, Scenario, SecOutput } from '@tcg2sim/platform-ovmf';
import type { DiskBootLoader } from '@tcg2sim/uefi';
import { VirtualClock } from '@tcg2sim/ptp';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import type { EarlyFirmware, PredictOptions } from './predict.ts';
import { CommandFailure, EXIT, UsageError } from '../errors.ts';
import { createBootBackend } from '../backends.ts';
import { defaultFirmware } from '../default-firmware.ts';
import { loadDiskBootLoader } from '../disk.ts';

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name}: not a whole number: ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * CLI flags over the scenario file (flags win). Paths in the file are relative to it. The YAML
 * parser is loaded only for a scenario file (it is a quarter of the CLI's code).
 */
export async function scenarioFrom(o: PredictOptions): Promise<Record<string, unknown>> {
  let base: Record<string, unknown> = {};
  let dir = process.cwd();
  if (o.scenario !== undefined) {
    const text = readFileSync(o.scenario, 'utf8');
    const { default: YAML } = await import('yaml');
    let parsed: unknown;
    try {
      parsed = YAML.parse(text);
    } catch (e) {
      throw new UsageError(`${o.scenario}: not JSON or YAML: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${o.scenario}: a scenario is an object`);
    base = { ...(parsed as Record<string, unknown>) };
    dir = dirname(resolve(o.scenario));
  }
  const rel = (k: string): void => {
    const v = base[k];
    if (typeof v === 'string') base[k] = resolve(dir, v);
  };
  rel('code');
  rel('vars');
  rel('bios');
  rel('disk');
  const set = (k: string, v: unknown): void => {
    if (v !== undefined) base[k] = v;
  };
  set('code', o.code);
  set('vars', o.vars);
  set('bios', o.bios);
  set('disk', o.disk);
  set('machine', o.machine);
  set('memoryMiB', int('memory', o.memory));
  set('tcg2Config', o.tcg2Config);
  if (o.tpmAutoDetection === false) base['tpmAutoDetection'] = false;
  set('cpus', int('cpus', o.cpus));
  if (o.smm === true) base['smm'] = true;
  set('tpmInterface', o.tpmInterface);
  set('tpm', o.tpm);
  set('imageBufferAddress', o.imageBufferAddress);
  if (o.banks !== undefined) base['banks'] = o.banks.split(',').map((b) => b.trim().toLowerCase());
  return base;
}

export function summary(p: Prediction, source: string): string {
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
 * Whether a second core is likely free for the boot's hashing worker (DigestWorker): it saves
 * ~20 ms of wall time when one is, and costs ~40 ms of CPU, so on a saturated machine it makes
 * the run slower. Yes for a real-time process (SCHED_FIFO/SCHED_RR: it gets a core whatever the
 * load), else when the 1-minute load average is below the number of cores.
 * TCG2SIM_DIGEST_WORKER=0/1 decides instead. Only the timing depends on it, never the output.
 */
export function spareCore(): boolean {
  const forced = process.env['TCG2SIM_DIGEST_WORKER'];
  if (forced === '0' || forced === '1') return forced === '1';
  const cores = availableParallelism();
  if (cores < 2) return false;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const policy = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]; // field 41, policy
    if (policy === '1' || policy === '2') return true;
  } catch {
    // not Linux: the load average alone
  }
  return (loadavg()[0] ?? cores) < cores;
}

/** The firmware of one boot: image, variable store, and how predict names them. */
export interface BootFirmware {
  readonly code: Uint8Array;
  readonly vars: Uint8Array | undefined;
  /** `firmware` in the JSON output, the first line of the summary. */
  readonly source: string;
  /** SEC's output of `code`, when already started. */
  readonly sec?: Promise<SecOutput> | undefined;
  /** A digest memo shared with other boots of `code` (a matrix). */
  readonly digests?: BootDigests | undefined;
}

/** The scenario's firmware: its bios, or code (+ vars), or the embedded default; read by `image`. */
export function scenarioFirmware(s: Scenario, image: (path: string) => Uint8Array, read: (path: string) => Uint8Array = image): BootFirmware {
  if (s.bios !== undefined) {
    const code = image(s.bios);
    return { code, vars: code, source: s.bios };
  }
  if (s.code !== undefined) {
    const code = image(s.code);
    const vars = s.vars !== undefined ? read(s.vars) : undefined;
    return { code, vars, source: s.vars !== undefined ? `${s.code} + ${s.vars}` : s.code };
  }
  const d = defaultFirmware();
  return { code: d.code, vars: d.vars, source: d.description };
}

/**
 * One simulated boot of a validated scenario: machine, TPM backend (closed afterwards), predict.
 * A firmware image the simulator rejects is a UsageError naming `fw.source`.
 */
export async function predictScenario(s: Scenario, fw: BootFirmware, o: { readonly digestWorker: boolean; readonly disk?: DiskBootLoader | undefined }): Promise<Prediction> {
  const machine = MachineDescription.parse({
    machine: s.machine, memoryMiB: s.memoryMiB, cpus: s.cpus, smm: s.smm, s3: s.s3,
    ...(s.maxCpus !== undefined ? { maxCpus: s.maxCpus } : {}),
  });
  const backend = await createBootBackend(s.tpm, s.banks);
  try {
    return await predict({
      code: fw.code,
      vars: fw.vars,
      machine,
      tpmInterface: s.tpmInterface,
      backend,
      clock: new VirtualClock(),
      ...(fw.sec !== undefined ? { sec: fw.sec } : {}),
      ...(fw.digests !== undefined ? { digests: fw.digests } : {}),
      digestWorker: o.digestWorker,
      ...(o.disk !== undefined ? { disk: o.disk } : {}),
      tcg2Config: s.tcg2Config,
      tpmAutoDetection: s.tpmAutoDetection,
      ...(s.imageBufferAddress !== undefined ? { imageBufferAddress: () => BigInt(s.imageBufferAddress ?? 0) } : {}),
    });
  } catch (e) {
    if (e instanceof Tcg2Error) throw new UsageError(`${fw.source}: ${e.message}`, { cause: e });
    throw e;
  } finally {
    await backend.close();
  }
}

/** The object `predict --json` prints for a prediction (also each configuration of a matrix). */
export function predictionJson(p: Prediction, source: string): Record<string, unknown> {
  const tpmPcrs: Record<string, Record<string, string>> = {};
  for (const [alg, m] of p.tpmPcrs) tpmPcrs[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
  const uintn = p.log.specId?.uintnSize ?? 2;
  return {
    firmware: source,
    endState: p.boot.endState,
    pcrs: pcrsToJson(p.replay),
    tpmPcrs,
    mismatches: p.mismatches,
    events: p.log.events.map((e) => eventToJson(e, uintn)),
    notes: p.boot.notes,
  };
}

/**
 * The body of `tcg2sim predict` (loaded by predict.ts once the command runs): builds the
 * scenario, boots, prints. `early` is the firmware image predict.ts already read and started
 * decompressing, used when the scenario names that same file.
 */
export async function runPredict(o: PredictOptions, io: CliIo, setStatus: SetStatus, early: EarlyFirmware | undefined): Promise<void> {
  const s = parseScenario(await scenarioFrom(o), o.scenario ?? 'command line');
  const disk = s.disk !== undefined ? loadDiskBootLoader(s.disk) : undefined;
  // The image predict.ts read (and started decompressing) when it is the one the scenario names.
  const image = (path: string): Uint8Array => (early?.path === path ? early.bytes : new Uint8Array(readFileSync(path)));
  const fw = scenarioFirmware(s, image, (path) => new Uint8Array(readFileSync(path)));
  const p = await predictScenario(s, { ...fw, ...(early !== undefined && fw.code === early.bytes ? { sec: early.sec } : {}) }, { digestWorker: spareCore(), disk });
  const source = fw.source;
  if (o.logOut !== undefined) writeFileSync(o.logOut, p.boot.eventLog);
  if (o.json === true) {
    io.out(JSON.stringify(predictionJson(p, source), null, 2) + '\n');
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
