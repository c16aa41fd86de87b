'use strict';
// Mocha reporter: the spec reporter's output, then one closing line "N passed, N failed, N skipped"
// that CI reads (mocha's own summary is not recognised by it).
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
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
