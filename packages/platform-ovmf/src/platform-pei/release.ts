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
 * A snapshot build's date, as Fedora names its edk2 packages ("edk2-20230301gitf80f052277c8-1.fc38":
 * upstream's master of 2023-03-01): the code is no newer than that month (YYYYMM). A behaviour
 * first released in edk2-stable`from` landed after the tag before it (three months earlier), so a
 * snapshot from before that tag's month cannot have it (`snapshotPredates`).
 */
export function snapshotMonthOf(version: FirmwareVersionString): number | undefined {
  const m = /^edk2-(20\d\d)(0[1-9]|1[0-2])[0-3]\dgit[0-9a-f]{7,40}(?![0-9a-f])/.exec(version.value);
  return m === null ? undefined : Number(`${m[1] ?? ''}${m[2] ?? ''}`);
}

/** Whether a snapshot of month `snapshot` (YYYYMM) is older than the stable tag before edk2-stable`from`. */
export function snapshotPredates(snapshot: number, from: number): boolean {
  const y = Math.floor(from / 100);
  const m = from % 100;
  const previousTag = m > 3 ? y * 100 + (m - 3) : (y - 1) * 100 + (m + 9);
  return snapshot < previousTag;
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
