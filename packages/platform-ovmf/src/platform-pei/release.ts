/**
 * Which edk2 release a build is, as far as the image says: distributions that set
 * PcdFirmwareVersionString (Debian from 2025.02, Ubuntu) start it with the edk2-stable tag's
 * YYYY.MM ("2025.02-8+deb13u1" is edk2-stable202502). Behaviour that changed between releases
 * and leaves no other trace in the image (BDS's boot options) is decided by it; a build without
 * such a string keeps edk2-stable202211's behaviour, with a note when the image holds code of a
 * later release (QEMU's ACPI blobs measured: edk2-stable202302 and later).
 */
import type { FirmwareVersionString } from './firmware-version.ts';

/** The release of a build: YYYYMM of its edk2-stable tag, or undefined when unknown. */
export interface Edk2Release {
  readonly release: number | undefined;
  readonly evidence: string;
}

/** The release encoded in PcdFirmwareVersionString, when it starts with YYYY.MM. */
export function edk2ReleaseOf(version: FirmwareVersionString): Edk2Release {
  const m = /^(20\d\d)\.(0[1-9]|1[0-2])(?!\d)/.exec(version.value);
  if (m === null) {
    return { release: undefined, evidence: version.value === '' ? 'PcdFirmwareVersionString is empty: release unknown' : `PcdFirmwareVersionString L"${version.value}" names no YYYY.MM release` };
  }
  const release = Number(`${m[1] ?? ''}${m[2] ?? ''}`);
  return { release, evidence: `PcdFirmwareVersionString L"${version.value}": edk2-stable${release}` };
}

/**
 * edk2-stable202305 and later create no boot option for a removable medium that is absent (the
 * empty DVD-ROM of QEMU's default q35/pc CD drive): observed on Debian trixie's 2025.02.
 */
export const NO_EMPTY_REMOVABLE_OPTION_FROM = 202305;
/**
 * edk2-stable202505 and later: the internal Shell is an APP-category option, not auto-booted.
 * The boot model decides it from BdsDxe's image (boot/bds-platform-options.ts); `profile` flags a
 * build of this release or later whose BdsDxe does not say so.
 */
export const SHELL_NOT_AUTOBOOTED_FROM = 202505;
/**
 * With no bootable option, BDS signals ReadyToBoot once before the Boot Manager Menu: BDS then
 * processes PlatformRecovery0000, and EfiBootManagerProcessLoadOption signals ReadyToBoot for a
 * platform-recovery option from edk2-stable202402 on (edk2 commit "MdeModulePkg/
 * UefiBootManagerLib: Signal ReadyToBoot on platform recovery"); observed on Debian trixie's
 * 2025.02 secboot image (no Shell). platform-pei/bds-behaviour.ts reads it from BdsDxe's code.
 */
export const READY_TO_BOOT_WITHOUT_OPTION_FROM = 202402;
