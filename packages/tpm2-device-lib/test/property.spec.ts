import { expect } from 'chai';
import fc from 'fast-check';
import { CRB_BUFFER_SIZE } from '@tcg2sim/ptp';
import { crbRig, response, tisRig } from './harness.ts';

/** A command of `size` bytes with a consistent header. */
function command(size: number, seed: number): Uint8Array {
  const c = response(size, seed);
  c[9] = 0x44;
  return c;
}

const sizes = (max: number): fc.Arbitrary<number> => fc.oneof(fc.integer({ min: 10, max: 300 }), fc.integer({ min: 10, max }));

describe('driver + device round trips (property)', () => {
  it('carries any command and response unchanged through TIS, whatever the burst counts and delays', async () => {
    await fc.assert(
      fc.asyncProperty(
        sizes(4096),
        sizes(4096),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 3_000_000 }),
        fc.integer({ min: 0, max: 255 }),
        async (cmdSize, rspSize, burst, delayUs, seed) => {
          const rsp = response(rspSize, seed);
          const cmd = command(cmdSize, seed);
          const rig = tisRig({ respond: () => rsp, delayUs }, { burstLimit: burst });
          expect(await rig.lib.submit(cmd)).to.deep.equal(rsp);
          expect(rig.backend.commands[0]?.command).to.deep.equal(cmd);
          // and again on the same device: the state machine is back at ready
          expect(await rig.lib.submit(cmd)).to.deep.equal(rsp);
        }
      ),
      { numRuns: 40 }
    );
  });

  it('carries any command and response unchanged through CRB, whatever the delays', async () => {
    await fc.assert(
      fc.asyncProperty(
        sizes(CRB_BUFFER_SIZE),
        sizes(CRB_BUFFER_SIZE),
        fc.integer({ min: 0, max: 3_000_000 }),
        fc.integer({ min: 0, max: 255 }),
        async (cmdSize, rspSize, delayUs, seed) => {
          const rsp = response(rspSize, seed);
          const cmd = command(cmdSize, seed);
          const rig = crbRig({ respond: () => rsp, delayUs });
          expect(await rig.lib.submit(cmd)).to.deep.equal(rsp);
          expect(rig.backend.commands[0]?.command).to.deep.equal(cmd);
          expect(await rig.lib.submit(cmd)).to.deep.equal(rsp);
        }
      ),
      { numRuns: 40 }
    );
  });

  it('never returns more than the caller buffer and fails typed on hostile response headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 10, maxLength: 64 }),
        fc.integer({ min: 10, max: 64 }),
        fc.boolean(),
        async (bytes, max, useCrb) => {
          const rig = useCrb ? crbRig({ respond: () => bytes }) : tisRig({ respond: () => bytes });
          try {
            const r = await rig.lib.submit(command(12, 0), { maxResponseSize: max });
            expect(r.length).to.be.at.most(max).and.at.least(10);
          } catch (e: unknown) {
            expect(e).to.have.property('name', 'ProtocolError');
            expect(e).to.have.property('code').that.is.oneOf(['BAD_RESPONSE_SIZE', 'BAD_RESPONSE_TAG', 'TIMEOUT_D']);
          }
        }
      ),
      { numRuns: 100 }
    );
  });
});
