/**
 * How `--help` shows options, the same for every command: a required option says `(required)`,
 * a default is `(default: X)` (X as typed on the command line, no quotes). Options whose default
 * is not a literal value say so in their own text, in the same `(default: …)` form.
 */
import type { Command, HelpConfiguration, Option } from 'commander';

/** A default value as it is typed on the command line: `q35`, `512`, `a,b`. */
function literal(d: unknown): string {
  if (typeof d === 'string' || typeof d === 'number' || typeof d === 'bigint') return String(d);
  if (Array.isArray(d)) return d.map((x) => literal(x)).join(',');
  return JSON.stringify(d);
}

function optionDescription(option: Option): string {
  const extra: string[] = [];
  if (option.mandatory) extra.push('required');
  const d: unknown = option.defaultValue;
  const shown = d !== undefined && typeof d !== 'boolean' && !(Array.isArray(d) && d.length === 0);
  if (shown) extra.push(`default: ${option.defaultValueDescription ?? literal(d)}`);
  if (option.argChoices) extra.push(`one of: ${option.argChoices.join(', ')}`);
  return extra.length === 0 ? option.description : `${option.description} (${extra.join(', ')})`;
}

/** The help layout every command inherits (set on the program before the commands are added). */
export const HELP: HelpConfiguration = { optionDescription };

/** The long flags of `program` and its subcommands that take a value (`--code <file>`). */
export function valueFlags(program: Command): Set<string> {
  const out = new Set<string>();
  const walk = (c: Command): void => {
    for (const o of c.options) if ((o.required || o.optional) && o.long !== undefined) out.add(o.long);
    for (const sub of c.commands) walk(sub);
  };
  walk(program);
  return out;
}
