/** A simulated boot of the embedded default firmware on a soft TPM, for specs that compare boot variants. */
import { VirtualClock } from '@tcg2sim/ptp';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { MachineDescription, buildDefaultFirmware, simulateBoot } from '@tcg2sim/platform-ovmf';
import type { BootInput, BootResult, DefaultFirmware } from '@tcg2sim/platform-ovmf';

let built: DefaultFirmware | undefined;

/** The embedded default firmware, built once (a boot's `sec` input must come from these very bytes). */
export function defaultFirmware(): DefaultFirmware {
  built ??= buildDefaultFirmware();
  return built;
}

/** Boots the default firmware (q35, TIS, virtual clock) with `over` applied to the inputs. */
export async function bootDefaultFirmware(over: Partial<BootInput> = {}): Promise<BootResult> {
  const fw = defaultFirmware();
  const backend = new SoftTpmBackend({});
  try {
    return await simulateBoot({
      code: fw.code, vars: fw.vars, machine: MachineDescription.parse({}), tpmInterface: 'tis', backend, clock: new VirtualClock(), ...over,
    });
  } finally {
    await backend.close();
  }
}
