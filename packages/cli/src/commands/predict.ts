import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SecOutput } from '@tcg2sim/platform-ovmf';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { UsageError } from '../errors.ts';
import { PREDICT_JSON_HELP, PREDICT_SUPPORT_HELP } from './predict-help.ts';
import { addBootOptions } from './boot-options.ts';
import type { BootOptions } from './boot-options.ts';

/** The flags of `tcg2sim predict`. */
export interface PredictOptions extends BootOptions {
  readonly logOut?: string;
  readonly json?: boolean;
  readonly yaml?: boolean;
  readonly qemuCmdline?: string;
  readonly libvirtXml?: string;
}

/**
 * The flags as `predict` collects them: --code, --vars, --bios and --banks may be repeated
 * (one configuration each), --memory, --cpus, --machine, --tpm-interface and --tpm take comma
 * lists, --matrix names a matrix file (predict-matrix-file.ts). One value each: PredictOptions.
 */
export interface RawPredictOptions extends Omit<PredictOptions, 'code' | 'vars' | 'bios' | 'banks'> {
  readonly code?: readonly string[];
  readonly vars?: readonly string[];
  readonly bios?: readonly string[];
  readonly banks?: readonly string[];
  readonly matrix?: string;
}

/** The flags whose comma lists make a matrix. */
export const LIST_FLAGS = ['machine', 'memory', 'cpus', 'tpmInterface', 'tpm'] as const;

/** The one configuration the flags describe, or undefined when they describe a matrix. */
export function singleOptions(raw: RawPredictOptions): PredictOptions | undefined {
  if (raw.matrix !== undefined) return undefined;
  if (LIST_FLAGS.some((k) => raw[k]?.includes(',') === true)) return undefined;
  if ([raw.code, raw.vars, raw.bios, raw.banks].some((l) => (l?.length ?? 0) > 1) || raw.banks?.some((b) => b.includes(';')) === true) return undefined;
  const { code, vars, bios, banks, matrix: _matrix, ...rest } = raw;
  return { ...rest, ...(code?.[0] !== undefined ? { code: code[0] } : {}), ...(vars?.[0] !== undefined ? { vars: vars[0] } : {}), ...(bios?.[0] !== undefined ? { bios: bios[0] } : {}), ...(banks?.[0] !== undefined ? { banks: banks[0] } : {}) };
}

/** A repeatable option's values in command-line order. */

/** `help; more (default: X)`: the default stays last, as in every option's help. */

/** The last --bios, else the last --code: the image bin/tcg2sim.js decodes early. */
function lastImage(raw: RawPredictOptions): { bios?: string; code?: string } {
  const bios = raw.bios?.at(-1);
  const code = raw.code?.at(-1);
  return bios !== undefined ? { bios } : code !== undefined ? { code } : {};
}

/** A firmware image read, and its SEC decompression started, before the simulator is loaded. */
export interface EarlyFirmware {
  /** The path as given on the command line. */
  readonly path: string;
  readonly bytes: Uint8Array;
  /** decompressMemFvsAsync(bytes): the LZMA decoding runs on libuv's thread pool. */
  readonly sec: Promise<SecOutput>;
}

/**
 * Most of the time of `predict` on a real image goes to decoding FVMAIN_COMPACT (LZMA, ~13 MiB)
 * and to loading the simulator's code. They do not depend on each other: when the image is named
 * on the command line (--bios or --code, no --scenario file), it is read and its decoding started
 * on the thread pool first (only SEC's modules are loaded for that), then the rest of the code
 * loads meanwhile. runPredict uses this work only if the scenario names the same file; a file
 * that cannot be read is left for runPredict to report.
 */
export async function startEarly(o: BootOptions): Promise<EarlyFirmware | undefined> {
  if (o.scenario !== undefined) return undefined;
  const path = o.bios ?? o.code;
  if (path === undefined) return undefined;
  const fromBin = takeBinEarly(path);
  if (fromBin !== undefined) {
    const [{ decompressMemFvsAsync }, { adoptLzmaDecode }] = await Promise.all([import('@tcg2sim/platform-ovmf/sec'), import('@tcg2sim/uefi/fv')]);
    adoptLzmaDecode(fromBin.data, fromBin.out);
    const sec = decompressMemFvsAsync(fromBin.image);
    sec.catch(() => undefined);
    return { path, bytes: fromBin.image, sec };
  }
  // The file is read on the thread pool while SEC's modules load.
  const [file, { decompressMemFvsAsync }] = await Promise.all([readFile(path).catch(() => undefined), import('@tcg2sim/platform-ovmf/sec')]);
  if (file === undefined) return undefined;
  // A plain Uint8Array over the file's own memory (readFile allocates it for this file alone).
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const sec = decompressMemFvsAsync(bytes);
  sec.catch(() => undefined); // settled by simulateBoot, or dropped when the scenario is rejected
  return { path, bytes, sec };
}

/** What bin/tcg2sim.js read and started before the CLI loaded (its startEarlyDecode). */
interface BinEarly {
  readonly path: string;
  readonly image: Uint8Array;
  /** The LZMA section data inside `image` whose decoding `out` is. */
  readonly data: Uint8Array;
  readonly out: Promise<Uint8Array>;
}

const BIN_EARLY = Symbol.for('tcg2sim.earlyFirmware');

/** The bin's early read and decode of `path` (taken once), if it started one for this path. */
function takeBinEarly(path: string): BinEarly | undefined {
  const g = globalThis as { [BIN_EARLY]?: BinEarly | undefined };
  const e = g[BIN_EARLY];
  g[BIN_EARLY] = undefined; // taken once: the image is not kept alive by the global
  if (e?.path !== path || !(e.image instanceof Uint8Array) || !(e.data instanceof Uint8Array) || e.data.buffer !== e.image.buffer) return undefined;
  return e;
}

/** `tcg2sim predict`: simulate a measured boot and print its event log and PCRs. */
export function registerPredict(program: Command, io: CliIo, setStatus: SetStatus): void {
  const cmd = program
    .command('predict')
    .description('simulate a measured boot of OVMF and predict its event log and PCRs (default: the embedded firmware)');
  addBootOptions(cmd, true)
    .option('--matrix <file>', 'a JSON or YAML matrix file (axes and/or explicit configurations): distinct PCR values per configuration (docs/predict-matrix.md)')
    .option('--log-out <file>', 'write the binary event log (crypto-agile) to FILE')
    .option('--json', 'JSON output (fields below)')
    .option('--yaml', 'YAML output in tpm2_eventlog layout')
    .addHelpText('after', PREDICT_JSON_HELP + PREDICT_SUPPORT_HELP)
    .action(async (raw: RawPredictOptions) => {
      if (raw.json === true && raw.yaml === true) throw new UsageError('--json and --yaml are exclusive');
      const o = singleOptions(raw);
      if (o === undefined) {
        // The last image on the command line is the one bin/tcg2sim.js started decoding.
        const early = await startEarly({ ...(raw.scenario !== undefined ? { scenario: raw.scenario } : {}), ...lastImage(raw) });
        const { runMatrix } = await import('./predict-matrix-run.ts');
        await runMatrix(raw, io, setStatus, early);
        return;
      }
      const early = await startEarly(o);
      const { runPredict } = await import('./predict-run.ts');
      await runPredict(o, io, setStatus, early);
    });
}
