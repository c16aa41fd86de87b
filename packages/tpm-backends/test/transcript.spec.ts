import { expect } from 'chai';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { ReplayBackend, TranscriptBackend, TpmBackendError, backendTransport } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { execute, GetRandom, TPM_RC, TpmResponseError } from '@tcg2sim/tpm2-command-lib';

/** A backend that answers every command with `8001 0000000a <rc>` where rc = locality + size. */
class EchoBackend implements TpmBackend {
  readonly kind = 'echo';
  readonly calls: string[] = [];
  powerOn(): Promise<void> { this.calls.push('powerOn'); return Promise.resolve(); }
  powerOff(): Promise<void> { this.calls.push('powerOff'); return Promise.resolve(); }
  cancel(): Promise<void> { this.calls.push('cancel'); return Promise.resolve(); }
  hcrtm(data: Uint8Array): Promise<void> { this.calls.push(`hcrtm ${toHex(data)}`); return Promise.resolve(); }
  close(): Promise<void> { return Promise.resolve(); }
  transmit(command: Uint8Array, locality: number): Promise<Uint8Array> {
    this.calls.push(`transmit ${locality}`);
    return Promise.resolve(fromHex(`80010000000a${(0x100 + locality + command.length).toString(16).padStart(8, '0')}`));
  }
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    expect(e).to.be.instanceOf(TpmBackendError);
    return e instanceof TpmBackendError ? e.code : undefined;
  }
}

describe('TranscriptBackend / ReplayBackend', () => {
  async function record(): Promise<TranscriptBackend> {
    const t = new TranscriptBackend(new EchoBackend());
    await t.powerOn();
    await t.hcrtm(fromHex('0102'));
    await t.transmit(fromHex('80010000000c0000017b0008'), 0);
    await t.transmit(fromHex('80010000000c0000017b0010'), 3);
    await t.cancel();
    await t.powerOff();
    return t;
  }

  it('records every call with its response, as plain JSON', async () => {
    const t = await record();
    expect(t.entries.map((e) => e.op)).to.deep.equal(['powerOn', 'hcrtm', 'transmit', 'transmit', 'cancel', 'powerOff']);
    expect(t.entries[3]).to.deep.equal({ op: 'transmit', locality: 3, command: '80010000000c0000017b0010', response: '80010000000a0000010f' });
    expect(JSON.parse(JSON.stringify(t.entries))).to.deep.equal(t.entries);
  });

  it('replays the same calls with the same responses', async () => {
    const r = new ReplayBackend((await record()).entries);
    await r.powerOn();
    await r.hcrtm(fromHex('0102'));
    expect(toHex(await r.transmit(fromHex('80010000000c0000017b0008'), 0))).to.equal('80010000000a0000010c');
    expect(toHex(await r.transmit(fromHex('80010000000c0000017b0010'), 3))).to.equal('80010000000a0000010f');
    await r.cancel();
    await r.powerOff();
    expect(r.done).to.equal(true);
  });

  it('drives the command runner: a replayed error response is a TpmResponseError', async () => {
    const r = new ReplayBackend([{ op: 'transmit', locality: 0, command: '80010000000c0000017b0008', response: '80010000000a00000100' }]);
    try {
      await execute(backendTransport(r), GetRandom, { handles: {}, params: { bytesRequested: 8 } });
      expect.fail();
    } catch (e) {
      expect(e).to.be.instanceOf(TpmResponseError);
      if (e instanceof TpmResponseError) expect(e.is(TPM_RC.INITIALIZE)).to.equal(true);
    }
  });

  const mismatches: { name: string; act: (r: ReplayBackend) => Promise<unknown> }[] = [
    { name: 'a different operation', act: (r) => r.transmit(fromHex('80010000000c0000017b0008'), 0) },
    { name: 'different H-CRTM data', act: async (r) => { await r.powerOn(); await r.hcrtm(fromHex('0103')); } },
    { name: 'a different command', act: async (r) => { await r.powerOn(); await r.hcrtm(fromHex('0102')); await r.transmit(fromHex('80010000000c0000017b0009'), 0); } },
    { name: 'a different locality', act: async (r) => { await r.powerOn(); await r.hcrtm(fromHex('0102')); await r.transmit(fromHex('80010000000c0000017b0008'), 1); } },
    { name: 'a call after the end', act: async (r) => { for (const op of ['powerOn', 'powerOff'] as const) await r[op](); } },
  ];
  for (const m of mismatches) {
    it(`reports TRANSCRIPT_MISMATCH on ${m.name}`, async () => {
      const entries = (await record()).entries;
      const r = new ReplayBackend(m.name === 'a call after the end' ? [{ op: 'powerOn' }] : entries);
      expect(await codeOf(m.act(r))).to.equal('TRANSCRIPT_MISMATCH');
    });
  }

  it('rejects a bad locality and use after close', async () => {
    const r = new ReplayBackend([]);
    expect(await codeOf(r.transmit(new Uint8Array(10), 7))).to.equal('BAD_LOCALITY');
    await r.close();
    expect(await codeOf(r.powerOn())).to.equal('CLOSED');
  });
});
