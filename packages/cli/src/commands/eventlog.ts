import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  EventLogError, decodeEventLog, encodeEventLog, diffEventLogs, hasLintErrors, lintEventLog, replayEventLog, toCelJson,
  pcrsToJson, replayEventLogBytes, toJson, writeTpm2ToolsYaml,
} from '@tcg2sim/event-log';
import type { EventLog, PcrReplay } from '@tcg2sim/event-log';
import { EVENTLOG_JSON_HELP, diffText, diffVerdict, lintText, lintVerdict, listingText, pcrsOnlyText } from './eventlog-text.ts';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { EXIT, UsageError } from '../errors.ts';
import { readInput } from '../files.ts';

interface EventlogOptions {
  readonly json?: boolean;
  readonly yaml?: boolean;
  readonly cel?: boolean;
  readonly lint?: boolean;
  readonly diff?: string;
  readonly measuredOnly?: boolean;
  readonly lenient?: boolean;
  readonly freeSpace?: boolean;
  readonly eventlogVersion?: string;
  readonly out?: string;
  readonly pcrsOnly?: boolean;
}

function load(file: string, o: EventlogOptions, what = ''): EventLog {
  const bytes = readInput(file, what);
  try {
    return decodeEventLog(bytes, { lenient: o.lenient === true, stopAtFreeSpace: o.freeSpace === true });
  } catch (err) {
    if (err instanceof EventLogError) throw new UsageError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
}

function stopLine(file: string, log: EventLog): string | undefined {
  const s = log.stop;
  if (!s) return undefined;
  if (s.reason === 'free-space') return `${file}: free space from offset ${s.offset} (after ${log.events.length} events)`;
  return `${file}: stopped: ${s.error?.message ?? `bad record at offset ${s.offset}`} (${log.events.length} events decoded)`;
}

function pcrsOnly(file: string, o: EventlogOptions, io: CliIo): void {
  let r: PcrReplay;
  try {
    r = replayEventLogBytes(readInput(file, ''), { stopAtFreeSpace: o.freeSpace === true });
  } catch (err) {
    if (err instanceof EventLogError) throw new UsageError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
  if (o.json === true) {
    io.out(JSON.stringify({ startupLocality: r.startupLocality, pcrs: pcrsToJson(r) }, null, 2) + '\n');
    return;
  }
  io.out(pcrsOnlyText(r));
}

/** `tcg2sim eventlog FILE`: decode, replay, lint and diff a binary event log. */
export function registerEventlog(program: Command, io: CliIo, setStatus: SetStatus): void {
  program
    .command('eventlog')
    .description('parse, replay, lint and diff a binary TCG event log (crypto-agile or SHA1)')
    .argument('<file>', 'binary event log')
    .option('--json', 'JSON output (fields below)')
    .option('--yaml', 'YAML as tpm2_eventlog prints it')
    .option('--cel', 'TCG Canonical Event Log records (CEL-JSON)')
    .option('--lint', 'check the PC Client PFP rules; exit 1 on errors')
    .option('--diff <other>', 'compare with another log; exit 1 when they diverge')
    .option('--measured-only', 'with --diff: data differences whose digests agree (e.g. image addresses) are notes, not divergences')
    .option('--lenient', 'decode up to the first bad event and report where decoding stopped')
    .option('--free-space', 'stop at free space (0xFF/0x00 fill), for logs taken from guest memory')
    .option('--eventlog-version <n>', 'with --yaml: YAML version as tpm2_eventlog --eventlog-version, 1 or 2 (default: 1)')
    .option('--out <file>', 'write the decoded part of the log back as a binary log')
    .option('--pcrs-only', 'only decode, replay and print the PCRs (one pass, fastest for large logs)')
    .addHelpText('after', EVENTLOG_JSON_HELP)
    .action((file: string, o: EventlogOptions) => {
      const formats = [o.json, o.yaml, o.cel].filter((x) => x === true).length;
      if (formats > 1) throw new UsageError('choose one of --json, --yaml, --cel');
      const version = o.eventlogVersion === '2' ? 2 : o.eventlogVersion === '1' || o.eventlogVersion === undefined ? 1 : undefined;
      if (version === undefined) throw new UsageError(`--eventlog-version must be 1 or 2, got ${o.eventlogVersion ?? ''}`);
      if (o.eventlogVersion !== undefined && o.yaml !== true) throw new UsageError('--eventlog-version applies to --yaml output only');
      if (o.pcrsOnly === true && o.lenient !== true && o.lint !== true && o.diff === undefined && o.out === undefined && o.yaml !== true && o.cel !== true) {
        pcrsOnly(file, o, io);
        setStatus(EXIT.OK);
        return;
      }
      const log = load(file, o);
      const replay = replayEventLog(log);
      const findings = o.lint === true ? lintEventLog(log) : undefined;
      const other = o.diff !== undefined ? load(o.diff, o, '--diff') : undefined;
      const diff = other ? diffEventLogs(log, other, { measuredOnly: o.measuredOnly === true }) : undefined;
      const stop = stopLine(file, log);
      if (stop !== undefined) io.err(`tcg2sim: ${stop}\n`);

      if (o.json === true) {
        const out = {
          ...toJson(log, replay),
          ...(findings ? { lint: findings, lintVerdict: lintVerdict(findings) } : {}),
          ...(diff ? { diff: { verdict: diffVerdict(diff), ...diff } } : {}),
        };
        io.out(JSON.stringify(out, null, 2) + '\n');
      } else if (o.yaml === true) {
        if (diff && o.diff !== undefined) io.err(diffText(diff, file, o.diff));
        if (findings) io.err(lintText(findings));
        writeTpm2ToolsYaml(log, replay, (t) => io.out(t), { version });
      } else if (o.cel === true) {
        if (diff && o.diff !== undefined) io.err(diffText(diff, file, o.diff));
        if (findings) io.err(lintText(findings));
        io.out(JSON.stringify(toCelJson(log), null, 2) + '\n');
      } else {
        // The verdicts first (every divergence, every finding), the listing after them.
        if (diff && o.diff !== undefined) io.out(diffText(diff, file, o.diff));
        if (findings) io.out(lintText(findings));
        if (diff || findings) io.out('\n');
        io.out(listingText(log, replay));
      }
      if (o.out !== undefined) writeFileSync(o.out, encodeEventLog(log));
      const failed = (findings !== undefined && hasLintErrors(findings)) || (diff !== undefined && !diff.equal);
      setStatus(failed ? EXIT.FAILURE : EXIT.OK);
    });
}
