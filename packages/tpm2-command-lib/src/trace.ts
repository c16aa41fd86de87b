/**
 * Taking arbitrary command and response buffers apart for tracing (TPM 2.0 Library Part 1,
 * 18.1-18.3). Input is untrusted: every length is checked, nothing is trusted beyond the buffer.
 */
import { ByteReader, DecodeError, decode, inPath } from '@tcg2sim/binary-codec';
import { TPM_HEADER_SIZE, TPM_ST, ccName } from './constants.ts';
import { TPMHeader } from './command.ts';
import { commandByCode, handleCount } from './commands/registry.ts';
import { formatRc } from './rc.ts';
import { TPMSAuthCommand, TPMSAuthResponse } from './session.ts';
import type { TPMSAuthCommand as AuthCommand, TPMSAuthResponse as AuthResponse } from './session.ts';

/** Sessions an authorization area may hold (Part 1, 18.5: at most three). */
const MAX_SESSIONS = 3;

/** A command buffer taken apart. Byte fields are views into the input. */
export interface ParsedCommand {
  readonly tag: number;
  readonly commandSize: number;
  readonly commandCode: number;
  /** `TPM_CC_PCR_Extend`, or `TPM_CC(0x…)`. */
  readonly name: string;
  /** False when the command code is unknown: then handles is empty and parameters is the rest. */
  readonly known: boolean;
  readonly handles: readonly number[];
  /** UINT32 authorizationSize, for TPM_ST_SESSIONS commands. */
  readonly authorizationSize?: number;
  readonly sessions: readonly AuthCommand[];
  readonly parameters: Uint8Array;
  /** The parameters decoded with this library's declaration, when it has one and they decode. */
  readonly decoded?: unknown;
}

/**
 * Takes a command buffer apart: header, handle area (size from the command code), authorization
 * area (when the tag is TPM_ST_SESSIONS) and parameter area.
 * @throws DecodeError when the buffer is malformed (short, size mismatch, bad authorization area)
 */
export function parseCommand(bytes: Uint8Array): ParsedCommand {
  return inPath('TPM_COMMAND', () => {
    const r = new ByteReader(bytes);
    const hdr = TPMHeader.decode(r);
    if (hdr.size !== bytes.length) throw new DecodeError('BAD_VALUE', `commandSize ${hdr.size} but ${bytes.length} bytes`, 2, ['commandSize']);
    const n = handleCount(hdr.code);
    const known = n !== undefined;
    const handles: number[] = [];
    for (let i = 0; i < (n ?? 0); i++) handles.push(inPath('handles', () => inPath(i, () => r.u32be())));
    const sessions: AuthCommand[] = [];
    let authorizationSize: number | undefined;
    if (hdr.tag === TPM_ST.SESSIONS && known) {
      const at = r.offset;
      authorizationSize = inPath('authorizationSize', () => r.u32be());
      if (authorizationSize > r.remaining) throw new DecodeError('SHORT_BUFFER', `authorizationSize ${authorizationSize} exceeds the ${r.remaining} bytes left`, at, ['authorizationSize']);
      const area = r.sub(authorizationSize);
      while (area.remaining > 0) {
        if (sessions.length === MAX_SESSIONS) throw new DecodeError('LIMIT_EXCEEDED', `more than ${MAX_SESSIONS} sessions`, area.offset, ['sessions']);
        const i = sessions.length;
        sessions.push(inPath('sessions', () => inPath(i, () => TPMSAuthCommand.decode(area))));
      }
    }
    const parameters = r.rest();
    const decl = commandByCode(hdr.code);
    let decoded: unknown;
    if (decl !== undefined) {
      try {
        decoded = decode(decl.params, parameters);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
    }
    return {
      tag: hdr.tag, commandSize: hdr.size, commandCode: hdr.code, name: ccName(hdr.code), known, handles,
      ...(authorizationSize === undefined ? {} : { authorizationSize }), sessions, parameters,
      ...(decoded === undefined ? {} : { decoded }),
    };
  });
}

/** A response buffer taken apart. */
export interface ParsedResponse {
  readonly tag: number;
  readonly responseSize: number;
  readonly responseCode: number;
  /** `TPM_RC_SUCCESS`, `TPM_RC_VALUE (parameter 1)`. */
  readonly rc: string;
  readonly handles: readonly number[];
  readonly parameterSize?: number;
  readonly parameters: Uint8Array;
  readonly sessions: readonly AuthResponse[];
}

/**
 * Takes a response buffer apart. With the command code of the command it answers, the response
 * handles and the session area are separated too.
 * @throws DecodeError when the buffer is malformed
 */
export function parseResponse(bytes: Uint8Array, commandCode?: number): ParsedResponse {
  return inPath('TPM_RESPONSE', () => {
    const r = new ByteReader(bytes);
    const hdr = TPMHeader.decode(r);
    if (hdr.size !== bytes.length) throw new DecodeError('BAD_VALUE', `responseSize ${hdr.size} but ${bytes.length} bytes`, 2, ['responseSize']);
    const base = { tag: hdr.tag, responseSize: hdr.size, responseCode: hdr.code, rc: formatRc(hdr.code, hdr.tag) };
    const decl = commandCode === undefined ? undefined : commandByCode(commandCode);
    if (hdr.code !== 0 || decl === undefined || bytes.length === TPM_HEADER_SIZE) {
      return { ...base, handles: [], parameters: r.rest(), sessions: [] };
    }
    const handles: number[] = [];
    for (let i = 0; i < decl.responseHandles.length; i++) handles.push(inPath('handles', () => inPath(i, () => r.u32be())));
    if (hdr.tag !== TPM_ST.SESSIONS) return { ...base, handles, parameters: r.rest(), sessions: [] };
    const at = r.offset;
    const parameterSize = inPath('parameterSize', () => r.u32be());
    if (parameterSize > r.remaining) throw new DecodeError('SHORT_BUFFER', `parameterSize ${parameterSize} exceeds the ${r.remaining} bytes left`, at, ['parameterSize']);
    const parameters = r.bytes(parameterSize);
    const sessions: AuthResponse[] = [];
    while (r.remaining > 0) {
      if (sessions.length === MAX_SESSIONS) throw new DecodeError('LIMIT_EXCEEDED', `more than ${MAX_SESSIONS} sessions`, r.offset, ['sessions']);
      const i = sessions.length;
      sessions.push(inPath('sessions', () => inPath(i, () => TPMSAuthResponse.decode(r))));
    }
    return { ...base, handles, parameterSize, parameters, sessions };
  });
}
