/** Real backends for the integration tests: the soft TPM (in process) and swtpm, plus the paths. */
import { readFileSync, readdirSync } from 'node:fs';
import { CrbDevice, MmioBus, RealClock, TisDevice, TPM_BASE_ADDRESS, VirtualClock } from '@tcg2sim/ptp';
import type { Clock } from '@tcg2sim/ptp';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { Tpm2DeviceLib } from '@tcg2sim/tpm2-device-lib';
import type { TpmTransport } from '@tcg2sim/tpm2-device-lib';

/** The soft TPM behind the TpmBackend contract (tpm-backends' adapter). */
export function softBackend(): TpmBackend {
  return new SoftTpmBackend();
}

/** How commands reach the backend. */
export type Path = 'none' | 'tis' | 'crb';

/**
 * A transport over `backend` through `path` (firmware driver + device model, or direct). With no
 * clock given, a virtual clock that waits for each backend call (real-time backends).
 */
export async function transportFor(backend: TpmBackend, path: Path, clock?: Clock): Promise<TpmTransport> {
  if (path === 'none') return { submit: (c) => backend.transmit(c, 0) };
  const virtual = new VirtualClock();
  const options = clock ? {} : { onBackendCall: (p: Promise<void>): void => virtual.waitFor(p) };
  const bus = new MmioBus();
  bus.map(TPM_BASE_ADDRESS, path === 'tis' ? new TisDevice(backend, options) : new CrbDevice(backend, options));
  const lib = Tpm2DeviceLib.open({ bus, clock: clock ?? virtual });
  await lib.requestUseTpm();
  return lib;
}

/** A clock for swtpm: real time. */
export const realClock = (): Clock => new RealClock();

/** The pid of the swtpm serving `port` (so a test can kill the process it started). */
export function swtpmPid(port: number): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const args = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('swtpm') === true && args.some((a) => a.includes(`port=${port}`))) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
