import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError, fromHex, toHex } from '@tcg2sim/binary-codec';
import {
  encodeCommand, decodeResponse, execute, Startup, SelfTest, GetCapability, PCRExtend, PCRRead,
  PCRAllocate, Shutdown, GetRandom, TPM_SU, TPM_CAP, TPM_PT, TPM_RH, NO, pcrSelectBits,
  TpmResponseError, TPM_RC, HashSequenceStart, TPM_ALG, NVDefineSpace, TPMA_NV, TPM_RS_PW,
  passwordSession, parseCommand, COMMANDS, CommandInputError,
} from '@tcg2sim/tpm2-command-lib';
import type { TpmTransport } from '@tcg2sim/tpm2-command-lib';
import { BANKS, EDK2_VECTORS as V, EXTEND_RESPONSE, GETCAP_PCRS_RESPONSE, SHA1_D, SHA256_D, SHA384_D, SHA512_D } from './vectors/edk2-commands.ts';

const h = (s: string): Uint8Array => fromHex(s);
const noHandles = {} as const;

/** A transport answering from a queue, recording what was sent. */
class QueueTransport implements TpmTransport {
  readonly sent: Uint8Array[] = [];
  readonly #replies: Uint8Array[];
  constructor(replies: Uint8Array[]) {
    this.#replies = replies;
  }
  submit(command: Uint8Array): Promise<Uint8Array> {
    this.sent.push(command);
    const r = this.#replies.shift();
    return r === undefined ? Promise.reject(new Error('no reply queued')) : Promise.resolve(r);
  }
}

describe('Part 3 command encodings (EDK II byte vectors, docs/edk2-pei.md §7)', () => {
  const digests4 = [
    { hashAlg: BANKS[0], digest: h(SHA1_D) },
    { hashAlg: BANKS[1], digest: h(SHA256_D) },
    { hashAlg: BANKS[2], digest: h(SHA384_D) },
    { hashAlg: BANKS[3], digest: h(SHA512_D) },
  ];
  const cases: { v: { name: string; source: string; hex: string }; bytes: () => Uint8Array }[] = [
    { v: V.startupClear, bytes: () => encodeCommand(Startup, { handles: noHandles, params: { startupType: TPM_SU.CLEAR } }) },
    { v: V.startupState, bytes: () => encodeCommand(Startup, { handles: noHandles, params: { startupType: TPM_SU.STATE } }) },
    { v: V.selfTest, bytes: () => encodeCommand(SelfTest, { handles: noHandles, params: { fullTest: NO } }) },
    { v: V.getCapPcrs, bytes: () => encodeCommand(GetCapability, { handles: noHandles, params: { capability: TPM_CAP.PCRS, property: 0, propertyCount: 1 } }) },
    { v: V.getCapProps, bytes: () => encodeCommand(GetCapability, { handles: noHandles, params: { capability: TPM_CAP.TPM_PROPERTIES, property: TPM_PT.MANUFACTURER, propertyCount: 1 } }) },
    { v: V.extend4, bytes: () => encodeCommand(PCRExtend, { handles: { pcrHandle: 0 }, params: { digests: { digests: digests4 } } }) },
    { v: V.extendSha256, bytes: () => encodeCommand(PCRExtend, { handles: { pcrHandle: 0 }, params: { digests: { digests: [digests4[1]!] } } }) },
    {
      v: V.pcrRead4,
      bytes: () => encodeCommand(PCRRead, { handles: noHandles, params: { pcrSelectionIn: { pcrSelections: BANKS.map((hash) => ({ hash, pcrSelect: pcrSelectBits([0]) })) } } }),
    },
    {
      v: V.allocate,
      bytes: () => encodeCommand(PCRAllocate, {
        handles: { authHandle: TPM_RH.PLATFORM },
        params: { pcrAllocation: { pcrSelections: BANKS.map((hash, i) => ({ hash, pcrSelect: i < 2 ? h('ffffff') : h('000000') })) } },
      }),
    },
    { v: V.shutdownClear, bytes: () => encodeCommand(Shutdown, { handles: noHandles, params: { shutdownType: TPM_SU.CLEAR } }) },
    { v: V.getRandom32, bytes: () => encodeCommand(GetRandom, { handles: noHandles, params: { bytesRequested: 32 } }) },
  ];
  for (const { v, bytes } of cases) {
    it(`encodes ${v.name} byte for byte (${v.source})`, () => {
      expect(toHex(bytes())).to.equal(toHex(h(v.hex)));
    });
    it(`parses ${v.name} back into header, handles, sessions and parameters`, () => {
      const p = parseCommand(h(v.hex));
      expect(p.known).to.equal(true);
      expect(p.commandSize).to.equal(h(v.hex).length);
      expect(p.decoded).to.not.equal(undefined);
    });
  }

  it('puts the empty password session in PCR_Extend and PCR_Allocate', () => {
    const p = parseCommand(h(V.allocate.hex));
    expect(p.handles).to.deep.equal([TPM_RH.PLATFORM]);
    expect(p.authorizationSize).to.equal(9);
    expect(p.sessions).to.have.length(1);
    expect(p.sessions[0]!.sessionHandle).to.equal(TPM_RS_PW);
    expect(p.sessions[0]!.hmac).to.have.length(0);
  });
});

describe('command runner', () => {
  it('decodes the captured PCR_Extend reply with its session area (§7.5)', () => {
    const out = decodeResponse(PCRExtend, h(EXTEND_RESPONSE), 1);
    expect(out.sessions).to.have.length(1);
    expect(out.sessions[0]!.sessionAttributes).to.equal(1);
  });

  it('decodes the GetCapability(PCRS) reply of a fresh swtpm (§5.3)', async () => {
    const t = new QueueTransport([h(GETCAP_PCRS_RESPONSE)]);
    const { params } = await execute(t, GetCapability, { handles: noHandles, params: { capability: TPM_CAP.PCRS, property: 0, propertyCount: 1 } });
    expect(toHex(t.sent[0]!)).to.equal(toHex(h(V.getCapPcrs.hex)));
    expect(params.moreData).to.equal(0);
    expect(params.capabilityData.capability).to.equal(TPM_CAP.PCRS);
    const data = params.capabilityData.data;
    expect('assignedPCR' in data).to.equal(true);
    if (!('assignedPCR' in data)) return;
    expect(data.assignedPCR.pcrSelections.map((s) => s.hash)).to.deep.equal([...BANKS]);
    expect(data.assignedPCR.pcrSelections.every((s) => toHex(s.pcrSelect) === 'ffffff')).to.equal(true);
  });

  it('throws TpmResponseError with the command code on a non-zero response code', async () => {
    const t = new QueueTransport([h('80010000000a00000100')]);
    try {
      await execute(t, Startup, { handles: noHandles, params: { startupType: TPM_SU.CLEAR } });
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(TpmResponseError);
      if (!(e instanceof TpmResponseError)) return;
      expect(e.is(TPM_RC.INITIALIZE)).to.equal(true);
      expect(e.commandCode).to.equal(0x144);
    }
  });

  it('returns response handles (HashSequenceStart)', async () => {
    const t = new QueueTransport([h('80010000000e0000000080000000')]);
    const out = await execute(t, HashSequenceStart, { handles: noHandles, params: { auth: new Uint8Array(0), hashAlg: TPM_ALG.NULL } });
    expect(out.handles.sequenceHandle).to.equal(0x80000000);
    expect(toHex(t.sent[0]!)).to.equal('80010000000e00000186' + '0000' + '0010');
  });

  const bad: { name: string; hex: string; code: string }[] = [
    { name: 'a size field that disagrees with the length', hex: '80010000000b00000000', code: 'BAD_VALUE' },
    { name: 'a truncated header', hex: '800100', code: 'SHORT_BUFFER' },
    { name: 'a session tag on a command sent without sessions', hex: '80020000000a00000000', code: 'BAD_VALUE' },
    { name: 'bytes after an empty response', hex: '80010000000b0000000000', code: 'TRAILING_BYTES' },
  ];
  for (const b of bad) {
    it(`rejects a response with ${b.name} as DecodeError ${b.code}`, async () => {
      const t = new QueueTransport([h(b.hex)]);
      try {
        await execute(t, SelfTest, { handles: noHandles, params: { fullTest: 0 } });
        expect.fail('no error');
      } catch (e) {
        expect(e).to.be.instanceOf(DecodeError);
        if (e instanceof DecodeError) expect(e.code).to.equal(b.code);
      }
    });
  }

  it('rejects a session response whose parameterSize overruns the buffer', () => {
    expect(() => decodeResponse(PCRExtend, h('800200000013000000000000ffff0000010000'), 1)).to.throw(DecodeError).with.property('code', 'SHORT_BUFFER');
  });

  it('encodes NV_DefineSpace with platform authorization and a TPM2B_NV_PUBLIC', () => {
    const cmd = encodeCommand(NVDefineSpace, {
      handles: { authHandle: TPM_RH.PLATFORM },
      params: {
        auth: new Uint8Array(0),
        publicInfo: { nvIndex: 0x01c10000, nameAlg: TPM_ALG.SHA256, attributes: TPMA_NV.PPWRITE | TPMA_NV.PPREAD | TPMA_NV.PLATFORMCREATE, authPolicy: new Uint8Array(0), dataSize: 16 },
      },
      sessions: [passwordSession()],
    });
    expect(toHex(cmd)).to.equal(
      '8002' + '0000002d' + '0000012a' + '4000000c' + '00000009400000090000000000' + '0000' + '000e' + '01c10000' + '000b' + '40010001' + '0000' + '0010'
    );
  });

  it('decodes random responses to every declared command into a value, DecodeError or TpmResponseError only', () => {
    fc.assert(fc.property(fc.constantFrom(...COMMANDS), fc.uint8Array({ maxLength: 60 }), fc.constantFrom(0, 1, 2), fc.boolean(), (decl, body, sessions, ok) => {
      const w = new Uint8Array(10 + body.length);
      const v = new DataView(w.buffer);
      v.setUint16(0, sessions > 0 ? 0x8002 : 0x8001);
      v.setUint32(2, w.length);
      v.setUint32(6, ok ? 0 : 0x1c4);
      w.set(body, 10);
      try {
        decodeResponse(decl, w, sessions);
      } catch (e) {
        expect(e instanceof DecodeError || e instanceof TpmResponseError, String(e)).to.equal(true);
      }
    }), { numRuns: 500 });
  });

  it('runs a command without handles when `handles` is left out (the same bytes as with `handles: {}`)', async () => {
    const sent: Uint8Array[] = [];
    const t: TpmTransport = { submit: (c) => { sent.push(c); return Promise.resolve(fromHex(GETCAP_PCRS_RESPONSE)); } };
    const out = await execute(t, GetCapability, { params: { capability: TPM_CAP.PCRS, property: 0, propertyCount: 1 } });
    expect(toHex(sent[0] ?? new Uint8Array())).to.equal(V.getCapPcrs.hex);
    expect('assignedPCR' in out.params.capabilityData.data).to.equal(true);
    expect(toHex(encodeCommand(PCRRead, { params: { pcrSelectionIn: { pcrSelections: [] } } })))
      .to.equal(toHex(encodeCommand(PCRRead, { handles: {}, params: { pcrSelectionIn: { pcrSelections: [] } } })));
  });

  it('execute() of a command with handles and none given is a CommandInputError, and nothing is sent', async () => {
    let sent = 0;
    const t: TpmTransport = { submit: () => { sent++; return Promise.reject(new Error('not reached')); } };
    // @ts-expect-error -- the type requires the handles of a command that has some
    const run = execute(t, PCRExtend, { params: { digests: { digests: [] } } });
    const e: unknown = await run.then(() => undefined, (x: unknown) => x);
    expect(e).to.be.instanceOf(CommandInputError);
    expect((e as CommandInputError).code).to.equal('MISSING_HANDLE');
    expect((e as CommandInputError).message).to.contain('TPM2_PCR_Extend').and.contain('pcrHandle');
    expect(sent).to.equal(0);
  });

  it('refuses to encode a command with a missing handle', () => {
    expect(() => encodeCommand(PCRExtend, { handles: {} as { pcrHandle: number }, params: { digests: { digests: [] } } })).to.throw(CommandInputError).with.property("code", "MISSING_HANDLE");
  });
});
