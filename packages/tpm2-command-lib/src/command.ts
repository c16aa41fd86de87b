/**
 * Command declarations and the one command runner (docs/style.md §4 rule 11, after go-tpm
 * `tpm2/reflect.go` `execute`). A declaration names the command code, the handle area (with the
 * authorization role of each handle, Part 3 "Auth Index"/"Auth Role"), the parameter area and the
 * response; {@link encodeCommand}, {@link decodeResponse} and {@link execute} do the rest
 * (TPM 2.0 Library Part 1, 18: command/response structure).
 */
import { ByteReader, ByteWriter, DecodeError, Tcg2Error, allocBytes, decode, struct, u16be, u32be, withPath, withPath2 } from '@tcg2sim/binary-codec';
import type { Codec, Infer } from '@tcg2sim/binary-codec';
import { MAX_RESPONSE_SIZE, TPM_HEADER_SIZE, TPM_ST } from './constants.ts';
import { TpmResponseError } from './rc.ts';
import { TPMSAuthCommand, TPMSAuthResponse, passwordSession } from './session.ts';

/** The one transport contract above the driver (docs/architecture.md §3). */
export interface TpmTransport {
  /** Sends a complete command buffer and resolves with the complete response buffer. */
  submit(command: Uint8Array): Promise<Uint8Array>;
}

/** Authorization role of a handle (Part 1, 19.2): USER, ADMIN or DUP. */
export type AuthRole = 'USER' | 'ADMIN' | 'DUP';

/** One handle of the handle area; `auth` is set when the handle needs an authorization session. */
export interface HandleDecl<N extends string = string> {
  readonly name: N;
  readonly auth?: AuthRole;
}

/** A Part 3 command, declared once. */
export interface CommandDecl<HN extends string, P, RHN extends string, R> {
  /** Spec name (`TPM2_PCR_Extend`). */
  readonly name: string;
  readonly cc: number;
  readonly handles: readonly HandleDecl<HN>[];
  readonly params: Codec<P>;
  readonly responseHandles: readonly RHN[];
  readonly response: Codec<R>;
}

/** Any command declaration (for registries and tracing). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the variance escape hatch for heterogeneous registries
export type AnyCommandDecl = CommandDecl<string, any, string, any>;

/** Declares a command; `const` type parameters keep the handle names as literal types. */
export function defineCommand<const HN extends string, P, const RHN extends string, R>(d: CommandDecl<HN, P, RHN, R>): CommandDecl<HN, P, RHN, R> {
  return d;
}

/** An empty parameter or response area. */
export const NoParams = struct('(none)', {});

/** The parts of a command's input every command has. */
interface CommandInputCommon<P> {
  readonly params: P;
  /**
   * The authorization area. Defaults to one empty password session per handle that needs
   * authorization (what EDK II sends); pass `[]` or extra sessions to send something else.
   */
  readonly sessions?: readonly TPMSAuthCommand[];
  /** Override the command tag (to provoke errors); defaults from the session count. */
  readonly tag?: number;
}

/**
 * What a caller passes to run a command. `handles` names every handle of the handle area; a
 * command without handles (TPM2_PCR_Read, TPM2_GetCapability, …) needs none: `handles` is then
 * optional.
 */
export type CommandInput<HN extends string, P> = CommandInputCommon<P> &
  (HandleNamesKnown<HN> extends true ? { readonly handles: Readonly<Record<HN, number>> } : { readonly handles?: Readonly<Record<string, number>> });

/**
 * Whether a declaration names its handles: `handles: []` infers no names (`never`, or `string`
 * where inference falls back to the constraint), a handle area gives literal names.
 */
type HandleNamesKnown<HN extends string> = [HN] extends [never] ? false : string extends HN ? false : true;

/** Why a command could not be encoded from the caller's input. */
export type CommandInputErrorCode = 'MISSING_HANDLE';

/** The caller's input does not fit the command (a handle of the handle area not given). */
export class CommandInputError extends Tcg2Error {
  override readonly name = 'CommandInputError';
  readonly code: CommandInputErrorCode;
  /** The command's spec name (`TPM2_PCR_Extend`). */
  readonly command: string;

  constructor(code: CommandInputErrorCode, command: string, message: string) {
    super(`${command}: ${message}`);
    this.code = code;
    this.command = command;
  }
}

/** What a successful command returns. */
export interface CommandOutput<RHN extends string, R> {
  readonly handles: Readonly<Record<RHN, number>>;
  readonly params: R;
  readonly sessions: readonly TPMSAuthResponse[];
}

/** The command/response header (Part 1, 18.1-18.3). */
export const TPMHeader = struct('TPM_HEADER', { tag: u16be, size: u32be, code: u32be });
export type TPMHeader = Infer<typeof TPMHeader>;

/** The default authorization areas, per declaration: one empty password session per authorized handle. */
const DEFAULT_SESSIONS = new WeakMap<object, readonly TPMSAuthCommand[]>();

function sessionsFor(decl: { readonly handles: readonly HandleDecl[] }, sessions: readonly TPMSAuthCommand[] | undefined): readonly TPMSAuthCommand[] {
  if (sessions !== undefined) return sessions;
  let d = DEFAULT_SESSIONS.get(decl);
  if (d === undefined) {
    // Only encoded, never handed out: one frozen list serves every command of this declaration.
    d = Object.freeze(decl.handles.filter((h) => h.auth !== undefined).map(() => Object.freeze(passwordSession())));
    DEFAULT_SESSIONS.set(decl, d);
  }
  return d;
}

/**
 * One writer reused by every encodeCommand (commands are encoded synchronously, so it is free
 * again when the next one starts): only the finished command is allocated. A nested use (a codec
 * encoding a command inside encodeCommand) gets a writer of its own.
 */
let spareWriter: ByteWriter | undefined = new ByteWriter(1024);
/** Capacity above which a used writer is not kept (a rare large command should not stay resident). */
const SPARE_WRITER_MAX = 8192;

/**
 * Encodes one command: header, handle area, authorization area (UINT32 authorizationSize and the
 * sessions) when there are sessions, parameter area.
 * @throws CommandInputError (MISSING_HANDLE) when a handle of the handle area is not given
 * @throws TypeError/RangeError on a parameter out of range
 */
export function encodeCommand<HN extends string, P, RHN extends string, R>(decl: CommandDecl<HN, P, RHN, R>, input: CommandInput<HN, P>): Uint8Array {
  return encodeWith(decl, input, sessionsFor(decl, input.sessions));
}

function encodeWith<HN extends string, P, RHN extends string, R>(
  decl: CommandDecl<HN, P, RHN, R>, input: CommandInput<HN, P>, sessions: readonly TPMSAuthCommand[]): Uint8Array {
  const w = spareWriter?.reset() ?? new ByteWriter();
  spareWriter = undefined;
  try {
    const tag = input.tag ?? (sessions.length > 0 ? TPM_ST.SESSIONS : TPM_ST.NO_SESSIONS);
    w.u16be(tag);
    const sizeAt = w.length;
    w.u32be(0);
    w.u32be(decl.cc);
    const handles: Readonly<Partial<Record<string, number>>> | undefined = input.handles;
    for (const h of decl.handles) {
      const v = handles?.[h.name];
      if (typeof v !== 'number') throw new CommandInputError('MISSING_HANDLE', decl.name, `handle "${h.name}" not given (the command has ${decl.handles.length} handle${decl.handles.length === 1 ? '' : 's'}: ${decl.handles.map((x) => x.name).join(', ')})`);
      w.u32be(v);
    }
    if (sessions.length > 0) {
      const authAt = w.length;
      w.u32be(0);
      for (const s of sessions) TPMSAuthCommand.encode(w, s);
      w.patchU32be(authAt, w.length - authAt - 4);
    }
    decl.params.encode(w, input.params);
    w.patchU32be(sizeAt, w.length);
    // The command is cut from a shared slab (binary-codec allocBytes): its `buffer` is not its own.
    const out = allocBytes(w.length);
    out.set(w.view());
    return out;
  } finally {
    if (w.capacity <= SPARE_WRITER_MAX) spareWriter = w;
  }
}

/**
 * Decodes a response to `decl`. A non-zero response code throws {@link TpmResponseError}; a
 * malformed response throws DecodeError (the TPM or the transport is at fault).
 * @param sessionCount how many sessions the command carried (their responses follow the parameters)
 */
export function decodeResponse<HN extends string, P, RHN extends string, R>(
  decl: CommandDecl<HN, P, RHN, R>,
  bytes: Uint8Array,
  sessionCount: number
): CommandOutput<RHN, R> {
  // try/catch with withPath gives the paths nested inPath calls would, without a closure per field.
  try {
    return decodeResponseIn(decl, bytes, sessionCount);
  } catch (err) {
    throw withPath(err, decl.name);
  }
}

function decodeResponseIn<HN extends string, P, RHN extends string, R>(
  decl: CommandDecl<HN, P, RHN, R>,
  bytes: Uint8Array,
  sessionCount: number
): CommandOutput<RHN, R> {
  const r = new ByteReader(bytes);
  // A whole header is read field by field (no struct decode on the common path); a short one goes
  // through TPMHeader for its error path.
  const hdr = bytes.length >= TPM_HEADER_SIZE ? { tag: r.u16be(), size: r.u32be(), code: r.u32be() } : TPMHeader.decode(r);
  if (hdr.size !== bytes.length) {
    throw new DecodeError('BAD_VALUE', `responseSize ${hdr.size} but ${bytes.length} bytes received`, 2, ['responseSize']);
  }
  if (hdr.code !== 0) throw new TpmResponseError(hdr.code, { commandCode: decl.cc, tag: hdr.tag });
  const expectTag = sessionCount > 0 ? TPM_ST.SESSIONS : TPM_ST.NO_SESSIONS;
  if (hdr.tag !== expectTag) {
    throw new DecodeError('BAD_VALUE', `response tag 0x${hdr.tag.toString(16)}, expected 0x${expectTag.toString(16)}`, 0, ['tag']);
  }
  const handles: Partial<Record<RHN, number>> = {};
  for (const name of decl.responseHandles) {
    try {
      handles[name] = r.u32be();
    } catch (err) {
      throw withPath(err, name);
    }
  }
  let params: R;
  const sessions: TPMSAuthResponse[] = [];
  if (sessionCount > 0) {
    const at = r.offset;
    let parameterSize: number;
    try {
      parameterSize = r.u32be();
    } catch (err) {
      throw withPath(err, 'parameterSize');
    }
    if (parameterSize > r.remaining) throw new DecodeError('SHORT_BUFFER', `parameterSize ${parameterSize} exceeds the ${r.remaining} bytes left`, at, ['parameterSize']);
    try {
      params = decode(decl.response, r.bytes(parameterSize));
    } catch (err) {
      throw withPath(err, 'parameters');
    }
    for (let i = 0; i < sessionCount; i++) {
      try {
        sessions.push(TPMSAuthResponse.decode(r));
      } catch (err) {
        throw withPath2(err, 'sessions', i);
      }
    }
    if (r.remaining !== 0) throw new DecodeError('TRAILING_BYTES', `${r.remaining} bytes after the sessions`, r.offset);
  } else {
    try {
      params = decode(decl.response, r.rest());
    } catch (err) {
      throw withPath(err, 'parameters');
    }
  }
  return { handles: handles as Record<RHN, number>, params, sessions };
}

/**
 * Runs one command over `transport`: encode, submit, check the response code, decode.
 * @throws CommandInputError when the input lacks a handle the command has (nothing is sent)
 * @throws TpmResponseError when the TPM answers with a non-zero TPM_RC
 * @throws DecodeError when the response is malformed
 */
export async function execute<HN extends string, P, RHN extends string, R>(
  transport: TpmTransport,
  decl: CommandDecl<HN, P, RHN, R>,
  input: CommandInput<HN, P>
): Promise<CommandOutput<RHN, R>> {
  const sessions = sessionsFor(decl, input.sessions);
  const cmd = encodeWith(decl, input, sessions);
  const rsp = await transport.submit(cmd);
  if (rsp.length > MAX_RESPONSE_SIZE * 4) {
    throw new DecodeError('LIMIT_EXCEEDED', `response of ${rsp.length} bytes`, 0, [decl.name]);
  }
  if (rsp.length < TPM_HEADER_SIZE) throw new DecodeError('SHORT_BUFFER', `response of ${rsp.length} bytes`, 0, [decl.name]);
  return decodeResponse(decl, rsp, sessions.length);
}

/** The response code of a raw response buffer (0 when it is too short to hold one). */
export function responseCode(rsp: Uint8Array): number {
  if (rsp.length < TPM_HEADER_SIZE) return 0;
  const r = new ByteReader(rsp);
  r.skip(6);
  return r.u32be();
}
