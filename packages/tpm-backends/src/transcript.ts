/**
 * Transcripts: a recording backend that wraps any backend and notes every call with its result,
 * and a replaying backend that answers from such a record (for tests that must run without
 * swtpm, and for differential runs). A replayed call that differs from the record is
 * TRANSCRIPT_MISMATCH.
 */
import { equalBytes, fromHex, toHex } from '@tcg2sim/binary-codec';
import type { TpmTransport } from '@tcg2sim/tpm2-command-lib';
import type { TpmBackend } from './backend.ts';
import { TpmBackendError, alocality } from './errors.ts';

/** One recorded call. Byte strings are lower-case hex, so a transcript is plain JSON. */
export type TranscriptEntry =
  | { readonly op: 'powerOn' }
  | { readonly op: 'powerOff' }
  | { readonly op: 'cancel' }
  | { readonly op: 'hcrtm'; readonly data: string }
  | { readonly op: 'transmit'; readonly locality: number; readonly command: string; readonly response: string };

/** Records every call made through it, then delegates to `inner`. */
export class TranscriptBackend implements TpmBackend {
  readonly kind: string;
  readonly #inner: TpmBackend;
  readonly #entries: TranscriptEntry[] = [];

  constructor(inner: TpmBackend) {
    this.#inner = inner;
    this.kind = `transcript(${inner.kind})`;
  }

  /** The calls so far (a copy). */
  get entries(): readonly TranscriptEntry[] {
    return [...this.#entries];
  }

  async powerOn(): Promise<void> {
    await this.#inner.powerOn();
    this.#entries.push({ op: 'powerOn' });
  }

  async powerOff(): Promise<void> {
    await this.#inner.powerOff();
    this.#entries.push({ op: 'powerOff' });
  }

  async transmit(command: Uint8Array, locality: number): Promise<Uint8Array> {
    const response = await this.#inner.transmit(command, locality);
    this.#entries.push({ op: 'transmit', locality, command: toHex(command), response: toHex(response) });
    return response;
  }

  async cancel(): Promise<void> {
    await this.#inner.cancel();
    this.#entries.push({ op: 'cancel' });
  }

  async hcrtm(data: Uint8Array): Promise<void> {
    await this.#inner.hcrtm(data);
    this.#entries.push({ op: 'hcrtm', data: toHex(data) });
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** Answers from a recorded transcript, in order; anything else is TRANSCRIPT_MISMATCH. */
export class ReplayBackend implements TpmBackend {
  readonly kind = 'replay';
  readonly #entries: readonly TranscriptEntry[];
  #next = 0;
  #closed = false;

  constructor(entries: readonly TranscriptEntry[]) {
    this.#entries = entries;
  }

  /** True when every recorded call has been replayed. */
  get done(): boolean {
    return this.#next === this.#entries.length;
  }

  #take(what: string): TranscriptEntry {
    if (this.#closed) throw new TpmBackendError('CLOSED', 'backend closed');
    const e = this.#entries[this.#next];
    if (e === undefined) throw new TpmBackendError('TRANSCRIPT_MISMATCH', `call ${this.#next}: ${what}, but the transcript has ended`);
    if (e.op !== what) throw new TpmBackendError('TRANSCRIPT_MISMATCH', `call ${this.#next}: ${what}, but the transcript has ${e.op}`);
    this.#next++;
    return e;
  }

  powerOn(): Promise<void> {
    return Promise.resolve().then(() => { this.#take('powerOn'); });
  }

  powerOff(): Promise<void> {
    return Promise.resolve().then(() => { this.#take('powerOff'); });
  }

  cancel(): Promise<void> {
    return Promise.resolve().then(() => { this.#take('cancel'); });
  }

  hcrtm(data: Uint8Array): Promise<void> {
    return Promise.resolve().then(() => {
      const at = this.#next;
      const e = this.#take('hcrtm');
      if (e.op === 'hcrtm' && !equalBytes(fromHex(e.data), data)) {
        throw new TpmBackendError('TRANSCRIPT_MISMATCH', `call ${at}: hcrtm data differs from the transcript`);
      }
    });
  }

  transmit(command: Uint8Array, locality: number): Promise<Uint8Array> {
    return Promise.resolve().then(() => {
      alocality(locality);
      const at = this.#next;
      const e = this.#take('transmit');
      if (e.op !== 'transmit') throw new TpmBackendError('TRANSCRIPT_MISMATCH', `call ${at}: not a transmit`);
      if (e.locality !== locality) throw new TpmBackendError('TRANSCRIPT_MISMATCH', `call ${at}: locality ${locality}, transcript has ${e.locality}`);
      if (!equalBytes(fromHex(e.command), command)) {
        throw new TpmBackendError('TRANSCRIPT_MISMATCH', `call ${at}: command ${toHex(command.subarray(0, 16))}… differs from ${e.command.slice(0, 32)}…`);
      }
      return fromHex(e.response);
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

/** A TpmTransport (tpm2-command-lib) that sends straight to a backend at a fixed locality. */
export function backendTransport(backend: TpmBackend, locality = 0): TpmTransport {
  alocality(locality);
  return { submit: (command) => backend.transmit(command, locality) };
}
