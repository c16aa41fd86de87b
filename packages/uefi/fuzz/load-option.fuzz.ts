/**
 * Coverage-guided fuzz target for EFI_LOAD_OPTION (Boot####, Driver####, SysPrep####): the
 * decoder, the text of its device paths, and re-encoding what decoded.
 * Seeds: OVMF's boot options. See fuzz/README.md for how to run it.
 */
import { decodeLoadOption, devicePathToText, encodeLoadOption } from '@tcg2sim/uefi';
import { plainBytes, typed } from './typed.ts';

/** The fuzz target: `data` is one input from the fuzzer. */
export function fuzz(data: Uint8Array): void {
  const bytes = plainBytes(data);
  typed(() => {
    const option = decodeLoadOption(bytes, { maxNodes: 256 });
    for (const p of option.filePathList) devicePathToText(p);
    encodeLoadOption(option);
  });
}
