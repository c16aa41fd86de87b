/**
 * Coverage-guided fuzz target for device paths: the binary decoder (one path, and a multi-instance
 * list) with the text conversion of what decodes, and the text parser. The first byte picks the
 * form: even = binary, odd = text (the rest read as Latin-1). Seeds: the device-path vectors
 * (EDK II's own texts and OVMF's boot options). See fuzz/README.md for how to run it.
 */
import { decodeDevicePath, decodeDevicePathList, devicePathFromText, devicePathToText, encodeDevicePath } from '@tcg2sim/uefi';
import { plainBytes, typed } from './typed.ts';

const limits = { maxNodes: 256 };

/** The fuzz target: `data` is one input from the fuzzer. */
export function fuzz(data: Uint8Array): void {
  const bytes = plainBytes(data);
  const rest = bytes.subarray(1);
  if (((bytes[0] ?? 0) & 1) === 0) {
    typed(() => {
      const path = decodeDevicePath(rest, limits);
      devicePathToText(path);
      devicePathToText(path, { allowShortcuts: true });
      encodeDevicePath(path.nodes);
    });
    typed(() => {
      for (const p of decodeDevicePathList(rest, limits)) devicePathToText(p);
    });
  } else {
    typed(() => {
      let text = '';
      for (const b of rest) text += String.fromCharCode(b);
      const path = devicePathFromText(text);
      devicePathToText(path);
      encodeDevicePath(path.nodes);
    });
  }
}
