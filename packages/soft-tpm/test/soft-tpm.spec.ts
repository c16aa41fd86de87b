/**
 * The soft TPM as a whole: it answers every input with a TPM response (never an exception), its
 * error responses have libtpms' shape, its state saves and restores, and its randomness is
 * seeded. Response codes are the ones swtpm gives (see tpm-backends' differential corpus).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH, hash } from '@tcg2sim/hash-lib';
import {
  GetRandom, HashSequenceStart, PCRExtend, SequenceComplete, SequenceUpdate, TPM_RC, TPM_RH, TPM_SU, Shutdown,
} from '@tcg2sim/tpm2-command-lib';
import { SoftTpm, SoftTpmOptionError, SoftTpmStateError, MAX_COMMAND_SIZE, COMMANDS } from '@tcg2sim/soft-tpm';
import { harness, rcOf, rejectsWith } from './harness.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const STARTUP = fromHex('80010000000c000001440000');
const PCR_EXTEND_0 = fromHex('80020000002b00000182000000000000000940000009000000000000000001000400000000000000000000000000000000000000000000');

describe('SoftTpm', () => {
  describe('header checks (libtpms ExecuteCommand order)', () => {
    const tpm = new SoftTpm();
    tpm.powerOn();
    const cases: ReadonlyArray<[string, string, number]> = [
      ['a command before Startup', '80010000000e0000017e00000000', TPM_RC.INITIALIZE],
      ['an unknown command code before Startup', '80010000000a000001ff', TPM_RC.COMMAND_CODE],
      ['a size field larger than the bytes sent', '80010000000d000001440000', TPM_RC.COMMAND_SIZE],
      ['a size field over 4096', '80010000100100000144', TPM_RC.COMMAND_SIZE],
      ['a response tag', '00c40000000c000001440000', TPM_RC.BAD_TAG],
      ['a value that is no TPM_ST', '80030000000c000001440000', TPM_RC.VALUE],
      ['one byte', '80', TPM_RC.INSUFFICIENT],
      ['no bytes', '', TPM_RC.INSUFFICIENT],
      ['Startup with a bad TPM_SU', '80010000000c000001440002', TPM_RC.VALUE + 0x140],
      ['Startup with a trailing byte', '80010000000d00000144000000', TPM_RC.SIZE],
    ];
    for (const [what, hex, rc] of cases) {
      it(`answers ${what} with 0x${rc.toString(16)} in a 10-byte TPM_ST_NO_SESSIONS response`, () => {
        const r = tpm.execute(fromHex(hex));
        expect(toHex(r)).to.equal('80010000000a' + rc.toString(16).padStart(8, '0'));
      });
    }
    it('uses a 4096-byte limit', () => {
      expect(MAX_COMMAND_SIZE).to.equal(4096);
    });
  });

  it('never throws and always answers a well-formed header for arbitrary bytes', () => {
    const tpm = new SoftTpm();
    tpm.powerOn();
    tpm.execute(STARTUP);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 4 }), (bytes, loc) => {
        const r = tpm.execute(bytes, loc);
        expect(r.length).to.be.at.least(10);
        const v = new DataView(r.buffer, r.byteOffset);
        expect(v.getUint32(2)).to.equal(r.length);
        if (v.getUint32(6) !== 0) expect(r.length).to.equal(10);
      }),
      { numRuns: 2000, seed: 42 }
    );
  });

  it('never throws on mutations of valid commands of every implemented kind', () => {
    const tpm = new SoftTpm();
    tpm.powerOn();
    tpm.execute(STARTUP);
    const valid = fc.constantFrom(PCR_EXTEND_0, fromHex('8001000000140000017e00000001000b03ffffff'), fromHex('80010000000e000001860000000b'));
    fc.assert(
      fc.property(valid, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat(60), (base, edits, cut) => {
        const c = Uint8Array.from(base);
        for (const [at, v] of edits) c[at % c.length] = v;
        const r = tpm.execute(c.subarray(0, Math.max(0, c.length - cut)));
        expect(r.length).to.be.at.least(10);
      }),
      { numRuns: 2000, seed: 7 }
    );
    expect(COMMANDS.length).to.equal(24);
  });

  it('answers TPM_RC_FAILURE while powered off and for a locality outside 0-4', () => {
    const tpm = new SoftTpm();
    expect(rcOf(tpm.execute(STARTUP))).to.equal(TPM_RC.FAILURE);
    tpm.powerOn();
    expect(rcOf(tpm.execute(STARTUP, 5))).to.equal(TPM_RC.FAILURE);
    expect(rcOf(tpm.execute(STARTUP, 0))).to.equal(TPM_RC.SUCCESS);
    tpm.powerOff();
    expect(tpm.powered).to.equal(false);
  });

  it('requires Startup again after TPM_Init', () => {
    const tpm = new SoftTpm();
    tpm.powerOn();
    expect(rcOf(tpm.execute(STARTUP))).to.equal(0);
    expect(rcOf(tpm.execute(STARTUP))).to.equal(TPM_RC.INITIALIZE);
    tpm.powerOn();
    expect(tpm.started).to.equal(false);
    expect(rcOf(tpm.execute(STARTUP))).to.equal(0);
  });

  it('refuses Startup(STATE) unless the last Shutdown was Shutdown(STATE)', async () => {
    const { run, startup, tpm } = harness();
    tpm.powerOn();
    await rejectsWith(startup(TPM_SU.STATE), TPM_RC.VALUE + 0x140);
    await startup(TPM_SU.CLEAR);
    await run(Shutdown, { handles: {}, params: { shutdownType: TPM_SU.STATE } });
    tpm.powerOn();
    await startup(TPM_SU.STATE);
  });

  it('hashes a 1 MiB sequence sent in 1024 SequenceUpdates to the digest of the whole', async () => {
    const { run } = harness();
    const { handles } = await run(HashSequenceStart, { handles: {}, params: { auth: new Uint8Array(0), hashAlg: TPM_ALG_HASH.SHA384 } });
    const block = new Uint8Array(1024);
    const all = new Uint8Array(1024 * 1024);
    for (let i = 0; i < 1024; i++) {
      block.fill(i & 0xff);
      all.set(block, i * 1024);
      await run(SequenceUpdate, { handles: { sequenceHandle: handles.sequenceHandle }, params: { buffer: block } });
    }
    const r = await run(SequenceComplete, { handles: { sequenceHandle: handles.sequenceHandle }, params: { buffer: new Uint8Array(0), hierarchy: TPM_RH.NULL } });
    expect(r.params.result).to.deep.equal(hash(TPM_ALG_HASH.SHA384, all));
  });

  describe('state', () => {
    it('saves mid-sequence and continues exactly like an unsaved twin', async () => {
      const a = harness();
      const b = harness();
      for (const h of [a, b]) {
        const { handles } = await h.run(HashSequenceStart, { handles: {}, params: { auth: new Uint8Array(0), hashAlg: TPM_ALG_HASH.SHA256 } });
        await h.run(SequenceUpdate, { handles: { sequenceHandle: handles.sequenceHandle }, params: { buffer: text('first ') } });
        await h.run(PCRExtend, { handles: { pcrHandle: 3 }, params: { digests: { digests: [{ hashAlg: TPM_ALG_HASH.SHA1, digest: new Uint8Array(20).fill(1) }] } } });
      }
      const restored = SoftTpm.restore(a.tpm.save());
      expect(restored.save()).to.equal(a.tpm.save());
      const cmd = (h: { run: typeof a.run }) =>
        h.run(SequenceComplete, { handles: { sequenceHandle: 0x80000000 }, params: { buffer: text('second'), hierarchy: TPM_RH.NULL } });
      const rb = await cmd(b);
      const rr = await cmd(harness({}, false, restored));
      expect(rr.params.result).to.deep.equal(rb.params.result);
      expect(rb.params.result).to.deep.equal(hash(TPM_ALG_HASH.SHA256, text('first second')));
      expect(restored.pcr(TPM_ALG_HASH.SHA1, 3)).to.deep.equal(b.tpm.pcr(TPM_ALG_HASH.SHA1, 3));
    });

    const bad: ReadonlyArray<[string, string, string]> = [
      ['text that is not JSON', '{', 'BAD_JSON'],
      ['an unknown version', '{"version":2}', 'BAD_VERSION'],
      ['an incomplete state', '{"version":1,"persistent":{}}', 'BAD_SHAPE'],
      ['bad hex', '{"version":1,"persistent":{"rngSeed":{"$hex":"zz"}}}', 'BAD_SHAPE'],
    ];
    for (const [what, json, code] of bad) {
      it(`refuses ${what} with SoftTpmStateError ${code}`, () => {
        try {
          SoftTpm.restore(json);
          expect.fail('restore accepted it');
        } catch (e) {
          expect(e).to.be.instanceOf(SoftTpmStateError);
          if (e instanceof SoftTpmStateError) expect(e.code).to.equal(code);
        }
      });
    }
  });

  describe('randomness', () => {
    it('gives the same GetRandom bytes for the same seed and different ones for another seed', async () => {
      const r = async (seed: Uint8Array): Promise<Uint8Array> => (await harness({ seed }).run(GetRandom, { handles: {}, params: { bytesRequested: 32 } })).params.randomBytes;
      const s1 = new Uint8Array(32).fill(1);
      expect(await r(s1)).to.deep.equal(await r(s1));
      expect(await r(s1)).to.not.deep.equal(await r(new Uint8Array(32).fill(2)));
    });

    it('caps GetRandom at 64 bytes as libtpms does', async () => {
      const { params } = await harness().run(GetRandom, { handles: {}, params: { bytesRequested: 1000 } });
      expect(params.randomBytes).to.have.length(64);
    });
  });

  it('refuses an unknown PCR bank name with SoftTpmOptionError', () => {
    expect(() => new SoftTpm({ banks: ['sha256', 'md5'] })).to.throw(SoftTpmOptionError);
    expect(() => new SoftTpm({ banks: ['sm3_256'] })).to.throw(SoftTpmOptionError);
  });
});
