'use strict';
// Mocha reporter: the spec reporter's output, with every skipped test saying why on its own line
// ("- title (skipped: missing sbsign (apt-get install -y sbsigntool))"), then one closing line
// "N passed, N failed, N skipped" that CI reads (mocha's own summary is not recognised by it).
//
// The reasons come from @tcg2sim/test-support (skipBecause / requirePrerequisites), which records
// them in a WeakMap on globalThis under Symbol.for('tcg2sim.skipReasons'), keyed by the test or by
// the suite whose `before` hook skipped. A skip with no recorded reason (it.skip, a bare
// this.skip()) is listed as "(skipped: no reason given)".
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

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    // The spec reporter prints a pending test's title: the title carries the reason while it does.
    let original;
    runner.prependListener(EVENT_TEST_PENDING, (test) => {
      original = test.title;
      test.title = `${original} (skipped: ${skipReason(test) ?? 'no reason given'})`;
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
