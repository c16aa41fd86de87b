/**
 * EFI_STATUS values Tcg2Dxe returns (UEFI 2.9 Appendix D). Error codes have the high bit set;
 * we keep them as names, with the numeric value available for display.
 */
export const EFI_STATUS = {
  EFI_SUCCESS: 0x0n,
  EFI_INVALID_PARAMETER: 0x8000000000000002n,
  EFI_UNSUPPORTED: 0x8000000000000003n,
  EFI_BUFFER_TOO_SMALL: 0x8000000000000005n,
  EFI_DEVICE_ERROR: 0x8000000000000007n,
  EFI_OUT_OF_RESOURCES: 0x8000000000000009n,
  EFI_VOLUME_FULL: 0x800000000000000bn,
  EFI_NOT_FOUND: 0x800000000000000en,
  EFI_ACCESS_DENIED: 0x800000000000000fn,
  EFI_TIMEOUT: 0x8000000000000012n,
  EFI_SECURITY_VIOLATION: 0x800000000000001an,
} as const;
/** A status name (`EFI_SUCCESS`, `EFI_INVALID_PARAMETER`, …). */
export type EfiStatus = keyof typeof EFI_STATUS;

/** True for error statuses. */
export function isEfiError(s: EfiStatus): boolean {
  return s !== 'EFI_SUCCESS';
}
