/**
 * The pflash units of a VM description as predict reads them, for both mappings (q35/pc in
 * predict-mapping.ts, `virt` in virt-mapping.ts): unit 0 the code, unit 1 the variable store.
 */
import type { Finding, PredictInput } from './predict-mapping.ts';
import type { Firmware } from './vm-description.ts';

/**
 * The firmware files of `fw`'s pflash units, or undefined when unit 0 has no file name; a unit
 * without a file name or in another format than raw adds a finding.
 */
export function pflashFirmware(fw: Extract<Firmware, { kind: 'pflash' }>, findings: Finding[]): PredictInput['firmware'] | undefined {
  const { code, vars } = fw;
  for (const img of [code, vars]) {
    if (img === undefined) continue;
    if (img.filename === undefined) findings.push({ origin: img.origin, reason: 'pflash without a file name' });
    else if (img.format !== undefined && img.format !== 'raw') findings.push({ origin: img.origin, reason: `pflash in ${img.format} format: predict reads raw images` });
  }
  return code.filename !== undefined ? { kind: 'pflash', code: code.filename, vars: vars?.filename } : undefined;
}
