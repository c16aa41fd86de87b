import type { VerifyReport } from '@tcg2sim/verify';

/** The text report of `tcg2sim verify`: the verdict first, then every divergence, then the later events. */
export function formatVerifyReport(r: VerifyReport, logPath: string, firmware: string): string {
  const lines: string[] = [];
  lines.push(`tcg2sim verify: ${logPath} against ${firmware} (banks ${r.banks.join(',')})`);
  if (r.exact) {
    lines.push(`verdict: exact: the firmware's ${r.firmwareEvents} events are the ${r.predictedEvents} predicted ones`);
  } else {
    lines.push(`verdict: ${r.divergences.length} divergent event${r.divergences.length === 1 ? '' : 's'} in the firmware's part (${r.matchedEvents} of ${r.predictedEvents} predicted events matched)`);
    for (const d of r.divergences) {
      const where = d.logIndex !== undefined ? `log event ${d.logIndex}` : `predicted event ${d.predictedIndex ?? '?'}`;
      lines.push(`  ${where}: PCR${d.pcr} ${d.eventType} ${d.kind}: ${d.component}`);
      lines.push(`      ${d.detail}`);
      lines.push(`      likely cause: ${d.cause}`);
    }
  }
  if (r.later.length > 0) {
    lines.push(`after the firmware's part: ${r.later.length} event${r.later.length === 1 ? '' : 's'} (not compared)`);
    for (const e of r.later) lines.push(`  log event ${e.logIndex}: PCR${e.pcr} ${e.eventType} [${e.source}] ${e.description}`);
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
