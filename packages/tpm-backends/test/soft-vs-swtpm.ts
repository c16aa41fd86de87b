/**
 * The soft TPM and swtpm side by side, for the specs that drive both in lockstep and compare
 * their answers (extend-chain, random-streams, short-commands): swtpm is the truth.
 */
import { requirePrerequisites } from '@tcg2sim/test-support';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';

export interface SoftVsSwtpm {
  /** swtpm (started in `before`). */
  readonly sw: SwtpmBackend;
  readonly soft: SoftTpmBackend;
  /** Powers both on and sends both `startup` (TPM2_Startup) at locality 0. */
  startUp(startup: Uint8Array): Promise<void>;
}

/** Call inside a `describe`: requires swtpm and starts both backends (`before`), closes swtpm (`after`). */
export function softVsSwtpm(): SoftVsSwtpm {
  let sw: SwtpmBackend | undefined;
  let soft: SoftTpmBackend | undefined;
  before(async function () {
    requirePrerequisites(this, { tools: ['swtpm'] });
    sw = await SwtpmBackend.start();
    soft = new SoftTpmBackend();
  });
  after(async () => {
    await sw?.close();
  });
  const started = <T>(b: T | undefined): T => {
    if (b === undefined) throw new Error('backends not started');
    return b;
  };
  return {
    get sw(): SwtpmBackend {
      return started(sw);
    },
    get soft(): SoftTpmBackend {
      return started(soft);
    },
    async startUp(startup: Uint8Array): Promise<void> {
      for (const b of [started(sw), started(soft)]) {
        await b.powerOn();
        await b.transmit(startup, 0);
      }
    },
  };
}
