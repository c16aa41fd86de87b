/**
 * TPM2_Hash, HashSequenceStart, SequenceUpdate, SequenceComplete, EventSequenceComplete
 * (Part 3, 15.4 and 17) as libtpms 0.9 HashCommands.c / SymmetricCommands.c behave, with the
 * hash-check ticket rules of TicketIsSafe: data shorter than 4 bytes, or starting with
 * TPM_GENERATED_VALUE, gets a NULL ticket from a sequence; TPM2_Hash only refuses the latter.
 */
import { ByteWriter } from '@tcg2sim/binary-codec';
import { digestLength, digestOf } from '../algs.ts';
import { command, EMPTY } from '../command.ts';
import { ALG, RC, RC_1, RC_H, RH, ST, TPM_GENERATED_VALUE } from '../constants.ts';
import { pcrExtend, pcrExtendAllowed, pcrIsStateSaved } from '../pcr.ts';
import { createSequence, eventDigests, flushObject, sequenceAt, sequenceDigest, sequenceUpdate } from '../sequences.ts';
import type { TpmState } from '../state.ts';
import { MAX_BUFFER, MAX_DIGEST, readAlgHash, readHierarchy } from '../wire.ts';
import { writeDigestValues, writeHashcheck } from '../marshal.ts';

/** TicketIsSafe: at least 4 bytes and not starting with TPM_GENERATED_VALUE. */
function ticketIsSafe(data: Uint8Array): boolean {
  if (data.length < 4) return false;
  const v = ((data[0] ?? 0) * 0x1000000) + (((data[1] ?? 0) << 16) | ((data[2] ?? 0) << 8) | (data[3] ?? 0));
  return v !== TPM_GENERATED_VALUE;
}

/** HMAC-SHA512 (the context integrity hash libtpms uses for tickets). */
function hmacSha512(key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
  const block = 128;
  const k = new Uint8Array(block);
  k.set(key.length > block ? digestOf(ALG.SHA512, key) : key);
  const ipad = k.map((b) => b ^ 0x36);
  const opad = k.map((b) => b ^ 0x5c);
  return digestOf(ALG.SHA512, opad, digestOf(ALG.SHA512, ipad, ...data));
}

/**
 * TPMT_TK_HASHCHECK. A real hierarchy gets HMAC(proof, TPM_ST_HASHCHECK || digest); the proof is
 * derived from the TPM's secret seed, so the ticket digest differs from swtpm's (it is secret).
 */
function writeTicket(w: ByteWriter, state: TpmState, hierarchy: number, digest: Uint8Array): void {
  if (hierarchy === RH.NULL) {
    writeHashcheck(w, ST.HASHCHECK, hierarchy, new Uint8Array(0));
    return;
  }
  const h = new Uint8Array(4);
  new DataView(h.buffer).setUint32(0, hierarchy);
  const proof = digestOf(ALG.SHA512, state.persistent.proofSeed, h);
  const tag = Uint8Array.of(ST.HASHCHECK >> 8, ST.HASHCHECK & 0xff);
  writeHashcheck(w, ST.HASHCHECK, hierarchy, hmacSha512(proof, tag, digest));
}

/** TPM2_Hash. */
export const Hash = command({
  cc: 0x17d,
  name: 'Hash',
  parse: (p) => {
    const data = p.next((r) => r.tpm2b(MAX_BUFFER));
    const hashAlg = p.next((r) => readAlgHash(r, false));
    const hierarchy = p.next((r) => readHierarchy(r, true));
    return ({ state }) => {
      const d = digestOf(hashAlg, data);
      const w = new ByteWriter(2 + d.length + 80);
      w.u16be(d.length).bytes(d);
      const nullTicket = hierarchy === RH.NULL || (data.length >= 4 && !ticketIsSafe(data));
      writeTicket(w, state, nullTicket ? RH.NULL : hierarchy, d);
      return { params: w.finish() };
    };
  },
});

/** TPM2_HashSequenceStart: a hash sequence, or an event sequence for TPM_ALG_NULL. */
export const HashSequenceStart = command({
  cc: 0x186,
  name: 'HashSequenceStart',
  responseHandle: true,
  parse: (p) => {
    const auth = p.next((r) => r.tpm2b(MAX_DIGEST));
    const hashAlg = p.next((r) => readAlgHash(r, true));
    return ({ state }) => {
      const kind = hashAlg === ALG.NULL ? 'event' : 'hash';
      const handle = createSequence(state.volatile, kind, hashAlg, auth);
      if (handle === undefined) return RC.OBJECT_MEMORY;
      return { params: new Uint8Array(0), handle };
    };
  },
});

/** TPM2_SequenceUpdate. */
export const SequenceUpdate = command({
  cc: 0x15c,
  name: 'SequenceUpdate',
  handles: ['object'],
  authHandles: 1,
  parse: (p) => {
    const buffer = p.next((r) => r.tpm2b(MAX_BUFFER));
    return ({ state, handles }) => {
      const seq = sequenceAt(state.volatile, handles[0] ?? 0);
      if (seq === undefined) return RC.MODE + RC_H + RC_1;
      if (seq.kind === 'hash' && !seq.firstBlock) {
        seq.firstBlock = true;
        if (ticketIsSafe(buffer)) seq.ticketSafe = true;
      }
      return sequenceUpdate(seq, buffer) ? EMPTY : RC.MEMORY;
    };
  },
});

/** TPM2_SequenceComplete: the digest and a hash-check ticket; the sequence is flushed. */
export const SequenceComplete = command({
  cc: 0x13e,
  name: 'SequenceComplete',
  handles: ['object'],
  authHandles: 1,
  parse: (p) => {
    const buffer = p.next((r) => r.tpm2b(MAX_BUFFER));
    const hierarchy = p.next((r) => readHierarchy(r, true));
    return ({ state, handles }) => {
      const handle = handles[0] ?? 0;
      const seq = sequenceAt(state.volatile, handle);
      if (seq?.kind !== 'hash') return RC.MODE + RC_H + RC_1;
      const d = sequenceDigest(seq, seq.hashAlg, buffer);
      if (!seq.firstBlock && ticketIsSafe(buffer)) seq.ticketSafe = true;
      const w = new ByteWriter(2 + digestLength(seq.hashAlg) + 80);
      w.u16be(d.length).bytes(d);
      writeTicket(w, state, hierarchy !== RH.NULL && seq.ticketSafe ? hierarchy : RH.NULL, d);
      flushObject(state.volatile, handle);
      return { params: w.finish() };
    };
  },
});

/** TPM2_EventSequenceComplete: digests in every implemented bank, extended into the PCR. */
export const EventSequenceComplete = command({
  cc: 0x185,
  name: 'EventSequenceComplete',
  handles: ['pcr+', 'object'],
  authHandles: 2,
  parse: (p) => {
    const buffer = p.next((r) => r.tpm2b(MAX_BUFFER));
    return (ctx) => {
      const { state, handles } = ctx;
      const pcr = handles[0] ?? RH.NULL;
      const handle = handles[1] ?? 0;
      const seq = sequenceAt(state.volatile, handle);
      if (seq?.kind !== 'event') return RC.MODE + RC_H + 2 * RC_1;
      if (pcr !== RH.NULL) {
        if (!pcrExtendAllowed(pcr, ctx.locality)) return RC.LOCALITY;
        if (pcrIsStateSaved(pcr)) ctx.clearOrderly = true;
      }
      const list = eventDigests(seq, buffer);
      if (pcr !== RH.NULL) for (const d of list) pcrExtend(state.volatile, pcr, d.alg, d.digest);
      flushObject(state.volatile, handle);
      const w = new ByteWriter(200);
      writeDigestValues(w, list);
      return { params: w.finish() };
    };
  },
});
