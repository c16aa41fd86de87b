import { mapped, fixedBytes } from './codec.ts';
import type { Codec } from './codec.ts';
import { DecodeError } from './errors.ts';

const GUID_RE = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/**
 * EFI_GUID bytes (UEFI 2.9 Appendix A: Data1 u32 LE, Data2 u16 LE, Data3 u16 LE, Data4 8 bytes)
 * to the registry form `8C8CE578-8A3D-4F1C-9935-896185C32DD3` (upper case, as EDK II prints).
 */
export function guidToString(b: Uint8Array): string {
  if (b.length !== 16) throw new RangeError(`"guid" expected 16 bytes, got ${b.length}`);
  const h = (i: number): string => (b[i] ?? 0).toString(16).padStart(2, '0');
  const s =
    h(3) + h(2) + h(1) + h(0) + '-' + h(5) + h(4) + '-' + h(7) + h(6) + '-' + h(8) + h(9) + '-' +
    h(10) + h(11) + h(12) + h(13) + h(14) + h(15);
  return s.toUpperCase();
}

/** Registry-form GUID string to its 16 EFI_GUID bytes. Throws RangeError on a malformed string. */
export function guidFromString(s: string): Uint8Array {
  if (!GUID_RE.test(s)) throw new RangeError(`"guid" malformed: ${JSON.stringify(s)}`);
  const hex = s.replace(/-/g, '');
  const raw = Buffer.from(hex, 'hex');
  const out = new Uint8Array(16);
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  for (let i = 0; i < 16; i++) out[order[i] ?? 0] = raw[i] ?? 0;
  return out;
}

/** True when `s` is a registry-form GUID string. */
export function isGuidString(s: string): boolean {
  return GUID_RE.test(s);
}

/** EFI_GUID as a 16-byte field, decoded to its registry-form string. */
export const EFIGuid: Codec<string> = mapped(
  fixedBytes('EFI_GUID', 16),
  'EFI_GUID',
  (b) => guidToString(b),
  (s) => {
    if (!GUID_RE.test(s)) throw new RangeError(`"EFI_GUID" malformed: ${JSON.stringify(s)}`);
    return guidFromString(s);
  }
);

/** Throws DecodeError('BAD_VALUE') when `s` is not a GUID (for parsing user text). */
export function parseGuid(s: string, what = 'guid'): Uint8Array {
  if (!GUID_RE.test(s)) throw new DecodeError('BAD_VALUE', `${what}: not a GUID: ${JSON.stringify(s)}`, 0, [what]);
  return guidFromString(s);
}
