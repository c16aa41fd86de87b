/**
 * How a command is declared for the dispatcher: its code, handle area (TPMI_ type of each handle
 * and how many need authorization), and a parser that unmarshals the parameters in order and
 * returns the action to run. Parameters are all unmarshalled (and trailing bytes refused) before
 * anything executes, as libtpms' CommandDispatcher does.
 */
import { RC_1, RC_P, rcAdd } from './constants.ts';
import type { TpmState } from './state.ts';
import type { CommandReader} from './wire.ts';
import { RcError, type HandleKind } from './wire.ts';

/** What a command's action sees. */
export interface ExecContext {
  readonly state: TpmState;
  readonly locality: number;
  /** The handles of the handle area, in order. */
  readonly handles: number[];
  /** Milliseconds on the TPM's clock when the command runs (ReadClock). */
  readonly clockMs: number;
  /** Set by RETURN_IF_ORDERLY: the orderly state is cleared after the command. */
  clearOrderly: boolean;
}

/** A command's outcome: response parameters (and a response handle), or a response code. */
export type CommandResult = { params: Uint8Array; handle?: number } | number;

/** Reads the parameter area, numbering each parameter for TPM_RC_P + n errors. */
export class ParamReader {
  readonly r: CommandReader;
  #n = 0;
  constructor(r: CommandReader) {
    this.r = r;
  }
  /** Unmarshal the next parameter with `fn`; a failure gets this parameter's number. */
  next<T>(fn: (r: CommandReader) => T): T {
    this.#n += 1;
    try {
      return fn(this.r);
    } catch (e: unknown) {
      if (e instanceof RcError) throw new RcError(rcAdd(e.rc, RC_P + this.#n * RC_1));
      throw e;
    }
  }
}

/** One implemented command. */
export interface CommandDef {
  readonly cc: number;
  readonly name: string;
  readonly handles: readonly HandleKind[];
  /** Handles 1..authHandles need an authorization session (HANDLE_1_USER, HANDLE_2_USER). */
  readonly authHandles: number;
  /** NO_SESSIONS: a TPM_ST_SESSIONS tag is TPM_RC_AUTH_CONTEXT. */
  readonly noSessions: boolean;
  /** R_HANDLE: the response carries a handle. */
  readonly responseHandle: boolean;
  /** Unmarshal the parameters; return the action. */
  readonly parse: (p: ParamReader) => (ctx: ExecContext) => CommandResult;
}

/** Declare a command (defaults: no handles, no auth, sessions allowed, no response handle). */
export function command(
  d: Pick<CommandDef, 'cc' | 'name' | 'parse'> & Partial<Omit<CommandDef, 'cc' | 'name' | 'parse'>>
): CommandDef {
  return {
    handles: [],
    authHandles: 0,
    noSessions: false,
    responseHandle: false,
    ...d,
  };
}

/** No response parameters. */
export const EMPTY: CommandResult = { params: new Uint8Array(0) };
