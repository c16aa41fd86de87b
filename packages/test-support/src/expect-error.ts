/**
 * The typed-error assertion every package's tests repeat: `fn` must throw an instance of
 * `type` carrying `code` (STYLE: assert instanceof + code, never the message text).
 */

/** An error class with a string `code` (DecodeError, Tcg2Error subclasses, …). */
export type CodedErrorClass<E extends Error & { readonly code: string }> = abstract new (...args: never[]) => E;

/** Runs `fn`; it must throw a `type` whose `code` equals `code`. Returns the error for more checks. */
export function expectErrorCode<E extends Error & { readonly code: string }>(fn: () => unknown, type: CodedErrorClass<E>, code: string): E {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error(`expected a ${type.name} with code ${code}, but nothing was thrown`);
  if (!(thrown instanceof type)) {
    throw new Error(`expected a ${type.name} with code ${code}, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : typeof thrown}`, { cause: thrown });
  }
  if (thrown.code !== code) throw new Error(`expected ${type.name} code ${code}, got ${thrown.code}: ${thrown.message}`, { cause: thrown });
  return thrown;
}

/** Runs `fn`; it must throw a `type` (any other error is rethrown). Returns the error for checks of its code, offset, path. */
export function thrownError<E extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}
