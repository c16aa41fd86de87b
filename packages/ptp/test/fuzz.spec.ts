import { expect } from 'chai';
import fc from 'fast-check';
import { CrbDevice, FakeBackend, MmioBus, TisDevice, TPM_BASE_ADDRESS } from '@tcg2sim/ptp';
import type { MmioWidth } from '@tcg2sim/ptp';

const access = fc.record({
  write: fc.boolean(),
  locality: fc.integer({ min: 0, max: 4 }),
  // bias towards the registers that have behaviour
  offset: fc.oneof(fc.constantFrom(0x00, 0x08, 0x10, 0x18, 0x19, 0x1b, 0x24, 0x30, 0x40, 0x44, 0x48, 0x4c, 0x80, 0x84), fc.integer({ min: 0, max: 0xffc })),
  width: fc.constantFrom<MmioWidth>(1, 2, 4),
  value: fc.oneof(fc.constantFrom(0x01, 0x02, 0x08, 0x10, 0x20, 0x40, 0x01000000, 0x80, 0x0a), fc.integer({ min: 0, max: 0xffffffff })),
});

describe('device models under arbitrary register traffic (property)', () => {
  for (const kind of ['tis', 'crb'] as const) {
    it(`${kind}: never throws, answers every read within its width and settles every backend call`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(access, { maxLength: 200 }), fc.uint8Array({ minLength: 0, maxLength: 64 }), async (accesses, rsp) => {
          const backend = new FakeBackend({ respond: () => rsp });
          const dev = kind === 'tis' ? new TisDevice(backend, { bufferSize: 64 }) : new CrbDevice(backend);
          const bus = new MmioBus();
          bus.map(TPM_BASE_ADDRESS, dev);
          for (const a of accesses) {
            const at = TPM_BASE_ADDRESS + (kind === 'tis' ? a.locality * 0x1000 : 0) + Math.min(a.offset, 0x1000 - a.width);
            const mask = a.width === 4 ? 0xffffffff : a.width === 2 ? 0xffff : 0xff;
            if (a.write) bus.write(at, a.width, (a.value & mask) >>> 0);
            else expect(bus.read(at, a.width)).to.be.within(0, mask);
            if (a.value === 0x0a) await Promise.resolve(); // let a backend answer now and then
          }
          await dev.settled();
          if (dev instanceof TisDevice) {
            for (let l = 0; l < 5; l++) expect(dev.state(l)).to.be.oneOf(['idle', 'ready', 'reception', 'execution', 'completion']);
          } else {
            expect(dev.state).to.be.oneOf(['idle', 'ready', 'execution', 'completion']);
          }
        }),
        { numRuns: 150 }
      );
    });
  }
});
