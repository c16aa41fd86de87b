/**
 * Skipping a test that cannot run, with its reason. The reason is recorded where the suite's
 * reporter (scripts/summary-reporter.cjs) finds it: every skipped test is listed with one line
 * saying why. Under CI (CI=true) and scripts/test-all.sh nothing is skipped: the reason becomes
 * the test's failure.
 *
 * The reasons live in a WeakMap on globalThis under Symbol.for('tcg2sim.skipReasons'), keyed by
 * the mocha runnable that cannot run: the test itself (a skip inside `it` or `beforeEach`), or
 * the suite whose `before` hook skipped (its tests and nested suites inherit the reason).
 * Under `mocha --parallel` the tests run in worker processes and the reporter in the main one:
 * there the reporter names a file in TCG2SIM_SKIP_REASONS_FILE, inherited by the workers, and
 * each reason is appended to it as one JSON line {title, reason} (the full title of that test or
 * suite), which the reporter matches against the skipped test's full title.
 */
import { appendFileSync } from 'node:fs';
import { debianPackagesFor } from './debian-packages.ts';

const REASONS = Symbol.for('tcg2sim.skipReasons');
const REPORTER = Symbol.for('tcg2sim.skipReporter');

interface SkipGlobals {
  [REASONS]?: WeakMap<object, string>;
  [REPORTER]?: boolean;
}

/** The shared reason registry (created on first use). */
export function skipReasons(): WeakMap<object, string> {
  const g = globalThis as SkipGlobals;
  const known = g[REASONS];
  if (known !== undefined) return known;
  const made = new WeakMap<object, string>();
  g[REASONS] = made;
  return made;
}

/** True when running under CI (CI=true): a prerequisite that is missing there is a failure. */
export const inCi: boolean = process.env['CI'] === 'true';

/**
 * Nothing may be skipped: under CI, and under scripts/test-all.sh (TCG2SIM_TEST_STRICT=1), whose
 * set-up installed everything, a test that cannot run fails with its reason.
 */
export const noSkips: boolean = inCi || process.env['TCG2SIM_TEST_STRICT'] === '1';

const noticed = new Set<string>();

/** Where mocha's skip lands: the test, or the suite of a `before` hook. */
function skipTarget(ctx: Mocha.Context): object {
  const r: Mocha.Runnable & { type?: string; originalTitle?: string } = ctx.runnable();
  if (r.type !== 'hook') return r;
  const title = r.originalTitle ?? r.title;
  if (title.startsWith('"before each"') && ctx.currentTest !== undefined) return ctx.currentTest;
  return r.parent ?? r;
}

/**
 * Skips the running test (or, from a `before` hook, the suite) with `reason`, one line such as
 * `missing sbsign (apt-get install -y sbsigntool)`. Where nothing may be skipped ({@link noSkips})
 * it throws instead.
 */
export function skipBecause(ctx: Mocha.Context, reason: string): never {
  const line = reason.replace(/\s*\n\s*/g, '; ');
  if (noSkips) throw new Error(`${inCi ? 'CI' : 'TCG2SIM_TEST_STRICT=1'}: cannot skip: ${line}`);
  return skipWithReason(ctx, line);
}

/**
 * Skips with `reason` even where nothing may be skipped: only for a consumer that neither Debian
 * nor npm provides, so that no set-up can bring it (Keylime). The reporter lists the reason.
 */
export function skipOptional(ctx: Mocha.Context, reason: string): never {
  return skipWithReason(ctx, reason.replace(/\s*\n\s*/g, '; '));
}

/**
 * Skips because a firmware image built locally from the EDK II source is absent (or is not the
 * build the vectors were captured from: `differs`). Such a build is never committed and no
 * set-up makes it (CI has none): like {@link skipOptional} it skips under CI too, with one line
 * naming the build and the file looked for.
 */
export function skipWithoutLocalBuild(ctx: Mocha.Context, build: string, file: string, differs?: string): never {
  return skipOptional(ctx, `local build ${build} ${differs === undefined ? 'absent' : `differs (${differs})`}: ${file} (made from the EDK II source, never committed; not in CI)`);
}

function skipWithReason(ctx: Mocha.Context, line: string): never {
  const target = skipTarget(ctx);
  skipReasons().set(target, line);
  const file = process.env['TCG2SIM_SKIP_REASONS_FILE'];
  const reporterHere = (globalThis as SkipGlobals)[REPORTER] === true;
  // A mocha --parallel worker (forked with an IPC channel and MOCHA_WORKER_ID): the summary
  // reporter runs in the main process.
  const worker = process.env['MOCHA_WORKER_ID'] !== undefined && typeof process.send === 'function';
  if (!reporterHere && worker && file !== undefined && file !== '') {
    const title = (target as { fullTitle?: () => string }).fullTitle?.() ?? '';
    appendFileSync(file, `${JSON.stringify({ title, reason: line })}\n`);
  } else if (!reporterHere && !noticed.has(line)) {
    // Without the summary reporter (e.g. mocha --no-config), say it once on stderr.
    noticed.add(line);
    process.stderr.write(`NOTICE: skipping tests: ${line}\n`);
  }
  ctx.skip();
}

/**
 * The one-line reason for missing prerequisites: what is missing, then how to get it (the
 * Debian packages that provide it, or `hint`).
 */
export function missingReason(missing: readonly string[], hint?: string): string {
  const packages = debianPackagesFor(missing);
  const how = hint ?? (packages.length > 0 ? `apt-get install -y ${packages.join(' ')}` : undefined);
  return `missing ${missing.join(', ')}${how === undefined ? '' : ` (${how})`}`;
}
