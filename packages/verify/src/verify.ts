/**
 * A real boot's event log against the prediction for the VM it is said to come from: exact when
 * every event of the firmware's part is the predicted one (PCR, type and every common bank's
 * digest); otherwise each divergent event with the component it belongs to and a likely cause.
 * The events the boot loader and the OS added after the firmware's part are listed apart.
 */
import { equalBytes } from '@tcg2sim/binary-codec';
import { EV, eventTypeLabel } from '@tcg2sim/event-log';
import type { EventLog, LogEvent } from '@tcg2sim/event-log';
import { hashAlgInfo, isHashAlg } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { alignEvents } from './align.ts';
import { dataDifference, describeComponent, explain } from './explain.ts';
import type { ExplainContext, NamedRange, PeiFvProbe } from './explain.ts';
import { VerifyError } from './errors.ts';

/** One event of the firmware's part that is not as predicted. */
export interface VerifyDivergence {
  /** `data`: the same digests (PCRs agree) but other event data. */
  readonly kind: 'differs' | 'missing' | 'extra' | 'data';
  /** Index in the real log (tpm2_eventlog's EventNum), when the log has the event. */
  readonly logIndex?: number;
  /** Index in the predicted log, when predicted. */
  readonly predictedIndex?: number;
  readonly pcr: number;
  readonly eventType: string;
  readonly component: string;
  /** What differs. */
  readonly detail: string;
  /** The likely cause, in words. */
  readonly cause: string;
}

/** An event after the firmware's part. */
export interface LaterEvent {
  readonly logIndex: number;
  readonly pcr: number;
  readonly eventType: string;
  /** `firmware (ExitBootServices)` for the two PCR5 actions the firmware logs for the OS, else `boot loader / OS`. */
  readonly source: string;
  readonly description: string;
}

/** The verdict. */
export interface VerifyReport {
  /** True when the firmware's part of the log is exactly the prediction. */
  readonly exact: boolean;
  /** The banks compared (those both logs have). */
  readonly banks: readonly string[];
  readonly predictedEvents: number;
  /** Events of the log's firmware part. */
  readonly firmwareEvents: number;
  readonly matchedEvents: number;
  readonly divergences: readonly VerifyDivergence[];
  readonly later: readonly LaterEvent[];
  readonly notes: readonly string[];
}

/** Inputs of {@link verifyLog} besides the two logs. */
export interface VerifyOptions {
  /** The predicted boot's firmware volumes, to name blob events (PEIFV, DXEFV). */
  readonly firmwareVolumes?: readonly NamedRange[];
  /**
   * Called when PEIFV's measurement differs, with the log's PEIFV event: the caller predicts the
   * same firmware for other VM shapes and says which would match.
   */
  readonly probePeiFv?: (real: LogEvent) => Promise<PeiFvProbe>;
}

function banksOf(log: EventLog): TpmAlgHash[] {
  // Algorithms this tool does not know cannot be compared: they are left out (and so noted).
  if (log.specId !== undefined) return log.specId.digestSizes.map((d) => d.algorithmId).filter(isHashAlg);
  const first = log.events.find((e) => e.format === 'TCG_PCR_EVENT2') ?? log.events[0];
  return first === undefined ? [] : first.digests.map((d) => d.hashAlg).filter(isHashAlg);
}

const EXIT_BOOT_SERVICES = ['Exit Boot Services Invocation', 'Exit Boot Services Returned with Success', 'Exit Boot Services Returned with Failure'];

function laterEvent(e: LogEvent, ctx: ExplainContext): LaterEvent {
  const text = e.eventType === EV.EFI_ACTION ? Buffer.from(e.eventData).toString('latin1') : '';
  const firmware = e.pcrIndex === 5 && EXIT_BOOT_SERVICES.some((s) => text.startsWith(s));
  const c = describeComponent(e, ctx);
  return {
    logIndex: e.index,
    pcr: e.pcrIndex,
    eventType: eventTypeLabel(e.eventType),
    source: firmware ? 'firmware (ExitBootServices)' : 'boot loader / OS',
    description: c.what,
  };
}

/**
 * Compares `real` (a boot's log) with `predicted` (the prediction for the VM it is said to come
 * from) over the banks both have.
 * @throws VerifyError `NOT_CRYPTO_AGILE` for a SHA1-only (TPM 1.2) log, `NO_COMMON_BANK` when the
 *   two logs share no bank
 */
export async function verifyLog(real: EventLog, predicted: EventLog, o: VerifyOptions = {}): Promise<VerifyReport> {
  if (real.format !== 'crypto-agile') throw new VerifyError('NOT_CRYPTO_AGILE', 'the log is a SHA1 (TPM 1.2) log; OVMF with a TPM 2.0 writes a crypto-agile one');
  const realBanks = banksOf(real);
  const predictedBanks = banksOf(predicted);
  const banks = predictedBanks.filter((b) => realBanks.includes(b));
  const names = (l: readonly TpmAlgHash[]): string => l.map((a) => hashAlgInfo(a).name).join(',');
  if (banks.length === 0) {
    throw new VerifyError('NO_COMMON_BANK', `the log has banks ${names(realBanks) || 'none'} and the prediction ${names(predictedBanks)}: none in common (--banks)`);
  }
  const notes: string[] = [];
  if (names(realBanks) !== names(predictedBanks)) {
    notes.push(`the log's banks are ${names(realBanks)}, the prediction's ${names(predictedBanks)}: compared ${names(banks)}; --banks ${names(realBanks)} predicts the VM's TPM`);
  }
  const uintnSize = real.specId?.uintnSize ?? 2;
  const ctxBase: ExplainContext = { uintnSize, banks, firmwareVolumes: o.firmwareVolumes ?? [] };
  const alignment = alignEvents(predicted.events, real.events, banks);
  let ctx = ctxBase;
  // PEIFV's digest depends on the VM: ask the caller which shapes would match, once.
  if (o.probePeiFv !== undefined) {
    const pei = ctxBase.firmwareVolumes.find((f) => f.name === 'PEIFV');
    for (const s of alignment.steps) {
      if (s.kind !== 'differs') continue;
      const r = real.events[s.r];
      if (r === undefined || pei === undefined || !describeComponent(r, ctxBase).component.startsWith('PEIFV')) continue;
      ctx = { ...ctxBase, peiFvProbe: await o.probePeiFv(r) };
      break;
    }
  }
  const divergences: VerifyDivergence[] = [];
  let matched = 0;
  let firmwareEvents = 0;
  for (const s of alignment.steps) {
    if (s.kind === 'same') {
      matched++;
      firmwareEvents++;
      const p = predicted.events[s.p];
      const r = real.events[s.r];
      if (p === undefined || r === undefined || equalBytes(p.eventData, r.eventData)) continue;
      const d = dataDifference(p, r, ctx);
      if (d.measured) divergences.push({ kind: 'data', logIndex: r.index, predictedIndex: p.index, pcr: r.pcrIndex, eventType: eventTypeLabel(r.eventType), component: d.component, detail: d.detail, cause: d.cause });
      else notes.push(`log event ${r.index} (${d.component}): ${d.detail}; ${d.cause}`);
      continue;
    }
    const p = s.kind === 'extra' ? undefined : predicted.events[s.p];
    const r = s.kind === 'missing' ? undefined : real.events[s.r];
    if (r !== undefined) firmwareEvents++;
    const e = r ?? p;
    if (e === undefined) continue;
    const x = explain(s.kind, p, r, ctx);
    divergences.push({
      kind: s.kind,
      ...(r !== undefined ? { logIndex: r.index } : {}),
      ...(p !== undefined ? { predictedIndex: p.index } : {}),
      pcr: e.pcrIndex,
      eventType: eventTypeLabel(e.eventType),
      ...x,
    });
  }
  const later = real.events.slice(alignment.laterFrom).map((e) => laterEvent(e, ctx));
  if (real.stop !== undefined) notes.push(`the log could not be read past event ${real.stop.eventIndex} (offset ${real.stop.offset}): ${real.stop.error?.message ?? real.stop.reason}`);
  return {
    exact: divergences.length === 0,
    banks: banks.map((a) => hashAlgInfo(a).name),
    predictedEvents: predicted.events.length,
    firmwareEvents,
    matchedEvents: matched,
    divergences,
    later,
    notes,
  };
}
