import type { Scenario } from '@tcg2sim/platform-ovmf';
import type { MatrixConfig } from './predict-matrix-spec.ts';

/** One configuration and what its boot gave: the single-run JSON object of `predict --json`. */
export interface MatrixRow {
  readonly config: MatrixConfig;
  readonly prediction: Record<string, unknown>;
}

/** The configuration fields shown, by CLI name; `undefined` when unset (not shown among the common ones). */
const FIELDS: readonly (readonly [string, (s: Scenario, r: MatrixRow) => string | undefined])[] = [
  ['firmware', (_s, r) => String(r.prediction['firmware'])],
  ['machine', (s) => s.machine],
  ['memory', (s) => String(s.memoryMiB)],
  ['cpus', (s) => String(s.cpus)],
  ['max-cpus', (s) => (s.maxCpus === undefined ? undefined : String(s.maxCpus))],
  ['smm', (s) => (s.smm ? 'on' : 'off')],
  ['s3', (s) => (s.s3 ? 'on' : 'off')],
  ['tpm-interface', (s) => s.tpmInterface],
  ['tpm', (s) => s.tpm],
  ['banks', (s) => s.banks.join(',')],
  ['disk', (s) => s.disk],
  ['disk-interface', (s) => s.diskInterface],
  ['tcg2-config', (s) => s.tcg2Config],
  ['tpm-auto-detection', (s) => (s.tpmAutoDetection ? 'on' : 'off')],
  ['image-buffer-address', (s) => s.imageBufferAddress],
];

/** The scenario fields FIELDS shows (code, vars and bios as `firmware`). */
const SHOWN = new Set(['code', 'vars', 'bios', 'machine', 'memoryMiB', 'cpus', 'maxCpus', 'smm', 's3', 'tpmInterface', 'tpm', 'banks', 'disk', 'diskInterface', 'tcg2Config', 'tpmAutoDetection', 'imageBufferAddress']);

/** FIELDS, then any other scenario field (a kebab-case name, its JSON value). */
function fieldList(rows: readonly MatrixRow[]): (readonly [string, (s: Scenario, r: MatrixRow) => string | undefined])[] {
  const others = [...new Set(rows.flatMap((r) => Object.keys(r.config.scenario)))].filter((k) => !SHOWN.has(k));
  const field = (k: string) => (s: Scenario): string | undefined => {
    const v: unknown = (s as Record<string, unknown>)[k];
    return v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
  };
  return [...FIELDS, ...others.map((k) => [k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), field(k)] as const)];
}

/** Field values of each row (unset: '-'), and which fields vary. */
function fieldsOf(rows: readonly MatrixRow[]): { values: Map<string, string>[]; varying: string[]; common: Map<string, string> } {
  const fields = fieldList(rows);
  const values = rows.map((r) => new Map(fields.map(([name, get]) => [name, get(r.config.scenario, r) ?? '-'])));
  const varying: string[] = [];
  const common = new Map<string, string>();
  for (const [name] of fields) {
    const seen = new Set(values.map((v) => v.get(name)));
    const first = values[0]?.get(name);
    if (seen.size > 1) varying.push(name);
    else if (first !== undefined && first !== '-') common.set(name, first);
  }
  return { values, varying, common };
}

/** One distinct value of a PCR in a bank, and the configurations (ids) that give it. */
export interface DistinctValue {
  readonly value: string;
  readonly configurations: readonly number[];
  /** The group as field values (`memory=512 tpm-interface=crb`; `all`), when they describe it exactly. */
  readonly where?: string;
}

type PcrJson = Record<string, Record<string, string>>;

/** For each bank and PCR, the distinct replayed values in order of first appearance. */
export function distinctPcrs(rows: readonly MatrixRow[]): Map<string, Map<number, DistinctValue[]>> {
  const { values, varying } = fieldsOf(rows);
  const pcrs = rows.map((r) => (r.prediction['pcrs'] ?? {}) as PcrJson);
  const order = ['sha1', 'sha256', 'sha384', 'sha512'];
  const banks = [...new Set(pcrs.flatMap((p) => Object.keys(p)))].sort((a, b) => rank(order, a) - rank(order, b));
  const out = new Map<string, Map<number, DistinctValue[]>>();
  for (const bank of banks) {
    const universe = rows.map((_, i) => i).filter((i) => pcrs[i]?.[bank] !== undefined);
    const indices = [...new Set(universe.flatMap((i) => Object.keys(pcrs[i]?.[bank] ?? {}).map(Number)))].sort((a, b) => a - b);
    const perPcr = new Map<number, DistinctValue[]>();
    for (const pcr of indices) {
      const groups = new Map<string, number[]>();
      for (const i of universe) {
        const v = pcrs[i]?.[bank]?.[String(pcr)];
        if (v === undefined) continue;
        const g = groups.get(v) ?? [];
        g.push(i);
        groups.set(v, g);
      }
      perPcr.set(
        pcr,
        [...groups].map(([value, members]) => {
          const where = describe(members, universe, values, varying);
          return { value, configurations: members.map((i) => rows[i]?.config.id ?? i + 1), ...(where !== undefined ? { where } : {}) };
        })
      );
    }
    out.set(bank, perPcr);
  }
  return out;
}

function rank(order: readonly string[], bank: string): number {
  const i = order.indexOf(bank);
  return i < 0 ? order.length : i;
}

/**
 * `group` (row indices) as field constraints, when exactly the rows of `universe` meeting them
 * are the group: each varying field whose values in the group are not all of the universe's.
 */
function describe(group: readonly number[], universe: readonly number[], values: readonly Map<string, string>[], varying: readonly string[]): string | undefined {
  const constraints: [string, string[]][] = [];
  for (const f of varying) {
    const all = [...new Set(universe.map((i) => values[i]?.get(f) ?? '-'))];
    const mine = new Set(group.map((i) => values[i]?.get(f) ?? '-'));
    if (mine.size < all.length) constraints.push([f, all.filter((v) => mine.has(v))]);
  }
  const matching = universe.filter((i) => constraints.every(([f, vs]) => vs.includes(values[i]?.get(f) ?? '-')));
  if (matching.length !== group.length) return undefined;
  return constraints.length === 0 ? 'all' : constraints.map(([f, vs]) => `${f}=${vs.join(',')}`).join(' ');
}

/** `#1-3,5` */
function idList(ids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === (ids[j] ?? 0) + 1) j++;
    parts.push(j > i ? `${ids[i]}-${ids[j]}` : String(ids[i]));
    i = j + 1;
  }
  return `#${parts.join(',')}`;
}

/** The table `predict` prints for a matrix: configurations, then each PCR's distinct values. */
export function matrixTable(rows: readonly MatrixRow[], origin: string): string {
  const { values, varying, common } = fieldsOf(rows);
  const lines: string[] = [`tcg2sim predict: ${rows.length} configurations (${origin})`];
  if (common.size > 0) lines.push(`same in all: ${[...common].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const head = ['#', ...varying, 'events', 'end state'];
  const cells = rows.map((r, i) => [String(r.config.id), ...varying.map((f) => values[i]?.get(f) ?? '-'), String((r.prediction['events'] as unknown[] | undefined)?.length ?? 0), String(r.prediction['endState'])]);
  const width = head.map((h, c) => Math.max(h.length, ...cells.map((row) => (c === head.length - 1 ? 0 : (row[c] ?? '').length))));
  const fmt = (row: readonly string[]): string => row.map((x, c) => (c === row.length - 1 ? x : x.padEnd(width[c] ?? 0))).join('  ').trimEnd();
  lines.push('', fmt(head), ...cells.map(fmt), '', 'PCR values replayed from each log: per bank and PCR, each distinct value and the configurations giving it');
  for (const [bank, perPcr] of distinctPcrs(rows)) {
    lines.push(bank);
    for (const [pcr, vals] of perPcr) {
      const label = `  ${`PCR${pcr}`.padEnd(5)}`;
      const only = vals[0];
      if (vals.length === 1 && only !== undefined) {
        lines.push(`${label}  ${only.value}  ${only.where === 'all' ? 'all' : (only.where ?? idList(only.configurations))}`);
        continue;
      }
      lines.push(`${label}  ${vals.length} values`);
      for (const v of vals) lines.push(`         ${v.value}  ${v.where !== undefined ? `${v.where}  ` : ''}${idList(v.configurations)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** `predict --json` for a matrix: the fields that vary, every configuration with its single-run JSON, the distinct values. */
export function matrixJson(rows: readonly MatrixRow[], origin: string): Record<string, unknown> {
  const { values, varying, common } = fieldsOf(rows);
  const axes = Object.fromEntries(varying.map((f) => [f, [...new Set(values.map((v) => v.get(f) ?? '-'))]]));
  const distinct = Object.fromEntries(
    [...distinctPcrs(rows)].map(([bank, perPcr]) => [bank, Object.fromEntries([...perPcr].map(([pcr, vals]) => [String(pcr), vals]))])
  );
  return {
    matrix: origin,
    axes,
    common: Object.fromEntries(common),
    configurations: rows.map((r, i) => ({
      id: r.config.id,
      varies: Object.fromEntries(varying.map((f) => [f, values[i]?.get(f) ?? '-'])),
      scenario: r.config.scenario,
      prediction: r.prediction,
    })),
    distinct,
  };
}
