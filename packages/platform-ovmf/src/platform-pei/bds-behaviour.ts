/**
 * Which BDS behaviour a build has compiled in, read from BdsDxe's code (UefiBootManagerLib is
 * linked into it), so that no distribution's version-string convention decides it:
 *
 * - No boot option for absent removable media: `BmEnumerateBootOptions`
 *   (MdeModulePkg/Library/UefiBootManagerLib/BmBoot.c) skips a Block I/O handle whose
 *   `Media->RemovableMedia` is TRUE and `Media->MediaPresent` FALSE (edk2 commit "MdeModulePkg/
 *   BmBoot: Skip removable media if it is not present", first in edk2-stable202305; not in
 *   Fedora 38's 20230301 snapshot). The loop already skipped `Media->LogicalPartition` (byte 6 of
 *   EFI_BLOCK_IO_MEDIA) and compared `Media->RemovableMedia` (byte 4); the new test reads
 *   `MediaPresent` (byte 5) or compares bytes 4-5 as one 16-bit word against 0x0001. Found as:
 *   `cmp byte [r+6], 0` then `jne`, followed within a few instructions by an access to [r+4];
 *   the check is there when the same few instructions also access [r+5] or do `cmp word [r+4], 1`.
 * - A build without a version string whose code shows neither: BdsDxe's L"EFI Firmware Setup"
 *   (edk2-stable202505's PlatformBootManagerLib) bounds the release from below, and both
 *   behaviours are older than that (`releaseFloorOfBds`; needed for a 202505+ build whose
 *   ReadyToBoot signalling the code finder does not see).
 * - ReadyToBoot before a platform-recovery option: `EfiBootManagerProcessLoadOption`
 *   (BmLoadOption.c) calls `EfiSignalEventReadyToBoot ()` when the option's type is
 *   LoadOptionTypePlatformRecovery (3) (edk2-stable202402 on). When no boot option started, BDS
 *   processes PlatformRecovery0000 and Tcg2Dxe measures the ReadyToBoot actions. Found as: the
 *   function that creates an event in the ReadyToBoot group and signals it (`lea` of
 *   gEfiEventReadyToBootGuid, then `call [gBS+0x68]`, SignalEvent) is called right after a
 *   compare with 3 and a `jne`.
 *
 * When the code is compiled so that these patterns are not found (another compiler, inlining),
 * PcdFirmwareVersionString's `YYYY.MM` (Debian, Ubuntu) decides, or a snapshot's date (Fedora's
 * `edk2-YYYYMMDDgit…`) older than the tag before the behaviour's release, and without either
 * edk2-stable202211's behaviour is assumed with a note saying so.
 */
import { guidFromString } from '@tcg2sim/binary-codec';
import { EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { SecOutput } from '../sec.ts';
import type { FirmwareVersionString } from './firmware-version.ts';
import { edk2ReleaseOf, snapshotMonthOf, snapshotPredates, NO_EMPTY_REMOVABLE_OPTION_FROM, READY_TO_BOOT_WITHOUT_OPTION_FROM, SHELL_NOT_AUTOBOOTED_FROM } from './release.ts';

/** BdsDxe's FILE_GUID (MdeModulePkg/Universal/BdsDxe/BdsDxe.inf). */
export const BDS_DXE_FILE_GUID = '6D33944A-EC75-4855-A54D-809C75241F6C';
/** gEfiEventReadyToBootGuid. */
export const EFI_EVENT_READY_TO_BOOT_GUID = '7CE88FB3-4BD7-4679-87A8-A8D8DEE50D2B';
/** LoadOptionTypePlatformRecovery (MdeModulePkg/Include/Library/UefiBootManagerLib.h). */
const LOAD_OPTION_TYPE_PLATFORM_RECOVERY = 3;

/** A code marker: true/false when the pattern decided, undefined when it was not found. */
export interface CodeMarker {
  readonly present: boolean | undefined;
  readonly evidence: string;
}

/** What BDS does, and how it was decided. */
export interface BdsBehaviour {
  /** A boot option for an empty DVD-ROM (edk2-stable202211's behaviour). */
  readonly emptyCdromOption: boolean;
  /** ReadyToBoot is signalled once before the Boot Manager Menu when no boot option started. */
  readonly readyToBootWithoutOption: boolean;
  /** Whether the image (code or version string) or the caller decided both, rather than a default. */
  readonly certain: boolean;
  /** Which of the two were assumed (edk2-stable202211's behaviour) for want of evidence. */
  readonly assumed: { readonly removable: boolean; readonly recovery: boolean };
  readonly evidence: readonly string[];
}

/**
 * The earliest release BdsDxe's own contents allow, for a build without a version string:
 * L"EFI Firmware Setup" (PlatformBootManagerLib's UiApp option) is edk2-stable202505's. A lower
 * bound decides every behaviour that began at or before it.
 */
export function releaseFloorOfBds(img: Uint8Array): { readonly release: number; readonly evidence: string } | undefined {
  if (!Buffer.from(img.buffer, img.byteOffset, img.byteLength).includes(Buffer.from('EFI Firmware Setup\0', 'utf16le'))) return undefined;
  return { release: SHELL_NOT_AUTOBOOTED_FROM, evidence: `BdsDxe holds L"EFI Firmware Setup": edk2-stable${SHELL_NOT_AUTOBOOTED_FROM} or later` };
}

function bdsDxeImage(sec: SecOutput): Uint8Array | undefined {
  const f = findFileByGuid(sec.dxeFv.volume, BDS_DXE_FILE_GUID);
  return f?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
}

/** modrm byte of `[r + disp8]` (mod 01) for base register number r (low three bits). */
function isDisp8Of(modrm: number | undefined, r: number): boolean {
  return modrm !== undefined && (modrm & 0xc7) === (0x40 | r);
}

/** The instructions after `cmp byte [r+6], 0; jne`: does it access [r+disp] for `disp`? */
function accesses(b: Uint8Array, from: number, to: number, r: number, disp: number): boolean {
  for (let k = from + 1; k + 1 < to; k++) if (isDisp8Of(b[k], r) && b[k + 1] === disp) return true;
  return false;
}

/** Whether BmEnumerateBootOptions skips absent removable media (see the module comment). */
export function findRemovableMediaSkip(img: Uint8Array): CodeMarker {
  const verdicts: { at: number; present: boolean }[] = [];
  const buf = Buffer.from(img.buffer, img.byteOffset, img.byteLength);
  // Native byte search first: cold, a plain loop over BdsDxe costs tens of milliseconds.
  for (let i = buf.indexOf(0x80); i >= 0 && i + 10 <= img.length; i = buf.indexOf(0x80, i + 1)) {
    const modrm = img[i + 1] ?? 0;
    // 80 /7 ib with mod 01, reg 111, rm != 100 (SIB): cmp byte [r+6], 0
    if (img[i] !== 0x80 || (modrm & 0xf8) !== 0x78 || (modrm & 7) === 4 || img[i + 2] !== 6 || img[i + 3] !== 0) continue;
    const r = modrm & 7;
    const jne = img[i + 4] === 0x75 ? 2 : img[i + 4] === 0x0f && img[i + 5] === 0x85 ? 6 : 0;
    if (jne === 0) continue;
    const from = i + 4 + jne;
    const to = Math.min(img.length, from + 28);
    if (!accesses(img, from, to, r, 4)) continue;
    let present = accesses(img, from, to, r, 5);
    for (let k = from; k + 5 <= to && !present; k++) {
      if (img[k] === 0x66 && img[k + 1] === 0x83 && isDisp8Of(img[k + 2], r) && img[k + 3] === 4 && img[k + 4] === 1) present = true;
    }
    verdicts.push({ at: i, present });
  }
  if (verdicts.length !== 1) {
    return { present: undefined, evidence: `BdsDxe: ${verdicts.length} candidate(s) for BmEnumerateBootOptions' LogicalPartition/RemovableMedia tests: not decided from code` };
  }
  const v = verdicts[0] ?? { at: 0, present: false };
  return {
    present: v.present,
    evidence: `BdsDxe+0x${v.at.toString(16)}: BmEnumerateBootOptions ${v.present ? 'tests MediaPresent after RemovableMedia (skips absent removable media)' : 'tests LogicalPartition and RemovableMedia only (an option for an empty drive)'}`,
  };
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}

/** Whether EfiBootManagerProcessLoadOption signals ReadyToBoot for platform recovery (X64 code). */
export function findRecoveryReadyToBoot(img: Uint8Array): CodeMarker {
  const guid = Buffer.from(guidFromString(EFI_EVENT_READY_TO_BOOT_GUID));
  const buf = Buffer.from(img.buffer, img.byteOffset, img.byteLength);
  const guidAt = new Set<number>();
  for (let at = buf.indexOf(guid); at >= 0; at = buf.indexOf(guid, at + 1)) guidAt.add(at);
  // `lea r64, [rip+disp32]` (REX.W 8D, modrm 00 reg 101) of the GUID, then SignalEvent: call [r+0x68].
  const leas: number[] = [];
  for (let j = guidAt.size > 0 ? buf.indexOf(0x8d) : -1; j >= 1 && j + 6 <= img.length; j = buf.indexOf(0x8d, j + 1)) {
    const i = j - 1;
    if ((img[i] !== 0x48 && img[i] !== 0x4c) || ((img[i + 2] ?? 0) & 0xc7) !== 0x05) continue;
    if (!guidAt.has(i + 7 + (u32(img, i + 3) | 0))) continue;
    for (let k = i + 7; k + 3 <= Math.min(img.length, i + 56); k++) {
      if (img[k] === 0xff && ((img[k + 1] ?? 0) & 0xf8) === 0x50 && img[k + 2] === 0x68) {
        leas.push(i);
        break;
      }
    }
  }
  // Direct calls (E8 rel32) landing within 96 bytes before such a lea: the function's entry is
  // the nearest of those targets.
  const callers = new Map<number, number[]>();
  for (let i = leas.length > 0 ? buf.indexOf(0xe8) : -1; i >= 0 && i + 5 <= img.length; i = buf.indexOf(0xe8, i + 1)) {
    const t = i + 5 + (u32(img, i + 1) | 0);
    if (!leas.some((l) => t <= l && t >= l - 96)) continue;
    const list = callers.get(t);
    if (list === undefined) callers.set(t, [i]);
    else list.push(i);
  }
  const signalFns = new Set<number>();
  for (const l of leas) {
    let start: number | undefined;
    for (const t of callers.keys()) if (t <= l && t >= l - 96 && (start === undefined || t > start)) start = t;
    if (start !== undefined) signalFns.add(start);
  }
  if (signalFns.size !== 1) {
    return { present: undefined, evidence: `BdsDxe: ${signalFns.size} function(s) signalling ReadyToBoot found by direct calls: not decided from code` };
  }
  const fn = [...signalFns][0] ?? 0;
  const sites = callers.get(fn) ?? [];
  const recovery = sites.filter((c) => {
    for (let k = Math.max(0, c - 12); k + 3 <= c; k++) {
      const jne = img[k + 3] === 0x75 ? k + 5 : img[k + 3] === 0x0f && img[k + 4] === 0x85 ? k + 9 : -1;
      if (img[k] === 0x83 && ((img[k + 1] ?? 0) & 0x38) === 0x38 && img[k + 2] === LOAD_OPTION_TYPE_PLATFORM_RECOVERY && jne === c) return true;
    }
    return false;
  });
  return {
    present: recovery.length > 0,
    evidence: `BdsDxe+0x${fn.toString(16)} (EfiSignalEventReadyToBoot, ${sites.length} caller(s))${recovery.length > 0 ? ` is called after a test for LoadOptionTypePlatformRecovery at +0x${(recovery[0] ?? 0).toString(16)}` : ': no caller tests for LoadOptionTypePlatformRecovery'}`,
  };
}

/**
 * The BDS behaviour of a build: code markers first, then the version string, then 2022.11's.
 * `releaseOverride` (YYYYMM of an edk2-stable tag, given by the caller) decides what neither
 * the code nor the version string shows.
 */
export function bdsBehaviour(sec: SecOutput, version: FirmwareVersionString, releaseOverride?: number): BdsBehaviour {
  const img = bdsDxeImage(sec);
  // No BdsDxe at all: not an OVMF build but tcg2sim's embedded firmware, whose BDS is 2022.11's.
  const none = { present: false, evidence: 'DXEFV has no BdsDxe (the embedded firmware): edk2-stable202211\'s BDS' };
  const removable = img === undefined ? none : findRemovableMediaSkip(img);
  const recovery = img === undefined ? none : findRecoveryReadyToBoot(img);
  const release = releaseOverride === undefined ? edk2ReleaseOf(version) : { release: releaseOverride, evidence: `release given as edk2-stable${releaseOverride}` };
  const floor = img === undefined ? undefined : releaseFloorOfBds(img);
  const snapshot = releaseOverride === undefined ? snapshotMonthOf(version) : undefined;
  const evidence: string[] = [];
  let certain = true;
  let assumedNow = false;
  const decide = (m: CodeMarker, from: number, what: string): boolean => {
    assumedNow = false;
    if (m.present !== undefined) {
      evidence.push(m.evidence);
      return m.present;
    }
    if (release.release !== undefined) {
      evidence.push(`${m.evidence}; ${release.evidence}: ${what} ${release.release >= from ? 'yes' : 'no'} (edk2-stable${from} and later)`);
      return release.release >= from;
    }
    if (snapshot !== undefined && snapshotPredates(snapshot, from)) {
      evidence.push(`${m.evidence}; PcdFirmwareVersionString L"${version.value}" is a snapshot of ${snapshot}, before the tag preceding edk2-stable${from}: ${what} no`);
      return false;
    }
    if (floor !== undefined && floor.release >= from) {
      evidence.push(`${m.evidence}; ${floor.evidence}: ${what} yes (edk2-stable${from} and later)`);
      return true;
    }
    certain = false;
    assumedNow = true;
    evidence.push(`${m.evidence}; ${release.evidence}: ${what} assumed as in edk2-stable202211 (no)`);
    return false;
  };
  const skip = decide(removable, NO_EMPTY_REMOVABLE_OPTION_FROM, 'no option for absent removable media:');
  const removableAssumed = assumedNow;
  const ready = decide(recovery, READY_TO_BOOT_WITHOUT_OPTION_FROM, 'ReadyToBoot before platform recovery:');
  return { emptyCdromOption: !skip, readyToBootWithoutOption: ready, certain, assumed: { removable: removableAssumed, recovery: assumedNow }, evidence };
}
