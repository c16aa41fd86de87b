/**
 * Coverage-guided fuzzing of event-log decoding with Jazzer.js (issue #5), for a bounded time,
 * from real OVMF logs. Needs the fuzz/ project built (fuzz/build.sh): skipped locally without
 * it, failing in CI.
 */
import { expect } from 'chai';
import { fromHex } from '@tcg2sim/binary-codec';
import { describeJazzerRun, fuzzBundle, JAZZER_ADDON, requirePrerequisites, runJazzer } from '@tcg2sim/test-support';
import { OVMF_202211_PXE_LOG_HEX } from './vectors/ovmf-2022.11-pxe.ts';
import { OVMF_202211_SHELL_LOG_HEX } from './vectors/ovmf-2022.11-shell.ts';

/** Fuzzing time; TCG2SIM_FUZZ_SECONDS runs longer (a local bug hunt). */
const SECONDS = Number(process.env['TCG2SIM_FUZZ_SECONDS'] ?? 8);

describe('Jazzer.js coverage-guided fuzzing of event-log decoding @integration', function () {
  this.timeout(Math.max(120_000, SECONDS * 3000));

  before(function () {
    requirePrerequisites(this, { files: [JAZZER_ADDON], hint: 'run fuzz/build.sh' });
  });

  it('real OVMF logs, mutated, decode, replay, lint and print or fail with typed errors', async () => {
    const shell = fromHex(OVMF_202211_SHELL_LOG_HEX);
    const pxe = fromHex(OVMF_202211_PXE_LOG_HEX);
    // As lifted from guest memory: the log followed by Tcg2Dxe's 0xFF free space.
    const inMemory = new Uint8Array(shell.length + 64).fill(0xff);
    inMemory.set(shell);
    const run = await runJazzer({ target: fuzzBundle('event-log', 'event-log'), seeds: [shell, pxe, inMemory], seconds: SECONDS });
    expect(run.exitCode, describeJazzerRun(run)).to.equal(0);
    expect(run.finding, describeJazzerRun(run)).to.equal(undefined);
    // Coverage feedback is live: the seeds were run instrumented and the fuzzer kept new inputs.
    expect(run.initialCoverage, describeJazzerRun(run)).to.be.greaterThan(0);
    expect(run.newUnits, describeJazzerRun(run)).to.be.greaterThan(0);
  });
});
