/**
 * QEMU's option-argument syntaxes: the `key=value,key=value` list (QemuOpts / keyval: `,,` is a
 * literal comma, an option may have an implied first key such as -machine's `type` or -device's
 * `driver`, a bare `key` means `key=on`), and the JSON object form -device, -blockdev, -netdev,
 * -object and -audiodev also take (libvirt 9 writes `-device '{"driver":"virtio-blk-pci",…}'`).
 */
import { QemuConfigError } from './errors.ts';

/** A property value: keyval gives strings, JSON also numbers, booleans and nested objects. */
export type PropValue = string | number | boolean | PropObject;
export interface PropObject {
  readonly [key: string]: PropValue;
}

/** One option with its argument parsed. */
export interface ParsedOption {
  /** `-device` (one dash; `--device` is normalised). */
  readonly name: string;
  /** The argument as written (undefined for a flag). */
  readonly raw: string | undefined;
  /** Offset of the option word in the command line. */
  readonly offset: number;
  readonly props: PropObject;
  /** Whether the argument was the JSON form. */
  readonly json: boolean;
}

/** How the option as written is named in messages: `-device e1000e,netdev=n0`. */
export function optionText(o: Pick<ParsedOption, 'name' | 'raw'>): string {
  if (o.raw === undefined) return o.name;
  const raw = o.raw.length > 120 ? `${o.raw.slice(0, 117)}...` : o.raw;
  return `${o.name} ${raw}`;
}

const MAX_DEPTH = 16;

function fromJson(v: unknown, where: string, depth: number): PropValue {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new QemuConfigError('BAD_OPTION', `${where}: not a finite number`, { where });
    return v;
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    if (depth > MAX_DEPTH) throw new QemuConfigError('BAD_OPTION', `${where}: JSON nested deeper than ${MAX_DEPTH}`, { where });
    const out: Record<string, PropValue> = Object.create(null) as Record<string, PropValue>;
    for (const [k, x] of Object.entries(v)) out[k] = fromJson(x, where, depth + 1);
    return out;
  }
  throw new QemuConfigError('BAD_OPTION', `${where}: JSON arrays and null are not taken here`, { where });
}

/**
 * Parses a `key=value,…` list. `implied` names the key of a first element that has no `=`.
 * @throws QemuConfigError('BAD_OPTION')
 */
export function parseKeyval(raw: string, implied: string | undefined, where: string): PropObject {
  const out: Record<string, PropValue> = Object.create(null) as Record<string, PropValue>;
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c === ',') {
      if (raw.charAt(i + 1) === ',') {
        cur += ',';
        i++;
        continue;
      }
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  parts.forEach((p, index) => {
    const eq = p.indexOf('=');
    let key: string;
    let value: string;
    if (eq < 0) {
      if (index === 0 && implied !== undefined) {
        key = implied;
        value = p;
      } else {
        if (p === '') {
          if (index === parts.length - 1 && index > 0) return; // a trailing comma
          throw new QemuConfigError('BAD_OPTION', `${where}: empty element`, { where });
        }
        key = p;
        value = 'on';
      }
    } else {
      key = p.slice(0, eq);
      value = p.slice(eq + 1);
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new QemuConfigError('BAD_OPTION', `${where}: bad property name ${JSON.stringify(key)}`, { where });
    if (key in out) throw new QemuConfigError('BAD_OPTION', `${where}: property ${key} given twice`, { where });
    out[key] = value;
  });
  return out;
}

/**
 * Parses an option argument: JSON when it starts with `{` and the option takes JSON, else keyval.
 * @throws QemuConfigError('BAD_OPTION')
 */
export function parseOptionArgument(raw: string, opts: { implied: string | undefined; json: boolean; where: string }): { props: PropObject; json: boolean } {
  if (opts.json && raw.trimStart().startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new QemuConfigError('BAD_OPTION', `${opts.where}: not JSON: ${e instanceof Error ? e.message : String(e)}`, { where: opts.where });
    }
    const p = fromJson(v, opts.where, 0);
    if (typeof p !== 'object') throw new QemuConfigError('BAD_OPTION', `${opts.where}: the JSON form is an object`, { where: opts.where });
    return { props: p, json: true };
  }
  return { props: parseKeyval(raw, opts.implied, opts.where), json: false };
}

/** A property as a string (numbers and booleans as QEMU would print them). */
export function propString(p: PropObject, key: string): string | undefined {
  const v = p[key];
  if (v === undefined) return undefined;
  if (typeof v === 'object') return undefined;
  return String(v);
}

/**
 * A boolean property (`on/off/yes/no/true/false`; JSON booleans).
 * @throws QemuConfigError('BAD_OPTION') for another value
 */
export function propBool(p: PropObject, key: string, where: string): boolean | undefined {
  const v = p[key];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (v === 'on' || v === 'yes' || v === 'true') return true;
    if (v === 'off' || v === 'no' || v === 'false') return false;
  }
  throw new QemuConfigError('BAD_OPTION', `${where}: ${key} must be on or off, got ${JSON.stringify(v)}`, { where });
}

const SIZE_SUFFIX: Readonly<Record<string, bigint>> = { '': 1n, b: 1n, k: 1n << 10n, m: 1n << 20n, g: 1n << 30n, t: 1n << 40n, p: 1n << 50n, e: 1n << 60n };

/**
 * A QEMU size (`2048M`, `2G`, `2097152k`, `0x1000`, plain bytes). `defaultUnit` multiplies a
 * number without suffix (`-m 2048` is MiB).
 * @throws QemuConfigError('BAD_OPTION')
 */
export function parseSize(v: PropValue, where: string, defaultUnit = 1n): bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new QemuConfigError('BAD_OPTION', `${where}: bad size ${v}`, { where });
    return BigInt(v) * defaultUnit;
  }
  if (typeof v !== 'string') throw new QemuConfigError('BAD_OPTION', `${where}: a size is a number`, { where });
  const m = /^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})([bBkKmMgGtTpPeE]?)$/.exec(v);
  if (m?.[1] === undefined) throw new QemuConfigError('BAD_OPTION', `${where}: bad size ${JSON.stringify(v)}`, { where });
  const unit = m[2] === undefined || m[2] === '' ? defaultUnit : (SIZE_SUFFIX[m[2].toLowerCase()] ?? 1n);
  return BigInt(m[1]) * unit;
}

/**
 * A non-negative integer property (decimal or 0x hex).
 * @throws QemuConfigError('BAD_OPTION')
 */
export function propInt(p: PropObject, key: string, where: string, max = 0xffff_ffff): number | undefined {
  const v = p[key];
  if (v === undefined) return undefined;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^(0x[0-9a-fA-F]{1,8}|[0-9]{1,10})$/.test(v)) n = Number(v);
  else throw new QemuConfigError('BAD_OPTION', `${where}: ${key} must be a whole number, got ${JSON.stringify(v)}`, { where });
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new QemuConfigError('BAD_OPTION', `${where}: ${key} out of range 0..${max}: ${n}`, { where });
  return n;
}
