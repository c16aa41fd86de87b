import { parseScenario } from '@tcg2sim/platform-ovmf';
import type { Scenario } from '@tcg2sim/platform-ovmf';
import type { PredictOptions, RawPredictOptions } from './predict.ts';
import { LIST_FLAGS, singleOptions } from './predict.ts';
import { scenarioFrom, scenarioOf } from './predict-boot.ts';
import { product, readMatrixFile } from './predict-matrix-file.ts';
import { UsageError } from '../errors.ts';

/** One configuration of a matrix: a validated scenario, numbered from 1. */
export interface MatrixConfig {
  readonly id: number;
  readonly scenario: Scenario;
}

/** Most configurations one run takes (the product of the axes is checked before it is built). */
export const MAX_CONFIGURATIONS = 4096;

/**
 * The configurations `predict` runs for `raw`: from a matrix file (--matrix), else the cartesian
 * product of the command line's lists, in the order firmware, machine, memory, cpus,
 * tpm-interface, tpm, banks (the last varies fastest). Each configuration from the command line
 * goes through exactly the scenario building of a single `predict` with those values.
 */
export async function matrixConfigs(raw: RawPredictOptions): Promise<{ configs: MatrixConfig[]; origin: string }> {
  if (raw.yaml === true) throw new UsageError('--yaml takes one configuration: a matrix prints a table or --json');
  if (raw.logOut !== undefined) throw new UsageError('--log-out takes one configuration, not a matrix');
  if (raw.qemuCmdline !== undefined || raw.libvirtXml !== undefined) throw new UsageError(`${raw.qemuCmdline !== undefined ? '--qemu-cmdline' : '--libvirt-xml'} describes one VM: not with a matrix`);
  if (raw.matrix !== undefined) return { configs: await fromFile(raw, raw.matrix), origin: raw.matrix };
  const axes: Partial<PredictOptions>[][] = [firmwareAxis(raw)];
  for (const k of LIST_FLAGS) {
    const v = raw[k];
    if (v !== undefined) axes.push(commaList(flagName(k), v).map((x) => ({ [k]: x })));
  }
  if (raw.banks !== undefined) axes.push(raw.banks.flatMap((b) => b.split(';')).map((b) => ({ banks: nonEmpty('--banks', b) })));
  const size = axes.reduce((n, a) => n * a.length, 1);
  if (size > MAX_CONFIGURATIONS) throw new UsageError(`the flags make ${size} configurations, more than ${MAX_CONFIGURATIONS}`);
  const { code: _c, vars: _v, bios: _b, banks: _k, matrix: _m, machine: _1, memory: _2, cpus: _3, tpmInterface: _4, tpm: _5, ...base } = raw;
  const configs: MatrixConfig[] = [];
  for (const point of product(axes)) {
    const o: PredictOptions = Object.assign({}, base, ...point) as PredictOptions;
    configs.push({ id: configs.length + 1, scenario: await scenarioOf(o) });
  }
  return { configs, origin: 'command line' };
}

/** --code/--vars pairs (in order; one --vars goes with every --code, one --code with every --vars) or --bios images. */
function firmwareAxis(raw: RawPredictOptions): Partial<PredictOptions>[] {
  const code = raw.code ?? [];
  const vars = raw.vars ?? [];
  const bios = raw.bios ?? [];
  if (bios.length > 0 && (code.length > 0 || vars.length > 0)) throw new UsageError('give either --bios or --code (+ --vars), not both');
  if (bios.length > 0) return bios.map((b) => ({ bios: b }));
  if (code.length === 0) return vars.length === 0 ? [{}] : vars.map((v) => ({ vars: v }));
  if (vars.length === 0) return code.map((c) => ({ code: c }));
  if (vars.length !== 1 && code.length !== 1 && vars.length !== code.length) {
    throw new UsageError(`${code.length} --code and ${vars.length} --vars: give one --vars, or one per --code (paired in order)`);
  }
  const n = Math.max(code.length, vars.length);
  return Array.from({ length: n }, (_, i) => ({ code: code[code.length === 1 ? 0 : i] ?? '', vars: vars[vars.length === 1 ? 0 : i] ?? '' }));
}

function flagName(k: (typeof LIST_FLAGS)[number]): string {
  return k === 'tpmInterface' ? '--tpm-interface' : `--${k}`;
}

function nonEmpty(flag: string, v: string): string {
  if (v.trim() === '') throw new UsageError(`${flag}: an empty item in the list`);
  return v.trim();
}

function commaList(flag: string, v: string): string[] {
  const items = v.split(',').map((x) => nonEmpty(flag, x));
  if (new Set(items).size !== items.length) throw new UsageError(`${flag}: a value is listed twice: ${JSON.stringify(v)}`);
  return items;
}

/**
 * A matrix file: its configurations over the command line's single values (the flags), which
 * must not name a field the file sets (the file varies it, or fixes it: either way ambiguous).
 */
async function fromFile(raw: RawPredictOptions, file: string): Promise<MatrixConfig[]> {
  if (raw.scenario !== undefined) throw new UsageError('--scenario and --matrix are exclusive: put the shared fields under base: in the matrix file');
  const { matrix: _m, ...rest } = raw;
  const flags = singleOptions(rest);
  if (flags === undefined) throw new UsageError('with --matrix, the flags take one value each (the matrix file has the lists)');
  const fromFlags = await scenarioFrom(flags);
  const m = await readMatrixFile(file);
  for (const k of Object.keys(fromFlags)) {
    if (m.fields.has(k)) throw new UsageError(`${file}: sets ${k}, which a flag sets too`);
  }
  if (m.records.length > MAX_CONFIGURATIONS) throw new UsageError(`${file}: ${m.records.length} configurations, more than ${MAX_CONFIGURATIONS}`);
  return m.records.map((r, i) => {
    const where = `${file}: configuration ${i + 1} (${r.where})`;
    const scenario = parseScenario({ ...fromFlags, ...r.record }, where);
    if (scenario.vars !== undefined && scenario.code === undefined) throw new UsageError(`${where}: vars: a variable store needs code, the OVMF_CODE*.fd it belongs to`);
    return { id: i + 1, scenario };
  });
}
