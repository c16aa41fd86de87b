/** The text output of `tcg2sim predict`. */
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import { eventListingLines, pcrBanksLines } from '../pcr-text.ts';

/**
 * The summary: firmware, counts and end state, the event listing (labelled columns), the PCRs
 * the TPM holds in tpm2_pcrread's notation, then the notes (the CLI's first, then the boot's).
 */
export function predictText(p: Prediction, source: string, cliNotes: readonly string[]): string {
  const banks = [...p.replay.banks.keys()].map((a) => hashAlgInfo(a).name);
  const lines = [`tcg2sim predict: ${source}`];
  if (p.boot.eventLog.length === 0) {
    // No TCG2 log at all (nothing to list); the PCRs are the TPM's own.
    lines.push(`no TCG2 event log; ${p.boot.endState}`);
    if (p.tpmPcrs.size > 0) lines.push(`PCRs the TPM holds${p.tpmStartedAfterBoot === true ? ' (read after TPM2_Startup(CLEAR): the firmware never started it)' : ''}:`);
  } else {
    lines.push(`${p.log.events.length} events, ${p.boot.eventLog.length} bytes; banks ${banks.join(', ')}; ${p.boot.endState}`);
    lines.push(...eventListingLines(p.log.events, p.log.specId?.uintnSize ?? 2));
    const differ = [...new Set(p.mismatches.map((m) => m.bank))];
    lines.push(differ.length === 0 ? 'PCRs (the TPM = the replayed log):' : `PCRs the TPM holds (MISMATCH: the replayed log differs in ${p.mismatches.map((m) => `${m.bank}:${m.pcr}`).join(', ')}):`);
  }
  lines.push(...pcrBanksLines(p.tpmPcrs));
  for (const n of [...cliNotes, ...p.boot.notes]) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
