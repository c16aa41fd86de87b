'use strict';
// Mocha reporter: the spec reporter's output, with every skipped test saying why on its own line
// ("- title (skipped: missing sbsign (apt-get install -y sbsigntool))"), then one closing line
// "N passed, N failed, N skipped" that CI reads (mocha's own summary is not recognised by it).
//
// The reasons come from @tcg2sim/test-support (skipBecause / requirePrerequisites), which records
// them in a WeakMap on globalThis under Symbol.for('tcg2sim.skipReasons'), keyed by the test or by
// the suite whose `before` hook skipped. A skip with no recorded reason (it.skip, a bare
// this.skip()) is listed as "(skipped: no reason given)".
//
// Under mocha --parallel the tests run in worker processes: the reporter then names a fresh file
// in TCG2SIM_SKIP_REASONS_FILE (inherited by the workers, which mocha forks after the reporter is
// made), the workers append {title, reason} JSON lines to it, and a skipped test takes the reason
// recorded for its own full title or for the longest suite title its full title starts with.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Mocha = require('mocha');
const { EVENT_RUN_END, EVENT_TEST_PENDING } = Mocha.Runner.constants;

const REASONS = Symbol.for('tcg2sim.skipReasons');
const REPORTER = Symbol.for('tcg2sim.skipReporter');

/** The recorded reason for a skipped test: its own, or its nearest suite's. */
function skipReason(test) {
  const reasons = globalThis[REASONS];
  if (reasons === undefined) return undefined;
  for (let r = test; r !== undefined && r !== null; r = r.parent) {
    const reason = reasons.get(r);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** The reason the parallel workers recorded in `file` for `test` (see above). */
function workerSkipReason(file, test) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const full = test.fullTitle();
  let best;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const { title, reason } = JSON.parse(line);
    const matches = title === full || full.startsWith(`${title} `);
    if (matches && (best === undefined || title.length > best.title.length)) best = { title, reason };
  }
  return best?.reason;
}

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    let reasonsFile;
    if (typeof runner.isParallelMode === 'function' && runner.isParallelMode()) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcg2sim-skips-'));
      reasonsFile = path.join(dir, 'reasons.jsonl');
      process.env.TCG2SIM_SKIP_REASONS_FILE = reasonsFile;
      process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    }
    // The spec reporter prints a pending test's title: the title carries the reason while it does.
    let original;
    runner.prependListener(EVENT_TEST_PENDING, (test) => {
      original = test.title;
      const reason = skipReason(test) ?? (reasonsFile === undefined ? undefined : workerSkipReason(reasonsFile, test));
      test.title = `${original} (skipped: ${reason ?? 'no reason given'})`;
    });
    super(runner, options);
    runner.on(EVENT_TEST_PENDING, (test) => {
      test.title = original;
    });
    globalThis[REPORTER] = true;
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      // Printed after the spec epilogue.
      process.nextTick(() => {
        process.stdout.write(`\n${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
      });
    });
  }
}
module.exports = SummaryReporter;
