/** What `config` and `vars` share: variable-store errors reported as one-line usage errors. */
import { DecodeError } from '@tcg2sim/binary-codec';
import { VarStoreError } from '@tcg2sim/uefi';
import { UsageError } from '../errors.ts';

/**
 * Runs `fn` on the variable store in `file`, rethrowing a data error (a VarStoreError other than
 * a simulated power loss, or a DecodeError) as a one-line UsageError naming the file, the
 * structure and the offset.
 */
export function inVarStoreFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof VarStoreError && err.code !== 'POWER_LOSS') {
      const at = err.offset >= 0 ? ` at offset 0x${err.offset.toString(16)}` : '';
      throw new UsageError(`${file}: ${err.structure}${at}: ${err.detail} (${err.code})`, { cause: err });
    }
    if (err instanceof DecodeError) {
      throw new UsageError(`${file}: ${err.path.join('.') || 'variable store'} at offset 0x${err.offset.toString(16)}: ${err.detail} (${err.code})`, { cause: err });
    }
    throw err;
  }
}
