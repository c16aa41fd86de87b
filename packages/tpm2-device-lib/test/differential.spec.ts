/**
 * The same command streams give the same bytes whether they go straight to the backend or through
 * the firmware driver and a TIS or CRB device model, for the soft TPM and for swtpm.
 * Corpus: every command OVMF sent in a captured boot (test/vectors/qemu-tis-boot.json, 112
 * commands: Startup, SelfTest, GetCapability, PCR_Read, PCR_Extend, ...), plus edge cases.
 */
import { expect } from 'chai';
import { requirePrerequisites } from '@tcg2sim/test-support';
import { SwtpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { ProtocolError } from '@tcg2sim/tpm2-device-lib';
import { realClock, softBackend, swtpmPid, transportFor } from './backends.ts';
import type { Path } from './backends.ts';
import { STARTUP } from './harness.ts';
import { fromHex, loadReplayFixture } from './fixture.ts';

function corpus(): Uint8Array[] {
  const f = loadReplayFixture('qemu-tis-boot.json');
  const boot = f.ops.flatMap((o) => (o.op === 'submit' ? [fromHex(o.command)] : []));
  // Malformed commands: the TPM must answer them, and every path must carry the same answer.
  const edge: Uint8Array[] = [
    Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x01, 0x7b), // GetRandom without its parameter
    Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0x09, 0x99), // unknown command code
    Uint8Array.of(0x80, 0x03, 0, 0, 0, 0x0a, 0, 0, 0x01, 0x43), // bad tag
  ];
  // Large ones: several bursts each way. TPM2_Hash of 1024 bytes (SHA-256, SHA-384; null
  // hierarchy, so the ticket is deterministic) and GetCapability(TPM_CAP_COMMANDS, all).
  const hash = (alg: number): Uint8Array => {
    const data = Uint8Array.from({ length: 1024 }, (_, i) => (i * 31) & 0xff);
    const size = 10 + 2 + 1024 + 2 + 4;
    return Uint8Array.from([
      0x80, 0x01, 0, 0, size >> 8, size & 0xff, 0, 0, 0x01, 0x7d, 0x04, 0x00, ...data,
      0, alg, 0x40, 0, 0, 0x07,
    ]);
  };
  const allCommands = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x16, 0, 0, 0x01, 0x7a, 0, 0, 0, 2, 0, 0, 0x01, 0x1f, 0, 0, 0, 0xff);
  edge.push(hash(0x0b), hash(0x0c), allCommands);
  return [...boot, ...edge];
}

async function run(make: () => Promise<TpmBackend>, path: Path, realTime: boolean, limit = Infinity): Promise<string[]> {
  const backend = await make();
  try {
    await backend.powerOn();
    const t = await transportFor(backend, path, realTime ? realClock() : undefined);
    const out: string[] = [];
    for (const c of corpus().slice(0, limit)) out.push(Buffer.from(await t.submit(c)).toString('hex'));
    return out;
  } finally {
    await backend.close();
  }
}

describe('none / tis / crb give identical bytes', () => {
  it('for the soft TPM over the whole captured boot stream', async () => {
    const make = (): Promise<TpmBackend> => Promise.resolve(softBackend());
    const direct = await run(make, 'none', false);
    expect(direct).to.have.length(118);
    expect(Math.max(...direct.map((r) => r.length / 2))).to.be.greaterThan(255);
    expect(await run(make, 'tis', false)).to.deep.equal(direct);
    expect(await run(make, 'crb', false)).to.deep.equal(direct);
  });

  describe('for swtpm @integration', function () {
    this.timeout(60000);
    before(function () {
      requirePrerequisites(this, { tools: ['swtpm', 'swtpm_setup'] });
    });

    it('over the whole captured boot stream (virtual clock waiting for swtpm, and real clock)', async () => {
      const make = (): Promise<TpmBackend> => SwtpmBackend.start({ pcrBanks: ['sha1', 'sha256', 'sha384', 'sha512'] });
      const direct = await run(make, 'none', false);
      expect(await run(make, 'tis', false)).to.deep.equal(direct);
      expect(await run(make, 'crb', false)).to.deep.equal(direct);
      // The real clock busy-yields while polling: a shorter run is enough to show it works.
      expect(await run(make, 'tis', true, 20)).to.deep.equal(direct.slice(0, 20));
    });

    it('turns swtpm being killed into a typed error at the driver (QEMU answers TPM_FAIL)', async () => {
      for (const path of ['tis', 'crb'] as const) {
        const backend = await SwtpmBackend.start();
        try {
          await backend.powerOn();
          const t = await transportFor(backend, path);
          await t.submit(STARTUP);
          const pid = swtpmPid(backend.ports.server);
          expect(pid).to.be.a('number');
          process.kill(pid ?? 0, 'SIGKILL');
          const err: unknown = await t.submit(STARTUP).catch((e: unknown) => e);
          expect(err).to.be.instanceOf(ProtocolError).with.property('code', 'BAD_RESPONSE_TAG');
        } finally {
          await backend.close();
        }
      }
    });
  });
});
