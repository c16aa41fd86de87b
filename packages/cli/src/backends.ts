import { SwtpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { CommandFailure } from './errors.ts';

/** A TPM backend by name: the in-process soft TPM or a spawned swtpm with `banks` active. */
export async function createBackend(kind: 'soft' | 'swtpm', banks: readonly string[]): Promise<TpmBackend> {
  if (kind === 'swtpm') {
    const all = banks.length === 4;
    return SwtpmBackend.start(all ? {} : { pcrBanks: banks });
  }
  throw new CommandFailure('the soft TPM backend is not available yet: use --tpm swtpm');
}
