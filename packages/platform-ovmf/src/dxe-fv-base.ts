/**
 * PcdOvmfDxeMemFvBase as PlatformPei's code holds it: PeiFvInitialization
 * (OvmfPkg/PlatformPei/Fv.c) builds DXEFV's FV HOB and memory-allocation HOB with
 * `mov edx, PcdOvmfDxeMemFvSize; mov ecx, PcdOvmfDxeMemFvBase` (fixed PCDs) in X64 code, and in
 * IA32 code pushes the UINT64s' halves (`push 0; push size; push 0; push base`). DXEFV usually
 * starts where PEIFV ends, but not in every MEMFD: edk2-stable202508's OvmfPkgX64.fdf and
 * OvmfPkgIa32X64.fdf put the early memory debug log between them (PEIFV 0x820000, the log
 * 0x8F0000, DXEFV 0x900000). The size must be DXEFV's own (its volume header's FvLength) and the
 * base page-aligned at or above PEIFV's end.
 */
import { EFI_SECTION } from '@tcg2sim/uefi/fv';
import type { FirmwareVolume } from '@tcg2sim/uefi/fv';

const PLATFORM_PEI_FILE_GUID = '222C386D-5ABC-4FB4-B124-FBB82488ACF4';
/** OvmfPkg's MEMFD starts at 8 MiB; DXEFV's base lies below 16 MiB in every layout. */
const DXE_FV_BASE_LIMIT = 0x1000000;

const u32 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;

/** DXEFV's base from PlatformPei's `mov edx, dxeLength; mov ecx, base`, or undefined when not found. */
export function dxeFvBaseFromPlatformPei(peiFv: FirmwareVolume, peiFvEnd: bigint, dxeLength: bigint): bigint | undefined {
  const file = peiFv.files.find((f) => f.guid.toUpperCase() === PLATFORM_PEI_FILE_GUID);
  const img = file?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
  if (img === undefined || dxeLength <= 0n || dxeLength >= 0x100000000n) return undefined;
  const len = Number(dxeLength);
  const ok = (base: number): boolean => base % 0x1000 === 0 && BigInt(base) >= peiFvEnd && base < DXE_FV_BASE_LIMIT;
  for (let i = 0; i + 10 <= img.length; i++) {
    if (img[i] !== 0xba || img[i + 5] !== 0xb9 || u32(img, i + 1) !== len) continue;
    const base = u32(img, i + 6);
    if (ok(base)) return BigInt(base);
  }
  for (let i = 0; i + 14 <= img.length; i++) {
    if (img[i] !== 0x6a || img[i + 1] !== 0 || img[i + 2] !== 0x68 || u32(img, i + 3) !== len || img[i + 7] !== 0x6a || img[i + 8] !== 0 || img[i + 9] !== 0x68) continue;
    const base = u32(img, i + 10);
    if (ok(base)) return BigInt(base);
  }
  return undefined;
}
