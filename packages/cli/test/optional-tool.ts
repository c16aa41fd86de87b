/**
 * Consumers that Debian does not package (Keylime): their tests run when an
 * environment variable points at them and are skipped otherwise, with a one-line notice, in CI
 * too (CI has only what Debian 12 and npm provide).
 */
import { skipOptional } from '@tcg2sim/test-support';

/** Skips the suite with a notice naming what is missing when `missing` is set. */
export function skipUnless(ctx: Mocha.Context, missing: string | undefined): void {
  if (missing === undefined) return;
  skipOptional(ctx, `missing ${missing}`);
}
