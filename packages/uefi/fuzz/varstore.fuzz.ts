/**
 * Coverage-guided fuzz target for the variable-store readers and the boot-time recovery
 * (authenticated variable store in an NV firmware volume, FTW working block and spare).
 * Seeds: Debian's OVMF_VARS*.fd. See fuzz/README.md for how to run it.
 */
import { readVarStore, recoverVarStore } from '@tcg2sim/uefi';
import { plainBytes, typed } from './typed.ts';

/** The fuzz target: `data` is one input from the fuzzer. */
export function fuzz(data: Uint8Array): void {
  const image = plainBytes(data);
  // Layout (headers, or the spare copy after an interrupted FTW write), every record, the FTW
  // queue, and the live variables after the recovery a boot would do (run on a copy).
  typed(() => readVarStore(image));
  // Recovery writes (FTW replay, reclaim) into the image: give it a copy.
  typed(() => recoverVarStore(image.slice()));
}
