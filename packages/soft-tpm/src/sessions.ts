/**
 * The authorization area (libtpms SessionProcess.c: RetrieveSessionData, ParseSessionBuffer,
 * CheckAuthSession). The soft TPM has password sessions only (TPM_RS_PW); an HMAC or policy
 * session handle is never loaded, so it answers TPM_RC_REFERENCE_S0 + n as libtpms does for a
 * session it does not have.
 */
import { HR, NV_ATTR, RC, RC_1, RC_S, RH, SESSION_ATTR, rcAdd } from './constants.ts';
import type { CommandDef } from './command.ts';
import { findNv } from './nv.ts';
import { sequenceAt } from './sequences.ts';
import type { TpmState } from './state.ts';
import { CommandReader, MAX_DIGEST, RcError, fail, readSessionAttributes, readSessionHandle } from './wire.ts';

/** One parsed session of the command's authorization area. */
export interface Session {
  handle: number;
  attributes: number;
  hmac: Uint8Array;
}

/** gp.maxTries as libtpms manufactures it (no TPM2_DictionaryAttackParameters here). */
const MAX_TRIES = 3;

/** Attributes a password session must not have. */
const PW_BAD_ATTRIBUTES = SESSION_ATTR.ENCRYPT | SESSION_ATTR.DECRYPT | SESSION_ATTR.AUDIT | SESSION_ATTR.AUDIT_EXCLUSIVE | SESSION_ATTR.AUDIT_RESET;

/** The empty authValue (never written to). */
const NO_AUTH = new Uint8Array(0);

/** MAX_SESSION_NUM in libtpms. */
const MAX_SESSIONS = 3;

/** The session-number modifier for session index i (0-based): TPM_RC_S + TPM_RC_(i+1). */
function sIndex(i: number): number {
  return RC_S + (i + 1) * RC_1;
}

/** RetrieveSessionData: unmarshal every session in the `authSize` window. */
export function retrieveSessions(r: CommandReader, authEnd: number): Session[] {
  const out: Session[] = [];
  const a = new CommandReader(r.buf, r.pos, authEnd);
  for (let i = 0; a.remaining > 0; i++) {
    if (i === MAX_SESSIONS) fail(RC.SIZE + sIndex(i));
    let handle: number;
    let nonceSize: number;
    let attributes: number;
    let hmac: Uint8Array;
    try {
      handle = readSessionHandle(a);
      nonceSize = a.tpm2bSize(MAX_DIGEST);
      attributes = readSessionAttributes(a);
      hmac = a.tpm2b(MAX_DIGEST);
    } catch (e: unknown) {
      // An unmarshal failure gets this session's number.
      if (e instanceof RcError) throw new RcError(e.rc + sIndex(i));
      throw e;
    }
    if (handle === RH.PW) {
      if ((attributes & PW_BAD_ATTRIBUTES) !== 0) fail(RC.ATTRIBUTES + sIndex(i));
      if (nonceSize !== 0) fail(RC.NONCE + sIndex(i));
      out.push({ handle, attributes, hmac });
      continue;
    }
    // No HMAC or policy session is ever loaded in the soft TPM.
    fail(RC.REFERENCE_S0 + i);
  }
  r.pos = authEnd;
  return out;
}

function stripTrailingZeros(b: Uint8Array): Uint8Array {
  let n = b.length;
  while (n > 0 && b[n - 1] === 0) n--;
  return b.subarray(0, n);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** EntityGetAuthValue for the handles the soft TPM knows. */
function authValue(state: TpmState, handle: number): Uint8Array {
  if (handle === RH.PLATFORM) return state.volatile.platformAuth;
  if (handle >= HR.TRANSIENT_FIRST && handle <= HR.TRANSIENT_LAST) return sequenceAt(state.volatile, handle)?.auth ?? NO_AUTH;
  if (handle >= HR.NV_FIRST && handle <= HR.NV_LAST) return findNv(state.persistent, handle)?.auth ?? NO_AUTH;
  // owner, endorsement, lockout authValues are never set (no HierarchyChangeAuth); PCRs have none.
  return NO_AUTH;
}

/** IsDAExempted: permanent handles but lockout, PCRs, noDA objects (sequences), NO_DA indices. */
function daExempt(state: TpmState, handle: number): boolean {
  if (handle >= HR.NV_FIRST && handle <= HR.NV_LAST) {
    return ((findNv(state.persistent, handle)?.pub.attributes ?? 0) & NV_ATTR.NO_DA) !== 0;
  }
  return handle !== RH.LOCKOUT;
}

/** IsAuthValueAvailable for an NV index: AUTHREAD for NV_Read, AUTHWRITE for NV_Write. */
function authValueAvailable(state: TpmState, handle: number, cmd: CommandDef): boolean {
  if (handle < HR.NV_FIRST || handle > HR.NV_LAST) return true;
  const a = findNv(state.persistent, handle)?.pub.attributes ?? 0;
  if (cmd.name === 'NV_Read') return (a & NV_ATTR.AUTHREAD) !== 0;
  if (cmd.name === 'NV_Write') return (a & NV_ATTR.AUTHWRITE) !== 0;
  return true;
}

/**
 * ParseSessionBuffer after RetrieveSessionData: every handle that needs authorization has a
 * session (TPM_RC_AUTH_MISSING), each password session belongs to a handle (TPM_RC_HANDLE + S),
 * and the password matches (trailing zeros ignored): TPM_RC_BAD_AUTH for DA-exempt entities,
 * TPM_RC_AUTH_FAIL otherwise, with the session number.
 */
export function checkSessions(state: TpmState, cmd: CommandDef, handles: readonly number[], sessions: readonly Session[]): number {
  for (let i = 0; i < cmd.authHandles && i < handles.length; i++) {
    if (i > sessions.length - 1) return RC.AUTH_MISSING;
  }
  for (let i = 0; i < sessions.length; i++) {
    const s = sessions[i];
    if (s === undefined) break;
    const associated = i < cmd.authHandles ? handles[i] : undefined;
    if (associated === undefined) return RC.HANDLE + sIndex(i);
    const exempt = daExempt(state, associated);
    if (!exempt) {
      // CheckLockedOut with USE_DA_USED: the first DA-protected authorization after Startup
      // only marks the orderly state and asks for a retry.
      if (state.persistent.failedTries >= MAX_TRIES) return RC.LOCKOUT;
      if (!state.volatile.daUsed) {
        state.volatile.daUsed = true;
        state.persistent.daUsedMark = true;
        state.persistent.orderly = 'none';
        return RC.RETRY;
      }
    }
    if (!authValueAvailable(state, associated, cmd)) return RC.AUTH_UNAVAILABLE;
    const expected = authValue(state, associated);
    const match = s.hmac.length === 0 && expected.length === 0 ? true : equal(stripTrailingZeros(s.hmac), stripTrailingZeros(expected));
    if (!match) {
      if (exempt) return rcAdd(RC.BAD_AUTH, sIndex(i));
      state.persistent.failedTries += 1;
      return rcAdd(RC.AUTH_FAIL, sIndex(i));
    }
  }
  return RC.SUCCESS;
}
