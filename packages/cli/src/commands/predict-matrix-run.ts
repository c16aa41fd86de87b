import { decompressMemFvsAsync } from '@tcg2sim/platform-ovmf';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import type { EarlyFirmware, RawPredictOptions } from './predict.ts';
import { CommandFailure, EXIT, UsageError } from '../errors.ts';
import { readInput } from '../files.ts';
import { scenarioFirmware, spareCore } from './predict-boot.ts';
import type { BootFirmware } from './predict-boot.ts';
import { matrixConfigs } from './predict-matrix-spec.ts';
import type { MatrixConfig } from './predict-matrix-spec.ts';
import type { MatrixJob } from './predict-matrix-boot.ts';
import { matrixWorkerCount, runMatrixPool } from './predict-matrix-pool.ts';
import type { PoolImage } from './predict-matrix-pool.ts';
import { matrixJson, matrixTable } from './predict-matrix-output.ts';
import type { MatrixRow } from './predict-matrix-output.ts';

/**
 * `tcg2sim predict` with several configurations (--matrix FILE, comma lists, repeated --code,
 * --bios or --banks): every configuration booted as a single `predict` boots it, the work that
 * does not change between them done once (predict-matrix-pool.ts), then a table of the distinct
 * PCR values (or --json: every configuration's single-run JSON and the distinct values).
 * Exit status 1 when a configuration's log and TPM disagree or a boot measured nothing.
 */
export async function runMatrix(raw: RawPredictOptions, io: CliIo, setStatus: SetStatus, early: EarlyFirmware | undefined): Promise<void> {
  const { configs, origin } = await matrixConfigs(raw);
  const firmware = firmwareOf(configs, early, (field) => (raw.matrix === undefined ? `--${field}` : `${raw.matrix}: ${field}`));
  const { images, vars } = firmware;
  // --fw-cfg-from-qemu: each configuration reads its own VM's fw_cfg files (one QEMU under qtest each)
  const jobs = raw.fwCfgFromQemu === true ? firmware.jobs.map((j) => ({ ...j, fwCfgFromQemu: true })) : firmware.jobs;
  const workers = matrixWorkerCount(jobs.length, spareCore);
  const { outcomes, onWorkers, workerErrors } = await runMatrixPool(jobs, images, vars, workers, { mainClaims: process.env['TCG2SIM_MATRIX_MAIN'] !== '0' });
  for (const e of new Set(workerErrors)) io.err(`tcg2sim: note: a matrix worker thread failed (${e}); the main thread booted its configurations\n`);
  if (process.env['TCG2SIM_MATRIX_TRACE'] === '1') io.err(`tcg2sim: matrix: ${onWorkers} of ${jobs.length} configurations booted on ${workers} worker threads\n`);
  const rows: MatrixRow[] = [];
  for (const [i, o] of outcomes.entries()) {
    const config = configs[i];
    if (config === undefined) continue;
    if (!o.ok) {
      const message = `configuration ${config.id}: ${o.error.message}`;
      if (o.error.kind === 'usage') throw new UsageError(message);
      if (o.error.kind === 'failure') throw new CommandFailure(message);
      throw new Error(message);
    }
    rows.push({ config, prediction: o.prediction });
  }
  io.out(raw.json === true ? JSON.stringify(matrixJson(rows, origin), null, 2) + '\n' : matrixTable(rows, origin));
  for (const [i, o] of outcomes.entries()) {
    if (!o.ok) continue;
    const id = configs[i]?.id ?? i + 1;
    if (o.mismatches > 0) {
      io.err(`tcg2sim: configuration ${id}: the replayed log and the TPM disagree on ${o.mismatches} PCR values\n`);
      setStatus(EXIT.FAILURE);
    }
    if (!o.measured) {
      io.err(`tcg2sim: configuration ${id}: simulated boot measured nothing: ${o.endState}\n`);
      setStatus(EXIT.FAILURE);
    }
  }
}

/**
 * The jobs, with each firmware file read once and each image's SEC started once (the image
 * predict.ts started decoding early is taken over when a configuration names that file).
 */
function firmwareOf(
  configs: readonly MatrixConfig[],
  early: EarlyFirmware | undefined,
  origin: (field: string) => string
): { jobs: MatrixJob[]; images: PoolImage[]; vars: Uint8Array[] } {
  const files = new Map<string, Uint8Array>();
  const file = (path: string, field: string): Uint8Array => {
    let b = files.get(path);
    if (b === undefined) {
      b = field !== 'vars' && early?.path === path ? early.bytes : readInput(path, origin(field));
      files.set(path, b);
    }
    return b;
  };
  let fallback: BootFirmware | undefined;
  const images: PoolImage[] = [];
  const imageIndex = new Map<Uint8Array, number>();
  const vars: Uint8Array[] = [];
  const varsIndex = new Map<Uint8Array, number>();
  const jobs = configs.map((c): MatrixJob => {
    const s = c.scenario;
    const fw = s.bios === undefined && s.code === undefined ? (fallback ??= scenarioFirmware(s, file)) : scenarioFirmware(s, file);
    let image = imageIndex.get(fw.code);
    if (image === undefined) {
      const sec = early !== undefined && fw.code === early.bytes ? early.sec : decompressMemFvsAsync(fw.code);
      sec.catch(() => undefined); // reported by the boots that use it
      image = images.push({ code: fw.code, sec }) - 1;
      imageIndex.set(fw.code, image);
    }
    let v: number | 'code' | undefined;
    if (fw.vars === fw.code) v = 'code';
    else if (fw.vars !== undefined) {
      v = varsIndex.get(fw.vars);
      if (v === undefined) {
        v = vars.push(fw.vars) - 1;
        varsIndex.set(fw.vars, v);
      }
    }
    return { scenario: s, image, vars: v, source: fw.source };
  });
  return { jobs, images, vars };
}
