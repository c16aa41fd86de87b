/**
 * The text output of `tcg2sim eventlog`: the verdicts of --diff and --lint (a verdict line, then
 * every divergence or finding) and the listing of the log with its replayed PCRs.
 */
import type { EventLog, LintFinding, LogDiff, PcrReplay } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { eventListingLines, pcrBanksLines } from '../pcr-text.ts';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The verdict of --diff in one line: `logs differ: 2 divergent events …` or `logs identical: …`. */
export function diffVerdict(d: LogDiff): string {
  const counts = d.eventsA === d.eventsB ? `${d.eventsA} events each` : `${d.eventsA} vs ${d.eventsB} events`;
  if (!d.equal) return `logs differ: ${plural(d.divergences.length, 'divergent event')} (${counts}), ${plural(d.pcrChanges.length, 'PCR')} differ`;
  if (d.dataNotes.length > 0) return `logs agree in every measurement: ${plural(d.dataNotes.length, 'event')} differ in unmeasured data only (${counts})`;
  return `logs identical (${counts})`;
}

/** --diff: the verdict, then every divergence (with the differing bytes), the PCRs that differ and the data-only notes. */
export function diffText(d: LogDiff, a: string, b: string): string {
  const lines = [diffVerdict(d)];
  const width = Math.max(a.length, b.length);
  for (const v of d.divergences) {
    lines.push(`  ${v.explanation}`);
    if (v.bytesA !== undefined) lines.push(`    ${a.padEnd(width)}: ${v.bytesA}`, `    ${b.padEnd(width)}: ${v.bytesB ?? ''}`);
  }
  if (d.pcrChanges.length > 0) lines.push(`PCRs that differ (${a} -> ${b}):`);
  for (const c of d.pcrChanges) lines.push(`  ${c.bank}:${String(c.pcr).padEnd(2)}: ${c.a === undefined ? '(not extended)' : `0x${c.a}`} -> ${c.b === undefined ? '(not extended)' : `0x${c.b}`}`);
  for (const n of d.dataNotes) lines.push(`note: ${n.explanation} (digests agree)`);
  return lines.join('\n') + '\n';
}

/** The verdict of --lint in one line. */
export function lintVerdict(findings: readonly LintFinding[]): string {
  if (findings.length === 0) return 'lint: no findings';
  const errors = findings.filter((f) => f.severity === 'error').length;
  return `lint: ${plural(errors, 'error')}, ${plural(findings.length - errors, 'warning')}`;
}

/** --lint: the verdict, then every finding. */
export function lintText(findings: readonly LintFinding[]): string {
  const lines = [lintVerdict(findings)];
  for (const f of findings) lines.push(`  lint ${f.severity} ${f.rule} ${f.name} event ${f.eventIndex}: ${f.message}`);
  return lines.join('\n') + '\n';
}

/** The listing: format line, one line per event (labelled columns), the replayed PCRs. */
export function listingText(log: EventLog, replay: PcrReplay): string {
  const banks = [...replay.banks.keys()].map((a) => hashAlgInfo(a).name);
  const lines = [`format: ${log.format}${log.specId ? ` (Spec ID Event03, banks ${banks.join(', ')})` : ''}, ${log.events.length} events, ${log.usedLength} bytes`];
  lines.push(...eventListingLines(log.events, log.specId?.uintnSize ?? 2));
  if (replay.startupLocality !== 0) lines.push(`PCR0 starts at locality ${replay.startupLocality}${replay.hcrtm ? ' (H-CRTM)' : ''}`);
  lines.push('PCRs (replayed from the log):', ...pcrBanksLines(replay.banks));
  return lines.join('\n') + '\n';
}

/** --pcrs-only: the replayed PCRs alone. */
export function pcrsOnlyText(replay: PcrReplay): string {
  return pcrBanksLines(replay.banks).join('\n') + '\n';
}

/** `eventlog --help`: every field of the `--json` output. */
export const EVENTLOG_JSON_HELP = `
JSON fields (--json):
  format           crypto-agile (TCG_PCR_EVENT2 after a Spec ID Event03) or sha1 (TCG_PCR_EVENT only)
  specId           the Spec ID Event03 header, null for a SHA1 log
  startupLocality  the locality PCR0 starts at (StartupLocality event), 0 without one
  pcrs             PCRs replayed from the log: {bank: {index: hex}}
  events           [{index, offset, pcrIndex, eventType, digests: {bank: hex}, eventData (hex),
                   decoded: {kind, value} | decodeError: {code, offset, path}}]
  usedLength       bytes of the file the log occupies
  stop             where decoding stopped (--lenient, --free-space): {reason, eventIndex, offset,
                   code, errorOffset, message}
  lint             (--lint) [{rule, name, severity, eventIndex, message}]
  lintVerdict      (--lint) the verdict line, e.g. "lint: 1 error, 0 warnings"
  diff             (--diff) {verdict, equal, divergence (the first of divergences), divergences:
                   [{eventIndex, eventIndexB, field, a, b, pcrs, explanation, dataOffset, dataField,
                   bank, bytesA, bytesB}], dataNotes (--measured-only, as divergences),
                   pcrChanges: [{bank, pcr, a, b}], eventsA, eventsB}
With --pcrs-only --json: {startupLocality, pcrs}.
`;
