import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';

/**
 * A TPM backend for a simulated boot, not yet powered on: the in-process soft TPM or a spawned
 * swtpm, with `banks` allocated (all four means the TPM's own default).
 */
export async function createBootBackend(kind: 'soft' | 'swtpm', banks: readonly string[]): Promise<TpmBackend> {
  const all = banks.length === 4;
  if (kind === 'swtpm') return SwtpmBackend.start(all ? {} : { pcrBanks: banks });
  return new SoftTpmBackend(all ? {} : { banks });
}
