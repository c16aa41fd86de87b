/**
 * What identifies the ArmVirtQemu build whose DXE allocations a buffer address was measured on,
 * read from the image (no digest of it): the package version the build stamps into Tcg2Pei
 * (PcdFirmwareVersionString, e.g. "2025.02-8+deb13u1"), its EDK II release, and the build tree
 * it was compiled in, as DxeCore's CodeView debug entry records it
 * (".../edk2-2025.02/Build/ArmVirtQemu-AARCH64/RELEASE_GCC5").
 *
 * Why the build tree counts: the DXE drivers' allocations before BDS are those of this build's
 * binaries, which the model does not follow one by one. Two builds of one version from one tree
 * (Debian 13's AAVMF_CODE.secboot.fd and .secboot.strictnx.fd: their modules differ only in GNU
 * build IDs) put a disk's loader at the same address (real boots); sid's two builds of 2026.08,
 * compiled in two trees (".../secboot/Build" and ".../secboot-strictnx/Build": the same code,
 * every image's debug path 9 bytes longer), 3 pages apart; Ubuntu's 2025.02 (another tree, another
 * compiler) 32 KiB (the NIC's ROM image) to 640 KiB (the loader) away from Debian's.
 */
import { findFileByGuid, EFI_SECTION } from '@tcg2sim/uefi';
import { edk2ReleaseOf, readFirmwareVersionString } from '@tcg2sim/platform-ovmf';
import type { ArmVirtImage } from './image.ts';

/** DxeCore's FILE_GUID (MdeModulePkg/Core/Dxe/DxeMain.inf). */
const DXE_CORE_FILE_GUID = 'D6A2CB7F-6A18-4E2F-B43B-9920A733700A';

/** The facts (see the module comment). */
export interface VirtBuildFacts {
  /** PcdFirmwareVersionString as Tcg2Pei holds it ('' when the build sets none). */
  readonly version: string;
  /** The EDK II release (YYYYMM) the version names, when it names one. */
  readonly release: number | undefined;
  /** DxeCore's build tree: its CodeView path up to the module directory; undefined without one. */
  readonly buildTree: string | undefined;
}

const LATIN1 = new TextDecoder('latin1');

/**
 * The path of a PE image's CodeView entry (an "NB10" or "RSDS" record: signature, then 12 or 20
 * bytes, then a NUL-terminated path), found by its signature; at most 1024 bytes of path are read.
 * Undefined when the image has none.
 */
export function codeViewPath(pe: Uint8Array): string | undefined {
  for (const [sig, skip] of [['NB10', 16], ['RSDS', 24]] as const) {
    const at = Buffer.from(pe.buffer, pe.byteOffset, pe.byteLength).indexOf(sig, 0, 'latin1');
    if (at < 0 || at + skip >= pe.length) continue;
    const start = at + skip;
    const limit = Math.min(pe.length, start + 1024);
    let end = start;
    while (end < limit && pe[end] !== 0) end++;
    if (end === limit || end === start) continue;
    return LATIN1.decode(pe.subarray(start, end));
  }
  return undefined;
}

/** The facts of an ArmVirtQemu image. */
export function virtBuildFacts(image: ArmVirtImage): VirtBuildFacts {
  const version = readFirmwareVersionString(image.peiFv.volume, image.dxeFv.volume);
  const pe = findFileByGuid(image.dxeFv.volume, DXE_CORE_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
  const path = pe === undefined ? undefined : codeViewPath(pe);
  const cut = path?.indexOf('/MdeModulePkg/') ?? -1;
  const tree = path === undefined ? undefined : cut > 0 ? path.slice(0, cut) : path;
  // Debian 12's build sets no version string: its tree names the release (".../edk2-2022.11/Build").
  const m = tree === undefined ? null : /edk2-(20\d\d)\.(0[1-9]|1[0-2])(?!\d)/.exec(tree);
  const release = edk2ReleaseOf(version).release ?? (m === null ? undefined : Number(`${m[1] ?? ''}${m[2] ?? ''}`));
  return { version: version.value, release, buildTree: tree };
}

/** The same build as far as the facts go. */
export function sameBuild(a: VirtBuildFacts, b: VirtBuildFacts): boolean {
  return a.version === b.version && a.buildTree !== undefined && a.buildTree === b.buildTree;
}

/** What differs between two builds, for notes. */
export function buildDifference(measured: VirtBuildFacts, image: VirtBuildFacts): string {
  if (measured.version !== image.version) return `version L"${image.version}", measured on L"${measured.version}"`;
  return `build tree ${image.buildTree ?? '(none recorded)'}, measured on ${measured.buildTree ?? '?'}`;
}

/**
 * The measured build of these facts, else the one of the nearest release (an estimate), else
 * undefined (no release read from the image).
 */
export function virtBuildCalibration<T extends { readonly build: VirtBuildFacts }>(all: readonly T[], build: VirtBuildFacts): { cal: T; same: boolean } | undefined {
  const same = all.find((c) => sameBuild(c.build, build));
  if (same !== undefined) return { cal: same, same: true };
  const r = build.release;
  if (r === undefined) return undefined;
  const near = [...all].sort((a, b) => Math.abs((a.build.release ?? 0) - r) - Math.abs((b.build.release ?? 0) - r))[0];
  return near === undefined ? undefined : { cal: near, same: false };
}
