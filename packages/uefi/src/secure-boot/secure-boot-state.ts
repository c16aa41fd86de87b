/**
 * The SecureBoot variable as a SECURE_BOOT_ENABLE build of OVMF (202211) creates it at boot:
 * AuthVariableLib sets the volatile SecureBoot to 1 when PK is enrolled and SecureBootEnable is
 * absent or not 0, else to 0. DxeImageVerificationLib then verifies images only when it is 1.
 */
import { VENDOR_GUID } from '../varstore/constants.ts';

/** The firmware's SecureBoot value and why. */
export interface SecureBootState {
  readonly secureBoot: 0 | 1;
  /** `PK enrolled`, `no PK` or `SecureBootEnable is 0`. */
  readonly reason: 'PK enrolled' | 'no PK' | 'SecureBootEnable is 0';
}

/** SecureBoot from the stored PK and SecureBootEnable (`get` reads a variable's data from the store). */
export function secureBootState(get: (name: string, guid: string) => Uint8Array | undefined): SecureBootState {
  const pk = get('PK', VENDOR_GUID.GLOBAL_VARIABLE);
  const enable = get('SecureBootEnable', VENDOR_GUID.SECURE_BOOT_ENABLE_DISABLE);
  if (pk === undefined || pk.length === 0) return { secureBoot: 0, reason: 'no PK' };
  if (enable !== undefined && enable[0] === 0) return { secureBoot: 0, reason: 'SecureBootEnable is 0' };
  return { secureBoot: 1, reason: 'PK enrolled' };
}
