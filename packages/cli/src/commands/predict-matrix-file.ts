import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import { Scenario } from '@tcg2sim/platform-ovmf';
import { UsageError } from '../errors.ts';

/*
 * A matrix file (JSON or YAML) for `predict --matrix FILE`:
 *
 *   base:                      # optional: fields every configuration shares (scenario fields)
 *     code: OVMF_CODE_4M.fd
 *     vars: OVMF_VARS_4M.fd
 *   axes:                      # optional: the cartesian product of these lists (last fastest)
 *     memoryMiB: [512, 1024, 2048]
 *     tpmInterface: [tis, crb]
 *     banks: [[sha256], [sha1, sha256]]
 *     firmware: [{ code: a.fd, vars: a-vars.fd }, { bios: OVMF.fd }]
 *   configurations:            # optional: explicit configurations, each crossed with the axes
 *     - { machine: pc }
 *     - { machine: q35, smm: true }
 *
 * or a bare list of configurations. Fields are those of a scenario file (--scenario); paths are
 * relative to the matrix file. Configuration i of the product is base, then configurations[j],
 * then the axes' values (firmware sets code, vars and bios).
 */

/**
 * A scenario field's type without its default (absent stays absent until the scenario is built:
 * base, configuration and axis values merge first). Derived from the scenario schema, so a field
 * the scenario gains is a matrix field too.
 */
function bare(t: z.ZodType): z.ZodType {
  return t instanceof z.ZodDefault || t instanceof z.ZodOptional ? bare(t.unwrap() as z.ZodType) : t;
}
const FIELDS: Readonly<Record<string, z.ZodType>> = Object.fromEntries(Object.entries(Scenario.unwrap().shape).map(([k, v]) => [k, bare(v)]));
const FIRMWARE_FIELDS = ['code', 'vars', 'bios'];

const Entry = z.strictObject(Object.fromEntries(Object.entries(FIELDS).map(([k, v]) => [k, v.optional()])));
const MAX_AXIS = 256;
const axis = (t: z.ZodType): z.ZodType => z.array(t).min(1).max(MAX_AXIS).optional();
const Firmware = z.strictObject(Object.fromEntries(FIRMWARE_FIELDS.map((k) => [k, (FIELDS[k] ?? z.never()).optional()])));
/** An axis per scenario field, `firmware` (code, vars and bios together) instead of those three. */
const Axes = z.strictObject({
  firmware: axis(Firmware),
  ...Object.fromEntries(Object.entries(FIELDS).filter(([k]) => !FIRMWARE_FIELDS.includes(k)).map(([k, v]) => [k, axis(v)])),
});
const MatrixFile = z
  .strictObject({
    base: Entry.optional(),
    axes: Axes.optional(),
    configurations: z.array(Entry).min(1).max(4096).optional(),
  })
  .refine((m) => m.axes !== undefined || m.configurations !== undefined, { message: 'a matrix has axes:, configurations: or both' });

/** The file's configurations as scenario records (paths resolved), and every field it sets. */
export interface MatrixFileContent {
  readonly records: readonly { readonly record: Record<string, unknown>; readonly where: string }[];
  readonly fields: ReadonlySet<string>;
}

const PATH_FIELDS = ['code', 'vars', 'bios', 'disk'] as const;

/**
 * Reads and validates a matrix file.
 * @throws UsageError naming the file and the field (`axes.memoryMiB[2]: …`), or the product's size
 */
export async function readMatrixFile(file: string): Promise<MatrixFileContent> {
  const text = readFileSync(file, 'utf8');
  const { default: YAML } = await import('yaml');
  let parsed: unknown;
  try {
    parsed = YAML.parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new UsageError(`${file}: not JSON or YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const r = MatrixFile.safeParse(Array.isArray(parsed) ? { configurations: parsed } : parsed);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('')}: `;
    throw new UsageError(`${file}: ${at}${issue?.message ?? 'invalid'}`);
  }
  const m = r.data;
  const dir = dirname(resolve(file));
  const rel = (e: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...e };
    for (const k of PATH_FIELDS) if (typeof out[k] === 'string') out[k] = resolve(dir, out[k]);
    return out;
  };
  const axes: { name: string; values: Record<string, unknown>[] }[] = [];
  for (const [name, values] of Object.entries(m.axes ?? {})) {
    if (!Array.isArray(values)) continue;
    axes.push({ name, values: values.map((v: unknown) => rel(name === 'firmware' ? { ...(v as object) } : { [name]: v })) });
  }
  const configurations = m.configurations ?? [{}];
  const size = configurations.length * axes.reduce((n, a) => n * a.values.length, 1);
  if (size > 4096) throw new UsageError(`${file}: the axes make ${size} configurations, more than 4096`);
  const base = rel(m.base ?? {});
  const records: { record: Record<string, unknown>; where: string }[] = [];
  configurations.forEach((c, j) => {
    for (const point of product(axes.map((a) => a.values.map((v, i) => ({ v, where: `${a.name}[${i}]` }))))) {
      const record = Object.assign({}, base, rel(c), ...point.map((p) => p.v)) as Record<string, unknown>;
      const where = [...(m.configurations !== undefined ? [`configurations[${j}]`] : []), ...point.map((p) => p.where)].join(', ');
      records.push({ record, where: where === '' ? 'base' : where });
    }
  });
  const fields = new Set<string>([...Object.keys(m.base ?? {}), ...configurations.flatMap((c) => Object.keys(c)), ...axes.flatMap((a) => a.values.flatMap((v) => Object.keys(v)))]);
  return { records, fields };
}

/** The cartesian product, the last axis varying fastest. */
export function* product<T>(axes: readonly (readonly T[])[]): Generator<T[]> {
  if (axes.some((a) => a.length === 0)) return;
  const idx = axes.map(() => 0);
  for (;;) {
    yield axes.map((a, i) => a[idx[i] ?? 0] as T);
    let k = axes.length - 1;
    for (; k >= 0; k--) {
      idx[k] = (idx[k] ?? 0) + 1;
      if ((idx[k] ?? 0) < (axes[k]?.length ?? 0)) break;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}
