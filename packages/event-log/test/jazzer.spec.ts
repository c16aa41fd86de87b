/**
 * Coverage-guided fuzzing of event-log decoding with Jazzer.js (issue #5), for a bounded time,
 * from real OVMF logs. Needs the fuzz/ project built (fuzz/build.sh): skipped locally without
 * it, failing in CI.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
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

  it('is not "out of memory" when started from a process that has grown past libFuzzer\'s 2 GB (peak RSS carries over fork and exec)', function () {
    // A mocha worker that ran the boot specs can be this large; the child below grows to 2.5 GB
    // and then fuzzes for 2 s as the spec above does.
    const script = `
      const { runJazzer, fuzzBundle } = await import(${JSON.stringify(new URL('../../../test-support/dist/src/index.js', import.meta.url).href)});
      const held = [];
      for (let i = 0; i < 10; i++) held.push(Buffer.alloc(256 * 1024 * 1024, 1));
      const run = await runJazzer({ target: fuzzBundle('event-log', 'event-log'), seeds: [new Uint8Array(64)], seconds: 2 });
      process.stdout.write(JSON.stringify({ exitCode: run.exitCode, finding: run.finding?.kind ?? null, held: held.length, peak: process.resourceUsage().maxRSS }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { exitCode: number | null; finding: string | null; held: number; peak: number };
    expect(out.peak, 'the parent really grew past 2 GB').to.be.greaterThan(2560 * 1024);
    expect(out.finding).to.equal(null);
    expect(out.exitCode).to.equal(0);
  });
});
