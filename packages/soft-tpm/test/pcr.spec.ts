/**
 * PCRs of the soft TPM: extend values computed independently with hash-lib (Part 1 §17:
 * new = H(old || digest)), the PC Client locality table, Startup locality, resume, H-CRTM and
 * PCR_Allocate taking effect at TPM_Init.
 */
import { expect } from 'chai';
import { TPM_ALG_HASH, extendPcrValue, hash, pcrInitValue, type TpmAlgHash } from '@tcg2sim/hash-lib';
import {
  PCRAllocate, PCREvent, PCRExtend, PCRRead, PCRReset, Shutdown, TPM_RC, TPM_RH, TPM_SU, pcrSelectBits,
} from '@tcg2sim/tpm2-command-lib';
import { PCR_ATTRIBUTES, pcrExtendAllowed, pcrResetAllowed } from '@tcg2sim/soft-tpm';
import { harness, rejectsWith } from './harness.ts';

const BANKS: readonly TpmAlgHash[] = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512];
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('soft TPM PCRs', () => {
  it('extends PCR0 in every bank to H(old || digest)', async () => {
    const { run, tpm } = harness();
    const digests = BANKS.map((a) => ({ hashAlg: a, digest: hash(a, text('event')) }));
    await run(PCRExtend, { handles: { pcrHandle: 0 }, params: { digests: { digests } } });
    for (const a of BANKS) expect(tpm.pcr(a, 0)).to.deep.equal(extendPcrValue(a, pcrInitValue(a), hash(a, text('event'))));
  });

  it('reads back at most eight digests and trims the returned selection', async () => {
    const { run } = harness();
    const { params } = await run(PCRRead, { handles: {}, params: { pcrSelectionIn: { pcrSelections: [{ hash: TPM_ALG_HASH.SHA256, pcrSelect: pcrSelectBits([...Array(24).keys()]) }] } } });
    expect(params.pcrValues.digests).to.have.length(8);
    expect(params.pcrSelectionOut.pcrSelections[0]?.pcrSelect).to.deep.equal(Uint8Array.of(0xff, 0, 0));
  });

  it('gives PCR_Event the digest of the event in all four banks', async () => {
    const { run, tpm } = harness();
    const { params } = await run(PCREvent, { handles: { pcrHandle: 23 }, params: { eventData: text('abc') } });
    expect(params.digests.digests.map((d) => d.hashAlg)).to.deep.equal(BANKS);
    for (const d of params.digests.digests) expect(d.digest).to.deep.equal(hash(d.hashAlg, text('abc')));
    expect(tpm.pcr(TPM_ALG_HASH.SHA384, 23)).to.deep.equal(extendPcrValue(TPM_ALG_HASH.SHA384, pcrInitValue(TPM_ALG_HASH.SHA384), hash(TPM_ALG_HASH.SHA384, text('abc'))));
  });

  describe('PC Client locality rules', () => {
    // PC Client PTP PCR table as libtpms implements it: PCR 0-15 never resettable, 16 and 23 from
    // localities 0-3, 17-22 only from the localities that own them.
    const resetFrom: Record<number, number[]> = { 16: [0, 1, 2, 3], 17: [], 18: [], 19: [], 20: [2], 21: [2], 22: [2], 23: [0, 1, 2, 3] };
    const extendFrom: Record<number, number[]> = { 16: [0, 1, 2, 3, 4], 17: [2, 3, 4], 18: [2, 3, 4], 19: [2, 3], 20: [1, 2, 3], 21: [2], 22: [2], 23: [0, 1, 2, 3, 4] };
    for (let pcr = 0; pcr < 24; pcr++) {
      it(`allows PCR ${pcr} reset from [${(resetFrom[pcr] ?? []).join(',')}] and extend from [${(extendFrom[pcr] ?? [0, 1, 2, 3, 4]).join(',')}]`, () => {
        for (let loc = 0; loc <= 4; loc++) {
          expect(pcrResetAllowed(pcr, loc), `reset at ${loc}`).to.equal((resetFrom[pcr] ?? []).includes(loc));
          expect(pcrExtendAllowed(pcr, loc), `extend at ${loc}`).to.equal((extendFrom[pcr] ?? [0, 1, 2, 3, 4]).includes(loc));
        }
      });
    }

    it('answers TPM_RC_LOCALITY for a forbidden reset or extend and changes nothing', async () => {
      const { run, tpm } = harness();
      const before = tpm.pcr(TPM_ALG_HASH.SHA256, 17);
      await rejectsWith(run(PCRReset, { handles: { pcrHandle: 17 }, params: {} }, 4), TPM_RC.LOCALITY);
      await rejectsWith(run(PCRReset, { handles: { pcrHandle: 0 }, params: {} }, 0), TPM_RC.LOCALITY);
      await rejectsWith(run(PCRExtend, { handles: { pcrHandle: 17 }, params: { digests: { digests: [] } } }, 0), TPM_RC.LOCALITY);
      expect(tpm.pcr(TPM_ALG_HASH.SHA256, 17)).to.deep.equal(before);
      expect(PCR_ATTRIBUTES).to.have.length(24);
    });

    it('starts PCRs 17-22 at all ones and resets 16 and 23 to zero', async () => {
      const { run, tpm } = harness();
      for (let pcr = 17; pcr <= 22; pcr++) expect(tpm.pcr(TPM_ALG_HASH.SHA1, pcr)).to.deep.equal(pcrInitValue(TPM_ALG_HASH.SHA1, 0xff));
      await run(PCRExtend, { handles: { pcrHandle: 16 }, params: { digests: { digests: [{ hashAlg: TPM_ALG_HASH.SHA1, digest: new Uint8Array(20) }] } } });
      await run(PCRReset, { handles: { pcrHandle: 16 }, params: {} });
      expect(tpm.pcr(TPM_ALG_HASH.SHA1, 16)).to.deep.equal(pcrInitValue(TPM_ALG_HASH.SHA1));
    });
  });

  it('sets the last byte of PCR0 to the startup locality 3', async () => {
    const { startup, tpm } = harness({}, false);
    await startup(TPM_SU.CLEAR, 3);
    const v = pcrInitValue(TPM_ALG_HASH.SHA256);
    v[31] = 3;
    expect(tpm.pcr(TPM_ALG_HASH.SHA256, 0)).to.deep.equal(v);
  });

  it('sets PCR0 from the H-CRTM sequence to H(0...04 || H(data)) and keeps it through Startup', async () => {
    const { startup, tpm } = harness({}, false);
    const data = text('H-CRTM measured code');
    tpm.hashStart();
    tpm.hashData(data.subarray(0, 5));
    tpm.hashData(data.subarray(5));
    tpm.hashEnd();
    await startup(TPM_SU.CLEAR, 0);
    for (const a of BANKS) expect(tpm.pcr(a, 0)).to.deep.equal(extendPcrValue(a, pcrInitValue(a).fill(4, -1), hash(a, data)));
  });

  it('restores PCRs 0-15 on Startup(STATE) after Shutdown(STATE) and resets the others', async () => {
    const { run, startup, tpm } = harness();
    const d = [{ hashAlg: TPM_ALG_HASH.SHA256, digest: hash(TPM_ALG_HASH.SHA256, text('x')) }];
    await run(PCRExtend, { handles: { pcrHandle: 7 }, params: { digests: { digests: d } } });
    await run(PCRExtend, { handles: { pcrHandle: 16 }, params: { digests: { digests: d } } });
    const pcr7 = tpm.pcr(TPM_ALG_HASH.SHA256, 7);
    await run(Shutdown, { handles: {}, params: { shutdownType: TPM_SU.STATE } });
    tpm.powerOn();
    await startup(TPM_SU.STATE);
    expect(tpm.pcr(TPM_ALG_HASH.SHA256, 7)).to.deep.equal(pcr7);
    expect(tpm.pcr(TPM_ALG_HASH.SHA256, 16)).to.deep.equal(pcrInitValue(TPM_ALG_HASH.SHA256));
  });

  it('applies PCR_Allocate at the next TPM_Init, not before', async () => {
    const { run, startup, tpm } = harness();
    const all = pcrSelectBits([...Array(24).keys()]);
    const r = await run(PCRAllocate, { handles: { authHandle: TPM_RH.PLATFORM }, params: { pcrAllocation: { pcrSelections: [{ hash: TPM_ALG_HASH.SHA1, pcrSelect: new Uint8Array(3) }, { hash: TPM_ALG_HASH.SHA256, pcrSelect: all }] } } });
    expect(r.params).to.deep.equal({ allocationSuccess: 1, maxPCR: 24, sizeNeeded: 24 * (32 + 48 + 64), sizeAvailable: 24 * (20 + 32 + 48 + 64) });
    expect(tpm.pcr(TPM_ALG_HASH.SHA1, 0)).to.not.equal(undefined);
    await rejectsWith(run(Shutdown, { handles: {}, params: { shutdownType: TPM_SU.STATE } }), TPM_RC.TYPE + 0x140);
    tpm.powerOn();
    await startup();
    expect(tpm.pcr(TPM_ALG_HASH.SHA1, 0)).to.equal(undefined);
    expect(tpm.pcr(TPM_ALG_HASH.SHA256, 0)).to.deep.equal(pcrInitValue(TPM_ALG_HASH.SHA256));
  });

  it('activates only the banks it is manufactured with', () => {
    const { tpm } = harness({ banks: ['sha256'] });
    expect(tpm.pcr(TPM_ALG_HASH.SHA1, 0)).to.equal(undefined);
    expect(tpm.pcr(TPM_ALG_HASH.SHA256, 0)).to.deep.equal(pcrInitValue(TPM_ALG_HASH.SHA256));
  });
});
