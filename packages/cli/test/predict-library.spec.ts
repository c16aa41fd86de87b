/**
 * `predict()` of @tcg2sim/platform-ovmf as a library call: with no argument (or `{}`) it runs
 * what `tcg2sim predict` runs without arguments, so both give the same log and the same PCRs.
 */
import { expect } from 'chai';
import { toHex } from '@tcg2sim/binary-codec';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { predict } from '@tcg2sim/platform-ovmf';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { EXIT } from '@tcg2sim/cli';
import { runCli } from './harness.ts';

interface PredictJson {
  readonly firmware: string;
  readonly endState: string;
  readonly tpmPcrs: Record<string, Record<string, string>>;
  readonly events: readonly { readonly pcrIndex: number; readonly eventType: string }[];
}

function pcrsOf(p: Prediction): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [alg, m] of p.tpmPcrs) out[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
  return out;
}

describe('predict() with its defaults = tcg2sim predict without arguments', function () {
  this.timeout(20_000);
  let cli: PredictJson;
  before(async () => {
    const r = await runCli('predict', '--json');
    expect(r.status).to.equal(EXIT.OK);
    cli = JSON.parse(r.out) as PredictJson;
  });

  for (const [label, run] of [['predict()', () => predict()], ['predict({})', () => predict({})]] as const) {
    it(`${label}: the CLI's PCRs in all four banks, its events and end state, no mismatch`, async () => {
      const p = await run();
      expect(p.mismatches).to.deep.equal([]);
      expect(pcrsOf(p)).to.deep.equal(cli.tpmPcrs);
      expect(Object.keys(cli.tpmPcrs)).to.deep.equal(['sha1', 'sha256', 'sha384', 'sha512']);
      expect(p.log.events.map((e) => e.pcrIndex)).to.deep.equal(cli.events.map((e) => e.pcrIndex));
      expect(p.boot.endState).to.equal(cli.endState);
    });
  }

  it('a partial machine is completed with the defaults: predict({ machine: { machine: \'pc\' } }) = tcg2sim predict --machine pc', async () => {
    const p = await predict({ machine: { machine: 'pc' } });
    const r = await runCli('predict', '--json', '--machine', 'pc');
    expect(r.status).to.equal(EXIT.OK);
    const pc = JSON.parse(r.out) as PredictJson;
    expect(p.mismatches).to.deep.equal([]);
    expect(pcrsOf(p)).to.deep.equal(pc.tpmPcrs);
    expect(p.boot.endState).to.equal(pc.endState);
  });

  it('a given backend is used and left open; its banks decide the log', async () => {
    const backend = new SoftTpmBackend({ banks: ['sha256'] });
    try {
      const p = await predict({ backend });
      expect(Object.keys(pcrsOf(p))).to.deep.equal(['sha256']);
      expect(pcrsOf(p)['sha256']).to.deep.equal(cli.tpmPcrs['sha256']);
      // still open: it answers a command (TPM2_Startup again: TPM_RC_INITIALIZE)
      const rsp = await backend.transmit(Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x44, 0, 0), 0);
      expect(toHex(rsp.subarray(6, 10))).to.equal('00000100');
    } finally {
      await backend.close();
    }
  });
});
