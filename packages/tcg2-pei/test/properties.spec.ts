import { expect } from 'chai';
import fc from 'fast-check';
import { TCG_HOB_GUID, getFvName, runTcg2Pei } from '@tcg2sim/tcg2-pei';
import type { PeiEfiError, PeiFv } from '@tcg2sim/tcg2-pei';
import { FakePeiTpm, fvBytes } from './support.ts';

const STATUS: readonly PeiEfiError[] = ['DEVICE_ERROR', 'BUFFER_TOO_SMALL', 'TIMEOUT', 'NOT_FOUND', 'UNSUPPORTED'];

describe('Tcg2Pei properties (fast-check)', function () {
  it('GetFvName never throws on arbitrary FV bytes and lengths, and names only FVs whose extended header fits', function () {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.bigInt({ min: 0n, max: 0x1000n }), (bytes, length) => {
        const name = getFvName({ base: 0n, length, bytes });
        if (name !== undefined) {
          const ext = (bytes[0x34] ?? 0) | ((bytes[0x35] ?? 0) << 8);
          expect(ext).to.be.at.least(0x40);
          expect(BigInt(ext + 0x14) <= length).to.equal(true);
        }
      }),
      { numRuns: 300 }
    );
  });

  it('whatever extends fail: HOBs match measurements, nothing is extended after the error HOB, the MeasuredFv HOB lists only measured FVs', async function () {
    const fvs: PeiFv[] = [1, 2, 3].map((i) => ({ base: BigInt(i) << 20n, length: 0x100n, bytes: fvBytes(0x100, i) }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(fc.constantFrom(...STATUS), { nil: undefined }), { minLength: 4, maxLength: 4 }), async (fails) => {
        const failures = new Map<number, PeiEfiError>();
        fails.forEach((f, i) => {
          if (f !== undefined) failures.set(i, f);
        });
        const tpm = new FakePeiTpm({ extendFailures: failures });
        const [boot, ...infos] = fvs;
        if (boot === undefined) return;
        const r = await runTcg2Pei({ tpm, bootMode: 'normal', bootFv: boot, fvInfos: infos });
        const hobs2 = r.hobs.filter((h) => h.guid === TCG_HOB_GUID.TCG_EVENT2_ENTRY);
        expect(hobs2).to.have.length(r.measurements.length);
        const firstDevice = fails.findIndex((f) => f === 'DEVICE_ERROR');
        if (firstDevice >= 0 && firstDevice < tpm.extends.length) {
          // The failing extend was sent; nothing after it reached the TPM.
          expect(tpm.extends).to.have.length(firstDevice + 1);
          expect(r.outcome).to.equal('tpm-error');
        } else {
          expect(r.outcome).to.equal('measured');
        }
        const measuredBases = r.measurements.filter((m) => m.eventType === 0x80000008).length;
        const fvHob = r.hobs.find((h) => h.guid === TCG_HOB_GUID.MEASURED_FV);
        if (fvHob !== undefined) expect(fvHob.data[0]).to.equal(measuredBases);
      }),
      { numRuns: 100 }
    );
  });
});
