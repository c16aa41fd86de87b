import { hashAll, TPM_ALG_HASH, digestSize } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { encodeEventLog } from './log.ts';
import type { EventLog, LogEvent, LogFormat } from './log.ts';
import { encodeSpecIdEvent, makeSpecIdEvent } from './spec-id.ts';
import type { SpecIdOptions, TCGEfiSpecIDEvent } from './spec-id.ts';
import { EV, TCG_PCR_EVENT_HEADER_SIZE } from './structures.ts';
import type { TPMTHA } from './structures.ts';

/** One event to append. By default its digests are the hash of `eventData` in every bank. */
export interface NewEvent {
  readonly pcrIndex: number;
  readonly eventType: number;
  readonly eventData: Uint8Array;
  /** Hash these bytes instead of the event data (PE images, FV contents, boot variable data). */
  readonly digestOf?: Uint8Array;
  /** Use these digests as they are (any algorithms, any order). */
  readonly digests?: readonly TPMTHA[];
}

/** Options of {@link EventLogBuilder}. */
export interface BuilderOptions {
  /** Banks in the order the records list them (EDK II: SHA1, SHA256, SHA384, SHA512, SM3). */
  readonly algs: readonly TpmAlgHash[];
  /** `sha1` builds a TPM 1.2 log with no header (algs must be [SHA1]). */
  readonly format?: LogFormat;
  readonly specId?: SpecIdOptions;
}

/**
 * Builds logs the way firmware writes them: the Spec ID Event03 header first (PCR0,
 * EV_NO_ACTION, 20 zero digest bytes), then TCG_PCR_EVENT2 records whose digests cover every
 * bank. EV_NO_ACTION records get all-zero digests (PFP 1.05 §10.4.5), as Tcg2Dxe writes them.
 */
export class EventLogBuilder {
  readonly #algs: readonly TpmAlgHash[];
  readonly #format: LogFormat;
  readonly #specId: TCGEfiSpecIDEvent | undefined;
  readonly #events: LogEvent[] = [];
  #offset = 0;

  constructor(o: BuilderOptions) {
    if (o.algs.length === 0) throw new RangeError('"algs" must name at least one bank');
    this.#algs = o.algs;
    this.#format = o.format ?? 'crypto-agile';
    if (this.#format === 'sha1') {
      if (o.algs.length !== 1 || o.algs[0] !== TPM_ALG_HASH.SHA1) throw new RangeError('"algs" of a sha1 log must be [SHA1]');
      this.#specId = undefined;
      return;
    }
    this.#specId = makeSpecIdEvent(o.algs, o.specId);
    const data = encodeSpecIdEvent(this.#specId);
    this.#push({
      format: 'TCG_PCR_EVENT', pcrIndex: 0, eventType: EV.NO_ACTION,
      digests: [{ hashAlg: TPM_ALG_HASH.SHA1, digest: new Uint8Array(20) }], eventData: data,
    });
  }

  /** The header this builder wrote (undefined for a sha1 log). */
  get specId(): TCGEfiSpecIDEvent | undefined {
    return this.#specId;
  }

  #push(e: Omit<LogEvent, 'index' | 'offset'>): void {
    const ev: LogEvent = { ...e, index: this.#events.length, offset: this.#offset };
    this.#events.push(ev);
    const digestBytes = e.format === 'TCG_PCR_EVENT' ? 20 : 4 + e.digests.reduce((n, d) => n + 2 + d.digest.length, 0);
    this.#offset += (e.format === 'TCG_PCR_EVENT' ? TCG_PCR_EVENT_HEADER_SIZE - 20 : 12) + digestBytes + e.eventData.length;
  }

  /** Appends one event. */
  add(e: NewEvent): this {
    let digests = e.digests;
    if (digests === undefined) {
      if (e.eventType === EV.NO_ACTION && e.digestOf === undefined) {
        digests = this.#algs.map((a) => ({ hashAlg: a, digest: new Uint8Array(digestSize(a)) }));
      } else {
        digests = hashAll(this.#algs, e.digestOf ?? e.eventData).map((d) => ({ hashAlg: d.alg, digest: d.digest }));
      }
    }
    if (this.#format === 'sha1') {
      this.#push({ format: 'TCG_PCR_EVENT', pcrIndex: e.pcrIndex, eventType: e.eventType, digests, eventData: e.eventData });
    } else {
      this.#push({ format: 'TCG_PCR_EVENT2', pcrIndex: e.pcrIndex, eventType: e.eventType, digests, eventData: e.eventData });
    }
    return this;
  }

  /** The log as a value (as {@link decodeEventLog} would return it). */
  build(): EventLog {
    return { format: this.#format, specId: this.#specId, events: [...this.#events], usedLength: this.#offset };
  }

  /** The binary log. */
  encode(): Uint8Array {
    return encodeEventLog(this.build());
  }
}
