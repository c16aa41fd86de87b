import { expect } from 'chai';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

describe('tcg2sim verify: bad input', function () {
  this.timeout(60_000);
  const tmp = tempDir('tcg2sim-verify-bad-');
  after(() => {
    tmp.remove();
  });

  it('a missing log is one clean line, exit 2', async () => {
    const r = await runCli('verify', join(tmp.path, 'nope.bin'));
    expect(r.status).to.equal(2);
    expect(r.err.trim().split('\n')).to.have.length(1);
    expect(r.err).to.match(/cannot read LOG .*nope\.bin: no such file/);
  });

  it('a bad --try-memory list is a usage error naming the flag', async () => {
    const log = join(tmp.path, 'x.bin');
    writeFileSync(log, new Uint8Array(64));
    const r = await runCli('verify', log, '--try-memory', '512,lots');
    expect(r.status).to.equal(2);
    expect(r.err).to.match(/--try-memory/);
  });

  it('random bytes as a log: exit 1 or 2 with a message, never a crash (fast-check)', async () => {
    const log = join(tmp.path, 'random.bin');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        writeFileSync(log, bytes);
        const r = await runCli('verify', log, '--json');
        expect([1, 2]).to.include(r.status);
        if (r.status === 2) expect(r.err.trim().split('\n')).to.have.length(1);
      }),
      { numRuns: 25 }
    );
  });
});
