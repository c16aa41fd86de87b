/**
 * Differential tests: every command stream of test/corpus against the soft TPM and a live swtpm
 * 0.7.1 / libtpms 0.9.2, compared byte for byte (tag and response code only for `rc-only` lines).
 * swtpm is the truth.
 */
import { expect } from 'chai';
import { toHex } from '@tcg2sim/binary-codec';
import { requirePrerequisites } from '@tcg2sim/test-support';
import { SoftTpmBackend, SwtpmBackend, corpusFiles, loadCorpus, responsesAgree, runCorpus, tagAndRc, type CorpusStep } from '@tcg2sim/tpm-backends';

function commandSteps(steps: readonly CorpusStep[]): Array<Extract<CorpusStep, { kind: 'command' }>> {
  return steps.flatMap((s) => (s.kind === 'command' ? [s] : []));
}

describe('differential corpus: soft TPM vs swtpm @integration', function () {
  this.timeout(60000);
  before(function () {
    requirePrerequisites(this, { tools: ['swtpm'] });
  });

  for (const file of corpusFiles()) {
    it(`answers every command of ${file} as swtpm does`, async () => {
      const steps = loadCorpus(file);
      const soft = new SoftTpmBackend();
      const sw = await SwtpmBackend.start();
      try {
        const [a, b] = [await runCorpus(sw, steps), await runCorpus(soft, steps)];
        const cmds = commandSteps(steps);
        const mismatches = cmds.flatMap((c, i) => {
          const x = a[i] ?? new Uint8Array(0);
          const y = b[i] ?? new Uint8Array(0);
          return responsesAgree(c.mode, x, y) ? [] : [`${file}:${c.line} (${c.comment}) swtpm ${toHex(x).slice(0, 80)} soft ${toHex(y).slice(0, 80)}`];
        });
        expect(mismatches).to.deep.equal([]);
        expect(a).to.have.length(cmds.length);
      } finally {
        await sw.close();
      }
    });
  }
});

describe('differential corpus with fewer PCR banks: soft TPM vs swtpm_setup --pcr-banks @integration', function () {
  this.timeout(60000);
  before(function () {
    requirePrerequisites(this, { tools: ['swtpm', 'swtpm_setup'] });
  });

  for (const banks of [['sha256'], ['sha1', 'sha384']]) {
    for (const file of ['pcr.txt', 'misc.txt']) {
      it(`answers ${file} as swtpm does with only ${banks.join(' and ')} active`, async () => {
        const steps = loadCorpus(file);
        const sw = await SwtpmBackend.start({ pcrBanks: banks });
        try {
          const a = await runCorpus(sw, steps);
          const b = await runCorpus(new SoftTpmBackend({ banks }), steps);
          const bad = commandSteps(steps).filter((c, i) => !responsesAgree(c.mode, a[i] ?? new Uint8Array(0), b[i] ?? new Uint8Array(0)));
          expect(bad.map((c) => `${file}:${c.line}`)).to.deep.equal([]);
        } finally {
          await sw.close();
        }
      });
    }
  }
});

describe('differential corpus on the soft TPM alone', () => {
  it('parses every corpus file and gets a response with a header for every command', async () => {
    let n = 0;
    for (const file of corpusFiles()) {
      const steps = loadCorpus(file);
      const rsps = await runCorpus(new SoftTpmBackend(), steps);
      for (const r of rsps) expect(tagAndRc(r)).to.not.equal(undefined);
      n += rsps.length;
    }
    expect(n).to.be.greaterThan(400);
  });

  it('keeps the rc-only lines to responses with random, secret or time-dependent fields', () => {
    const rcOnly = corpusFiles().flatMap((f) => commandSteps(loadCorpus(f)).filter((s) => s.mode === 'rc-only'));
    // GetRandom, ReadClock, and Hash / SequenceComplete with a real hierarchy ticket.
    const codes = new Set(rcOnly.map((s) => new DataView(s.command.buffer, s.command.byteOffset).getUint32(6)));
    expect([...codes].sort()).to.deep.equal([0x13e, 0x17b, 0x17d, 0x181]);
  });
});
