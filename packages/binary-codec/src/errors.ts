/**
 * The error families of tcg2sim. Every failure caused by outside data is a subclass of
 * {@link Tcg2Error} carrying a machine-readable `code`; callers branch on `instanceof` + `code`,
 * never on the message text.
 */

/** Base class of every data, protocol or TPM failure raised by tcg2sim. */
export class Tcg2Error extends Error {
  override readonly name: string = 'Tcg2Error';
}

/**
 * A {@link Tcg2Error} whose `code` is one of its package's codes: `C` is that package's union of
 * code strings (e.g. `class VerifyError extends CodedError<VerifyErrorCode>`).
 */
export class CodedError<C extends string> extends Tcg2Error {
  override readonly name: string = 'CodedError';
  readonly code: C;

  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Why a decoder gave up. */
export type DecodeErrorCode =
  | 'SHORT_BUFFER'
  | 'TRAILING_BYTES'
  | 'LIMIT_EXCEEDED'
  | 'BAD_VALUE'
  | 'UNKNOWN_SELECTOR'
  | 'BAD_CHECKSUM'
  | 'UNSUPPORTED';

/** A path through a decoded structure: field names and list indexes, outermost first. */
export type DecodePath = readonly (string | number)[];

/**
 * Bad input bytes. `offset` is the absolute offset in the buffer the reader was created over;
 * `path` names the structure and field (`TPML_PCR_SELECTION.pcrSelections.0.hash`).
 */
export class DecodeError extends Tcg2Error {
  override readonly name = 'DecodeError';
  readonly code: DecodeErrorCode;
  readonly offset: number;
  readonly path: DecodePath;
  /** The message without the path and offset decorations. */
  readonly detail: string;

  constructor(code: DecodeErrorCode, detail: string, offset: number, path: DecodePath = [], options?: ErrorOptions) {
    super(formatDecodeMessage(detail, offset, path), options);
    this.code = code;
    this.offset = offset;
    this.path = path;
    this.detail = detail;
  }
}

function formatDecodeMessage(detail: string, offset: number, path: DecodePath): string {
  const where = path.length > 0 ? `${path.join('.')}: ` : '';
  return `${where}${detail} (offset ${offset})`;
}

/** Re-pathed errors and the error each came from (whose stack frames they show). */
const INNER = new WeakMap<object, DecodeError>();

/**
 * The `stack` of a re-pathed error: its own header line over the frames of the error it came
 * from, formatted only when read. One descriptor for all, so re-pathing makes no closures.
 */
const REPATHED_STACK: PropertyDescriptor = {
  configurable: true,
  get(this: DecodeError): string | undefined {
    const inner = INNER.get(this)?.stack;
    if (inner === undefined) return undefined;
    const nl = inner.indexOf('\n');
    return `${this.name}: ${this.message}${nl >= 0 ? inner.slice(nl) : ''}`;
  },
  set(this: DecodeError, v: unknown) {
    Object.defineProperty(this, 'stack', { configurable: true, writable: true, value: v });
  },
};

/**
 * `err` at `path`: a new DecodeError with the same code, detail, offset and cause, whose stack
 * shows where decoding failed (the frames of `err`). No stack trace is captured for it: a failure
 * deep in a structure is re-pathed once per nesting level on its way out, and a capture per level
 * cost more than the whole successful decode.
 */
function repath(err: DecodeError, path: DecodePath): DecodeError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let out: DecodeError;
  try {
    out = new DecodeError(err.code, err.detail, err.offset, path, { cause: err.cause });
  } finally {
    Error.stackTraceLimit = limit;
  }
  INNER.set(out, INNER.get(err) ?? err);
  Object.defineProperty(out, 'stack', REPATHED_STACK);
  return out;
}

/**
 * Returns `err` with `segment` prepended to its path (a new DecodeError; the cause is kept).
 * Non-DecodeErrors are returned unchanged so they can be rethrown as they are.
 */
export function withPath(err: unknown, segment: string | number): unknown {
  if (!(err instanceof DecodeError)) return err;
  return repath(err, [segment, ...err.path]);
}

/**
 * Returns `err` with `outer` then `inner` prepended to its path: the same as
 * `withPath(withPath(err, inner), outer)`, making one new DecodeError instead of two.
 */
export function withPath2(err: unknown, outer: string | number, inner: string | number): unknown {
  if (!(err instanceof DecodeError)) return err;
  return repath(err, [outer, inner, ...err.path]);
}
