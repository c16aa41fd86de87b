import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { toHex, Tcg2Error } from '@tcg2sim/binary-codec';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { eventTypeLabel, toTpm2ToolsYaml, eventToJson, pcrsToJson } from '@tcg2sim/event-log';
import { MachineDescription, parseScenario, predict } from '@tcg2sim/platform-ovmf';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import { VirtualClock } from '@tcg2sim/ptp';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import type { EarlyFirmware, PredictOptions } from './predict.ts';
import { CommandFailure, EXIT, UsageError } from '../errors.ts';
import { createBootBackend } from '../backends.ts';
import { defaultFirmware } from '../default-firmware.ts';
import { loadDiskBootLoader } from '../disk.ts';
import { loadNics } from '../nics.ts';

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name}: not a whole number: ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * CLI flags over the scenario file (flags win). Paths in the file are relative to it. The YAML
 * parser is loaded only for a scenario file (it is a quarter of the CLI's code).
 */
async function scenarioFrom(o: PredictOptions): Promise<Record<string, unknown>> {
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
  rel('optionRomDir');
  const set = (k: string, v: unknown): void => {
    if (v !== undefined) base[k] = v;
  };
  set('code', o.code);
  set('vars', o.vars);
  set('bios', o.bios);
  set('disk', o.disk);
  set('nics', o.nic);
  set('optionRomDir', o.optionRomDir);
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
 * Whether a second core is likely free for the boot's hashing worker (DigestWorker): it saves
 * ~20 ms of wall time when one is, and costs ~40 ms of CPU, so on a saturated machine it makes
 * the run slower. Yes for a real-time process (SCHED_FIFO/SCHED_RR: it gets a core whatever the
 * load), else when the 1-minute load average is below the number of cores.
 * TCG2SIM_DIGEST_WORKER=0/1 decides instead. Only the timing depends on it, never the output.
 */
function spareCore(): boolean {
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

/**
 * The body of `tcg2sim predict` (loaded by predict.ts once the command runs): builds the
 * scenario, boots, prints. `early` is the firmware image predict.ts already read and started
 * decompressing, used when the scenario names that same file.
 */
export async function runPredict(o: PredictOptions, io: CliIo, setStatus: SetStatus, early: EarlyFirmware | undefined): Promise<void> {
  const s = parseScenario(await scenarioFrom(o), o.scenario ?? 'command line');
  const disk = s.disk !== undefined ? loadDiskBootLoader(s.disk) : undefined;
  const nics = loadNics(s.machine, s.nics, s.optionRomDir);
  let code: Uint8Array;
  let vars: Uint8Array | undefined;
  let source: string;
  // The image predict.ts read (and started decompressing) when it is the one the scenario names.
  const image = (path: string): Uint8Array => (early?.path === path ? early.bytes : new Uint8Array(readFileSync(path)));
  if (s.bios !== undefined) {
    code = image(s.bios);
    vars = code;
    source = s.bios;
  } else if (s.code !== undefined) {
    code = image(s.code);
    vars = s.vars !== undefined ? new Uint8Array(readFileSync(s.vars)) : undefined;
    source = s.vars !== undefined ? `${s.code} + ${s.vars}` : s.code;
  } else {
    const d = defaultFirmware();
    code = d.code;
    vars = d.vars;
    source = d.description;
  }
  const machine = MachineDescription.parse({
    machine: s.machine, memoryMiB: s.memoryMiB, cpus: s.cpus, smm: s.smm, s3: s.s3,
    ...(s.maxCpus !== undefined ? { maxCpus: s.maxCpus } : {}),
  });
  const backend = await createBootBackend(s.tpm, s.banks);
  let p: Prediction;
  try {
    p = await predict({
      code,
      vars,
      machine,
      tpmInterface: s.tpmInterface,
      backend,
      clock: new VirtualClock(),
      ...(early !== undefined && code === early.bytes ? { sec: early.sec } : {}),
      digestWorker: spareCore(),
      ...(disk !== undefined ? { disk } : {}),
      ...(nics !== undefined ? { nics } : {}),
      tcg2Config: s.tcg2Config,
      tpmAutoDetection: s.tpmAutoDetection,
      ...(s.imageBufferAddress !== undefined ? { imageBufferAddress: () => BigInt(s.imageBufferAddress ?? 0) } : {}),
    });
  } catch (e) {
    if (e instanceof Tcg2Error) throw new UsageError(`${source}: ${e.message}`, { cause: e });
    throw e;
  } finally {
    await backend.close();
  }
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
