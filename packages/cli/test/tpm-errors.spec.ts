/**
 * `tcg2sim tpm run` when a command cannot be carried: the transcript provokes transport errors
 * mid-run (commands shorter than their 10-byte header: unfinished in the TIS FIFO, refused by the
 * backend, or answered with QEMU's 0x00C4 fatal response through TIS/CRB); each is recorded as
 * {error: {kind, message}}, the interface is back in order for the next command, and the run goes
 * on. swtpm 0.7.1 is the truth: the soft backend must give the same outputs byte for byte.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '@tcg2sim/cli';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';

async function cli(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await main(['node', 'tcg2sim', ...args], { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { status, out, err };
}

const TRANSCRIPT = `
80010000000c000001440000   # TPM2_Startup(CLEAR)
80                         # 1 byte
800100000009000001         # 9 bytes, commandSize 9 (complete for the TIS FIFO)
80010000000600             # 7 bytes, commandSize 6 (complete for the TIS FIFO)
ffffffffffff               # 6 bytes, commandSize 0xffffffff
80010000000c0000017b0008   # TPM2_GetRandom(8)
80010000000a00000999       # unknown command code
`;

type Outcome = string | { error: { kind: string; message: string } };

/** The per-command result kinds swtpm gives (observed with swtpm 0.7.1 / libtpms 0.9.2). */
const EXPECTED: Record<string, readonly string[]> = {
  none: ['80010000000a00000000', 'TRANSPORT', 'TRANSPORT', 'TRANSPORT', 'TRANSPORT', 'random', '80010000000a00000143'],
  // '80' and 'ffff…' leave the FIFO expecting bytes: EDK II gives up (TIMEOUT_C) and commandReady
  // aborts the command; the complete ones reach the backend, which cannot frame them: QEMU's
  // fatal error response (tag 0x00C4) is refused by the driver.
  tis: ['80010000000a00000000', 'TIMEOUT_C', 'BAD_RESPONSE_TAG', 'BAD_RESPONSE_TAG', 'TIMEOUT_C', 'random', '80010000000a00000143'],
  // CRB sends commandSize bytes of its buffer, stale bytes included: '80' over the last
  // response is a 10-byte command with command code 0; 'ffff…' becomes a 0xF80-byte command.
  crb: ['80010000000a00000000', '80010000000a00000143', 'BAD_RESPONSE_TAG', 'BAD_RESPONSE_TAG', '80010000000a00000084', 'random', '80010000000a00000143'],
};

function kinds(responses: readonly Outcome[]): string[] {
  return responses.map((r) => (typeof r !== 'string' ? r.error.kind : /^800100000014000000000008[0-9a-f]{16}$/.test(r) ? 'random' : r));
}

describe('tcg2sim tpm run: transport errors do not end the run', function () {
  this.timeout(30000);
  const dir = tempDir('tcg2sim-cli-tpm-err-');
  const file = join(dir.path, 'errors.txt');
  writeFileSync(file, TRANSCRIPT);
  after(() => { dir.remove(); });

  for (const iface of ['none', 'tis', 'crb']) {
    it(`records {error: {kind, message}} for each failed command through --interface ${iface} and answers the later ones (soft)`, async () => {
      const r = await cli('tpm', 'run', '--backend', 'soft', '--interface', iface, '--transcript', file, '--json');
      expect(r.status, r.err).to.equal(1);
      const doc = JSON.parse(r.out) as { responses: Outcome[] };
      expect(kinds(doc.responses)).to.deep.equal(EXPECTED[iface]);
      for (const e of doc.responses) {
        if (typeof e !== 'string') expect(e.error.message).to.be.a('string').and.not.equal('');
      }
    });
  }

  it('prints "error KIND: MESSAGE" lines in text output, one line per command', async () => {
    const r = await cli('tpm', 'run', '--backend', 'soft', '--interface', 'tis', '--transcript', file);
    expect(r.status).to.equal(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).to.have.length(7);
    expect(lines[1]).to.equal('error TIMEOUT_C: fifo expect: TIMEOUT_C: the TPM still expects command bytes');
    expect(lines[2]).to.equal('error BAD_RESPONSE_TAG: fifo receive: BAD_RESPONSE_TAG: response tag 0x00c4');
    expect(lines[6]).to.equal('80010000000a00000143');
  });

  describe('soft vs swtpm @integration', () => {
    before(function () {
      requirePrerequisites(this, { tools: ['swtpm'] });
    });
    for (const iface of ['none', 'tis', 'crb']) {
      it(`gives the outputs swtpm gives through --interface ${iface}, errors included`, async () => {
        const [sw, soft] = [
          await cli('tpm', 'run', '--backend', 'swtpm', '--interface', iface, '--transcript', file, '--json'),
          await cli('tpm', 'run', '--backend', 'soft', '--interface', iface, '--transcript', file, '--json'),
        ];
        expect(sw.status, sw.err).to.equal(1);
        expect(soft.status).to.equal(sw.status);
        const a = (JSON.parse(sw.out) as { responses: Outcome[] }).responses;
        const b = (JSON.parse(soft.out) as { responses: Outcome[] }).responses;
        expect(kinds(a)).to.deep.equal(EXPECTED[iface]);
        // Byte for byte, except the 8 random bytes of GetRandom.
        const mask = (o: readonly Outcome[]): Outcome[] => o.map((x, i) => (i === 5 && typeof x === 'string' ? x.slice(0, 24) : x));
        expect(mask(b)).to.deep.equal(mask(a));
      });
    }
  });
});
