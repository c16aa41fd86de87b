import { expect } from 'chai';
import { ProtocolError } from '@tcg2sim/tpm2-device-lib';
import type { ProtocolErrorCode, ProtocolPhase } from '@tcg2sim/tpm2-device-lib';
import { B, OK, STARTUP, crbRig, response, tisRig } from './harness.ts';
import type { Rig } from './harness.ts';
import type { CrbDevice, TisDevice } from '@tcg2sim/ptp';

/** Runs one failing submit, checks the typed error, repairs, and checks the next command works. */
async function faultThenRecover<D>(
  rig: Rig<D>,
  code: ProtocolErrorCode,
  phase: ProtocolPhase,
  repair: () => void
): Promise<void> {
  await rig.lib.requestUseTpm();
  const err: unknown = await rig.lib.submit(STARTUP).catch((e: unknown) => e);
  expect(err).to.be.instanceOf(ProtocolError);
  expect(err).to.include({ code, phase });
  repair();
  expect(await rig.lib.submit(STARTUP)).to.deep.equal(OK);
  expect(rig.backend.commands.at(-1)?.command).to.deep.equal(STARTUP);
}

describe('injected faults (TIS)', () => {
  const cases: readonly {
    name: string;
    code: ProtocolErrorCode;
    phase: ProtocolPhase;
    inject: (r: Rig<TisDevice>) => void;
    repair: (r: Rig<TisDevice>) => void;
  }[] = [
    {
      name: 'a dropped command byte leaves Expect set: TIMEOUT_C',
      code: 'TIMEOUT_C',
      phase: 'expect',
      inject: (r) => (r.device.faults = { dropCommandByte: 7 }),
      repair: (r) => (r.device.faults = {}),
    },
    {
      name: 'stsValid never set: TIMEOUT_C',
      code: 'TIMEOUT_C',
      phase: 'expect',
      inject: (r) => (r.device.faults = { stsValidNever: true }),
      repair: (r) => (r.device.faults = {}),
    },
    {
      name: 'burstCount stuck at 0: TIMEOUT_D',
      code: 'TIMEOUT_D',
      phase: 'send',
      inject: (r) => (r.device.faults = { burstCountZero: true }),
      repair: (r) => (r.device.faults = {}),
    },
    {
      name: 'a response larger than the buffer: BAD_RESPONSE_SIZE',
      code: 'BAD_RESPONSE_SIZE',
      phase: 'receive',
      inject: (r) => (r.backend.options.respond = () => response(5000)),
      repair: (r) => delete r.backend.options.respond,
    },
    {
      name: 'locality 3 seizing the TPM mid-command: LOCALITY_LOST',
      code: 'LOCALITY_LOST',
      phase: 'receive',
      inject: (r) => (r.device.faults = { seizeOnExecute: 3 }),
      repair: (r) => {
        r.device.faults = {};
        r.bus.write8(B + 0x3000, 0x20); // the seizing locality lets go again
      },
    },
    {
      name: 'a backend crash (QEMU answers TPM_FAIL with a 1.2 tag): BAD_RESPONSE_TAG',
      code: 'BAD_RESPONSE_TAG',
      phase: 'receive',
      inject: (r) => (r.backend.options.crashNext = true),
      repair: () => undefined,
    },
  ];
  for (const c of cases) {
    it(`${c.name}, and the next command succeeds`, async () => {
      const rig = tisRig({ delayUs: 500 });
      c.inject(rig);
      await faultThenRecover(rig, c.code, c.phase, () => c.repair(rig));
    });
  }

  it('clears beenSeized after losing the TPM and leaves the seizing locality active', async () => {
    const rig = tisRig({ delayUs: 500 }, {});
    rig.device.faults = { seizeOnExecute: 2 };
    await rig.lib.requestUseTpm();
    await rig.lib.submit(STARTUP).catch(() => undefined);
    expect(rig.device.activeLocality).to.equal(2);
    expect(rig.bus.read8(B) & 0x10).to.equal(0);
  });
});

describe('injected faults (CRB)', () => {
  const cases: readonly {
    name: string;
    code: ProtocolErrorCode;
    phase: ProtocolPhase;
    inject: (r: Rig<CrbDevice>) => void;
    repair: (r: Rig<CrbDevice>) => void;
  }[] = [
    {
      name: 'the TPM never leaving idle: DEVICE_ERROR after three attempts',
      code: 'DEVICE_ERROR',
      phase: 'ready',
      inject: (r) => (r.device.faults = { idleStuck: true }),
      repair: (r) => (r.device.faults = {}),
    },
    {
      name: 'a response larger than the buffer: BAD_RESPONSE_SIZE',
      code: 'BAD_RESPONSE_SIZE',
      phase: 'receive',
      inject: (r) => (r.backend.options.respond = () => response(5000)),
      repair: (r) => delete r.backend.options.respond,
    },
    {
      name: 'a backend crash: BAD_RESPONSE_TAG (CTRL_STS.tpmSts set)',
      code: 'BAD_RESPONSE_TAG',
      phase: 'receive',
      inject: (r) => (r.backend.options.crashNext = true),
      repair: () => undefined,
    },
    {
      name: 'a backend that ignores START and cancel: TIMEOUT_MAX',
      code: 'TIMEOUT_MAX',
      phase: 'cancel',
      inject: (r) => {
        r.backend.options.hang = true;
        r.backend.options.honourCancel = false;
      },
      repair: (r) => {
        r.backend.options.hang = false;
        r.backend.options.honourCancel = true;
        void r.backend.cancel(); // the stuck command finally ends
      },
    },
  ];
  for (const c of cases) {
    it(`${c.name}, and the next command succeeds`, async () => {
      const rig = crbRig({ delayUs: 500 });
      c.inject(rig);
      await faultThenRecover(rig, c.code, c.phase, () => c.repair(rig));
    });
  }

  it('refuses a command larger than the CRB buffer', async () => {
    const { lib } = crbRig();
    const err: unknown = await lib.submit(new Uint8Array(0xf81)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError).with.property('code', 'COMMAND_TOO_LARGE');
  });
});
