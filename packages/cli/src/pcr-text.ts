/**
 * The text notation `predict` and `eventlog` share for PCR values and event listings. PCR values
 * are printed as tpm2_pcrread (tpm2-tools) prints them, a bank name line then one line per PCR:
 *
 *     sha256:
 *       0 : 0x3d458cfe…
 *       10: 0x…
 *
 * (lower-case hex, as tpm2_eventlog's `pcrs:` section and the YAML output have it), and a PCR of
 * a bank is named `sha256:0`, the PCR selection syntax of tpm2-tools and of `--pcrs`.
 */
import { toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH, hashAlgInfo } from '@tcg2sim/hash-lib';
import { describeEvent, eventTypeLabel } from '@tcg2sim/event-log';
import type { LogEvent } from '@tcg2sim/event-log';

/** PCR values by bank (TPM_ALG_ID) and index. */
export type PcrBanks = ReadonlyMap<number, ReadonlyMap<number, Uint8Array>>;

/** One PCR line in tpm2_pcrread's layout: `    0 : 0x…` (index left-aligned in two columns). */
export function pcrLine(index: number, value: Uint8Array | string, indent = '    '): string {
  return `${indent}${String(index).padEnd(2)}: 0x${typeof value === 'string' ? value : toHex(value)}`;
}

/** The banks in tpm2_pcrread's layout: `  sha256:` then its PCR lines. */
export function pcrBanksLines(banks: PcrBanks): string[] {
  const lines: string[] = [];
  for (const [alg, pcrs] of banks) {
    lines.push(`  ${hashAlgInfo(alg).name}:`);
    for (const [i, v] of pcrs) lines.push(pcrLine(i, v));
  }
  return lines;
}

/** How many digest bytes the listing shows. */
const DIGEST_BYTES = 8;

/** The bank whose digest the listing shows: sha256 when the log has it, else its first bank. */
export function listingBank(events: readonly LogEvent[]): number | undefined {
  const algs = new Set(events.flatMap((e) => e.digests.map((d) => d.hashAlg)));
  return algs.has(TPM_ALG_HASH.SHA256) ? TPM_ALG_HASH.SHA256 : [...algs][0];
}

/**
 * The event listing: a header line naming the columns (the digest column names its bank and how
 * much of the digest it shows), then one line per event.
 */
export function eventListingLines(events: readonly LogEvent[], uintnSize: number): string[] {
  const bank = listingBank(events);
  const bankName = bank === undefined ? 'digest' : hashAlgInfo(bank).name;
  const digestHeader = `${bankName} digest (first ${DIGEST_BYTES} B)`;
  const width = Math.max(DIGEST_BYTES * 2, digestHeader.length);
  const lines = [`  ${'Event'.padStart(5)}  ${'PCR'.padStart(3)}  ${'EventType'.padEnd(34)} ${'Size'.padStart(8)}  ${digestHeader.padEnd(width)}  Event data`];
  for (const e of events) {
    // '-' for an event without a digest in that bank (the SHA1-format Spec ID header).
    const d = e.digests.find((x) => x.hashAlg === bank);
    const digest = d ? toHex(d.digest.subarray(0, DIGEST_BYTES)) : '-';
    lines.push(
      `  ${String(e.index).padStart(5)}  ${String(e.pcrIndex).padStart(3)}  ${eventTypeLabel(e.eventType).padEnd(34)} ${String(e.eventData.length).padStart(6)} B  ${digest.padEnd(width)}  ${describeEvent(e, uintnSize)}`
    );
  }
  return lines;
}
