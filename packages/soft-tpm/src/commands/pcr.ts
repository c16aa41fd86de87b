/**
 * TPM2_PCR_Read, PCR_Extend, PCR_Event, PCR_Reset, PCR_Allocate (Part 3, 22) as libtpms 0.9
 * IntegrityCommands.c behaves. Locality rules come from pcr.ts; a digest for a bank that is not
 * allocated is ignored (PCR_Extend), and PCR_Event answers a digest for every implemented hash
 * whether or not its bank is allocated.
 */
import { ByteWriter } from '@tcg2sim/binary-codec';
import { HASH_COUNT_ALGS, digestLength, digestOf } from '../algs.ts';
import { command, EMPTY, type ExecContext } from '../command.ts';
import { RC, RH } from '../constants.ts';
import {
  pcrAllocate, pcrChanged, pcrExtend, pcrExtendAllowed, pcrIsStateSaved, pcrRead, pcrResetAllowed, pcrSetZero,
} from '../pcr.ts';
import { writeDigestValues, writeDigests, writePcrSelections } from '../marshal.ts';
import { MAX_BUFFER, readDigestValues, readPcrSelectionList } from '../wire.ts';

/** RETURN_IF_ORDERLY for a stateSave PCR: the orderly state is cleared by this command. */
function touchOrderly(ctx: ExecContext, pcr: number): void {
  if (pcrIsStateSaved(pcr)) ctx.clearOrderly = true;
}

/** TPM2_PCR_Read: up to 8 digests, the selection trimmed to what was returned. */
export const PCR_Read = command({
  cc: 0x17e,
  name: 'PCR_Read',
  parse: (p) => {
    const sel = p.next(readPcrSelectionList);
    return ({ state }) => {
      const digests = pcrRead(state.volatile, sel);
      const w = new ByteWriter(64 + digests.length * 66);
      w.u32be(state.volatile.pcrCounter);
      writePcrSelections(w, sel);
      writeDigests(w, digests);
      return { params: w.finish() };
    };
  },
});

/** TPM2_PCR_Extend: TPM_RH_NULL is accepted and does nothing. */
export const PCR_Extend = command({
  cc: 0x182,
  name: 'PCR_Extend',
  handles: ['pcr+'],
  authHandles: 1,
  parse: (p) => {
    const digests = p.next(readDigestValues);
    const cmd = p.r.buf;
    return (ctx) => {
      const pcr = ctx.handles[0] ?? RH.NULL;
      if (pcr === RH.NULL) return EMPTY;
      if (!pcrExtendAllowed(pcr, ctx.locality)) return RC.LOCALITY;
      touchOrderly(ctx, pcr);
      for (const d of digests) pcrExtend(ctx.state.volatile, pcr, d.hashAlg, cmd, d.at, d.at + digestLength(d.hashAlg));
      return EMPTY;
    };
  },
});

/** TPM2_PCR_Event: hash eventData in every implemented bank, extend when a PCR is named. */
export const PCR_Event = command({
  cc: 0x13c,
  name: 'PCR_Event',
  handles: ['pcr+'],
  authHandles: 1,
  parse: (p) => {
    const data = p.next((r) => r.tpm2b(MAX_BUFFER));
    return (ctx) => {
      const pcr = ctx.handles[0] ?? RH.NULL;
      if (pcr !== RH.NULL) {
        if (!pcrExtendAllowed(pcr, ctx.locality)) return RC.LOCALITY;
        touchOrderly(ctx, pcr);
      }
      const list = HASH_COUNT_ALGS.map((alg) => ({ alg, digest: digestOf(alg, data) }));
      if (pcr !== RH.NULL) for (const d of list) pcrExtend(ctx.state.volatile, pcr, d.alg, d.digest);
      const w = new ByteWriter(256);
      writeDigestValues(w, list);
      return { params: w.finish() };
    };
  },
});

/** TPM2_PCR_Reset: only PCRs whose reset mask has the command's locality. */
export const PCR_Reset = command({
  cc: 0x13d,
  name: 'PCR_Reset',
  handles: ['pcr'],
  authHandles: 1,
  parse: () => (ctx) => {
    const pcr = ctx.handles[0] ?? 0;
    if (!pcrResetAllowed(pcr, ctx.locality)) return RC.LOCALITY;
    touchOrderly(ctx, pcr);
    pcrSetZero(ctx.state.volatile, pcr);
    pcrChanged(ctx.state.volatile, pcr);
    return EMPTY;
  },
});

/** TPM2_PCR_Allocate: the new allocation is stored for the next TPM_Init (libtpms PCRAllocate). */
export const PCR_Allocate = command({
  cc: 0x12b,
  name: 'PCR_Allocate',
  handles: ['platform'],
  authHandles: 1,
  parse: (p) => {
    const request = p.next(readPcrSelectionList);
    return ({ state }) => {
      const r = pcrAllocate(state, request);
      if (r === undefined) return RC.PCR;
      state.volatile.pcrReConfig = true;
      const w = new ByteWriter(13);
      w.u8(1).u32be(r.maxPcr).u32be(r.sizeNeeded).u32be(r.sizeAvailable);
      return { params: w.finish() };
    };
  },
});
