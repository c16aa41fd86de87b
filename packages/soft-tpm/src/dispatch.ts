/**
 * ExecuteCommand (libtpms ExecCommand.c): the order in which a command is checked, and the
 * response it gets.
 *
 * 1. tag (TPM_ST, then TPMI_ST_COMMAND_TAG: TPM_RC_VALUE / TPM_RC_BAD_TAG), commandSize
 *    (TPM_RC_COMMAND_SIZE unless it equals the bytes received and is at most 4096), command code
 *    (TPM_RC_COMMAND_CODE);
 * 2. TPM_RC_INITIALIZE before Startup, or for a second Startup;
 * 3. handle area (TPM_RC_VALUE + handle number), then whether each handle exists
 *    (TPM_RC_HANDLE + n, TPM_RC_REFERENCE_H0 + i);
 * 4. authorization area for TPM_ST_SESSIONS (authSize < 9 or past the end: TPM_RC_SIZE;
 *    sessions on a NO_SESSIONS command: TPM_RC_AUTH_CONTEXT), or TPM_RC_AUTH_MISSING when a
 *    handle needs authorization and the tag is TPM_ST_NO_SESSIONS;
 * 5. parameters (error + TPM_RC_P + n; bytes left over: TPM_RC_SIZE), then the command.
 *
 * An error response is always 10 bytes with tag TPM_ST_NO_SESSIONS.
 */
import { allocBytes } from '@tcg2sim/binary-codec';
import { ParamReader, type CommandDef, type ExecContext } from './command.ts';
import { HEADER_SIZE, RC, RC_1, RC_H, RH, ST, rcAdd } from './constants.ts';
import { findNv } from './nv.ts';
import { retrieveSessions, checkSessions, type Session } from './sessions.ts';
import { sequenceAt } from './sequences.ts';
import type { TpmState } from './state.ts';
import { CommandReader, RcError, readCommandTag, readHandle } from './wire.ts';

/** MAX_COMMAND_SIZE as swtpm sets it (TPM2_GetBufferSize: 4096). */
export const MAX_COMMAND_SIZE = 4096;

/**
 * A 10-byte error response. Responses are cut from shared slabs (binary-codec allocBytes: cheaper
 * than an array of their own, and decoders' views of them need no ArrayBuffer of their own).
 */
export function errorResponse(rc: number): Uint8Array {
  const out = allocBytes(HEADER_SIZE);
  out[0] = ST.NO_SESSIONS >>> 8;
  out[1] = ST.NO_SESSIONS & 0xff;
  put32(out, 2, HEADER_SIZE);
  put32(out, 6, rc >>> 0);
  return out;
}

/** Big-endian UINT32 at `at`. */
function put32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = v >>> 16;
  out[at + 2] = v >>> 8;
  out[at + 3] = v;
}

function successResponse(tag: number, handle: number | undefined, params: Uint8Array, sessions: readonly Session[]): Uint8Array {
  const withSessions = tag === ST.SESSIONS;
  const size = HEADER_SIZE + (handle === undefined ? 0 : 4) + (withSessions ? 4 : 0) + params.length + (withSessions ? sessions.length * 5 : 0);
  // A new array is zero-filled: responseCode (TPM_RC_SUCCESS) and the session fields left 0.
  const out = allocBytes(size);
  out[0] = tag >>> 8;
  out[1] = tag;
  put32(out, 2, size);
  let off = HEADER_SIZE;
  if (handle !== undefined) {
    put32(out, off, handle);
    off += 4;
  }
  if (withSessions) {
    put32(out, off, params.length);
    off += 4;
  }
  if (params.length > 0) out.set(params, off);
  off += params.length;
  if (withSessions) {
    // A password session's response: empty nonceTPM, continueSession, empty hmac.
    for (let i = 0; i < sessions.length; i++) {
      out[off + 2] = 0x01;
      off += 5;
    }
  }
  return out;
}

/** Permanent handles EntityGetLoadStatus accepts (besides the authenticated-timer range). */
const KNOWN_PERMANENT: readonly number[] = [RH.OWNER, RH.ENDORSEMENT, RH.PLATFORM, RH.NULL, RH.PW, RH.LOCKOUT];

/** EntityGetLoadStatus. */
function loadStatus(state: TpmState, handles: readonly number[]): number {
  for (let i = 0; i < handles.length; i++) {
    const h = handles[i] ?? 0;
    const n = RC_H + (i + 1) * RC_1;
    const type = h >>> 24;
    let rc: number = RC.SUCCESS;
    if (type === 0x40) {
      if (h === RH.OWNER && !state.volatile.shEnable) rc = RC.HIERARCHY;
      else if (h === RH.ENDORSEMENT && !state.volatile.ehEnable) rc = RC.HIERARCHY;
      else if (h === RH.PLATFORM && !state.volatile.phEnable) rc = RC.HIERARCHY;
      else if (!KNOWN_PERMANENT.includes(h) && !(h >= 0x40000110 && h <= 0x4000011f)) rc = RC.VALUE;
    } else if (type === 0x80) {
      if (sequenceAt(state.volatile, h) === undefined) return RC.REFERENCE_H0 + i;
    } else if (type === 0x81) {
      // ObjectLoadEvict takes an object slot before looking the handle up in NV.
      if (!state.volatile.objects.includes(null)) return RC.OBJECT_MEMORY;
      rc = RC.HANDLE; // no persistent objects
    } else if (type === 0x01) {
      if (findNv(state.persistent, h) === undefined) rc = RC.HANDLE;
    }
    if (rc !== RC.SUCCESS) return rcAdd(rc, n);
  }
  return RC.SUCCESS;
}

/**
 * Run one command at `locality` against `state`. Never throws for any input bytes.
 * @param table the implemented commands by code
 */
export function executeCommand(
  state: TpmState,
  table: ReadonlyMap<number, CommandDef>,
  cmd: Uint8Array,
  locality: number,
  clockMs: number
): Uint8Array {
  const r = new CommandReader(cmd);
  const ctx: ExecContext = { state, locality, handles: [], clockMs, clearOrderly: false };
  let response: Uint8Array;
  try {
    response = run(state, table, r, ctx);
  } catch (e: unknown) {
    if (!(e instanceof RcError)) throw e;
    response = errorResponse(e.rc);
  }
  if (ctx.clearOrderly) state.persistent.orderly = 'none';
  return response;
}

function run(
  state: TpmState, table: ReadonlyMap<number, CommandDef>, r: CommandReader, ctx: ExecContext): Uint8Array {
  const tag = readCommandTag(r);
  const size = r.u32();
  if (size !== r.buf.length || size > (state.persistent.ioBufferSize ?? MAX_COMMAND_SIZE)) return errorResponse(RC.COMMAND_SIZE);
  const cc = r.u32();
  const def = table.get(cc);
  if (def === undefined) return errorResponse(RC.COMMAND_CODE);
  if (state.volatile.started === (cc === 0x144)) return errorResponse(RC.INITIALIZE);

  const handles = ctx.handles;
  for (let i = 0; i < def.handles.length; i++) {
    const kind = def.handles[i] ?? 'pcr';
    try {
      handles.push(readHandle(r, kind));
    } catch (e: unknown) {
      if (e instanceof RcError) return errorResponse(e.rc + RC_H + (i + 1) * RC_1);
      throw e;
    }
  }
  const load = loadStatus(state, handles);
  if (load !== RC.SUCCESS) return errorResponse(load);

  let sessions: Session[] = [];
  if (tag === ST.SESSIONS) {
    const authSize = r.u32();
    if (authSize < 9 || authSize > r.remaining) return errorResponse(RC.SIZE);
    if (def.noSessions) return errorResponse(RC.AUTH_CONTEXT);
    sessions = retrieveSessions(r, r.pos + authSize);
    const rc = checkSessions(state, def, handles, sessions);
    if (rc !== RC.SUCCESS) return errorResponse(rc);
  } else if (def.authHandles > 0 && handles.length > 0) {
    return errorResponse(RC.AUTH_MISSING);
  }

  const action = def.parse(new ParamReader(r));
  if (r.remaining !== 0) return errorResponse(RC.SIZE);
  const result = action(ctx);
  if (typeof result === 'number') return errorResponse(result);
  return successResponse(tag, result.handle, result.params, sessions);
}
