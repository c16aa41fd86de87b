/**
 * A cached PcdConfidentialComputingGuestAttr in PlatformPei's `.data` (OvmfPkg's
 * PeiMemEncryptSevLibInternal.c keeps `mCurrentAttr` and the BOOLEAN `mCurrentAttrRead`). Where
 * PlatformPei's MTRR set-up asks MemEncryptSevLib whether the guest is SEV-SNP, the first call reads
 * the PCD (0, CCAttrNotEncrypted, on a guest without memory encryption) and sets the flag: one
 * byte 0 -> 1 in PEIFV before Tcg2Pei measures it. Seen in a 202505+ X64 build
 * (docs/distro-builds-2024.md): guest RAM differs from the decompressed PEIFV there and at
 * PeiCore's AcpiTimerLib global only.
 *
 * Found by code, not symbols (X64, RIP-relative): `cmp byte [rip+F], 0` (80 3D disp32 00), then
 * within a few instructions PCD_PPI's Get64 (`call [rax+0x20]`, FF 50 20), `mov byte [rip+F], 1`
 * (C6 05 disp32 01) and `mov [rip+V], rax` (48 89 05 disp32), and a later
 * `cmp word [rip+V], 0x0102` (CCAttrAmdSevSnp; 66 81 3D disp32 02 01). Only the flag changes on
 * such a guest; V keeps its 0.
 */
import { EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { MemoryFv } from '../sec.ts';
import { X64, peWithData } from './x86-mem-refs.ts';

const PLATFORM_PEI = '222C386D-5ABC-4FB4-B124-FBB82488ACF4';
/** How far after the flag test the other instructions may lie. */
const WINDOW = 48;
/** How far after the value store the SEV-SNP comparison may lie. */
const COMPARE_WINDOW = 96;

function i32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) | 0;
}

/** RIP-relative target of an instruction at `at` whose disp32 is at `at + dispAt` and that is `len` bytes long. */
function ripTarget(b: Uint8Array, at: number, dispAt: number, len: number): number {
  return at + len + i32(b, at + dispAt);
}

/** The flag's offset in the PE image (RVA = file offset for XIP images), or undefined. */
export function findCcAttrReadFlag(image: Uint8Array, data: { start: number; end: number }): number | undefined {
  const found = new Set<number>();
  for (let i = 0; i + 7 <= image.length; i++) {
    if (image[i] !== 0x80 || image[i + 1] !== 0x3d || image[i + 6] !== 0x00) continue;
    const flag = ripTarget(image, i, 2, 7);
    if (flag < data.start || flag >= data.end) continue;
    let get64 = false;
    let set = false;
    let value: number | undefined;
    let valueAt = 0;
    for (let j = i + 7; j < i + 7 + WINDOW && j + 7 <= image.length; j++) {
      if (image[j] === 0xff && image[j + 1] === 0x50 && image[j + 2] === 0x20) get64 = true;
      if (image[j] === 0xc6 && image[j + 1] === 0x05 && image[j + 6] === 0x01 && ripTarget(image, j, 2, 7) === flag) set = true;
      if (image[j] === 0x48 && image[j + 1] === 0x89 && image[j + 2] === 0x05 && value === undefined) {
        value = ripTarget(image, j, 3, 7);
        valueAt = j;
      }
    }
    if (!get64 || !set || value === undefined || value < data.start || value + 8 > data.end) continue;
    for (let k = valueAt + 7; k < valueAt + 7 + COMPARE_WINDOW && k + 9 <= image.length; k++) {
      if (image[k] === 0x66 && image[k + 1] === 0x81 && image[k + 2] === 0x3d && image[k + 7] === 0x02 && image[k + 8] === 0x01 && ripTarget(image, k, 3, 9) === value) {
        found.add(flag);
        break;
      }
    }
  }
  return found.size === 1 ? [...found][0] : undefined;
}

/** Sets the flag in `bytes` (PEIFV) where PlatformPei keeps it; returns the notes (none when absent). */
export function applyCcAttrReadFlag(bytes: Uint8Array, peiFv: MemoryFv): string[] {
  const pe32 = findFileByGuid(peiFv.volume, PLATFORM_PEI)?.sections?.find((s) => s.type === EFI_SECTION.PE32);
  if (pe32 === undefined) return [];
  const xip = peWithData(pe32.body);
  if (xip === undefined) return [];
  const { pe, data: d } = xip;
  if (pe.fileHeader.machine !== X64) return [];
  const rva = findCcAttrReadFlag(pe32.body, { start: d.virtualAddress, end: d.virtualAddress + d.virtualSize });
  if (rva === undefined) return [];
  const at = pe32.offset + pe32.headerSize - peiFv.volume.offset + rva;
  if (at < 0 || at >= bytes.length) return [];
  bytes[at] = 1;
  return [`PlatformPei's MemEncryptSevLib caches PcdConfidentialComputingGuestAttr (0: no memory encryption): read flag at PEIFV+0x${at.toString(16)} = 1`];
}
