import { Tcg2Error } from '@tcg2sim/binary-codec';
import { PLATFORM_INFO_SIZE } from './platform-info.ts';

/** A PE section as the locator needs it: addresses are relative to the image base. */
export interface LocatorSection {
  readonly name: string;
  readonly virtualAddress: number;
  readonly virtualSize: number;
}

/**
 * PlatformPei's PE image as it executes in place inside PEIFV. XIP PEIMs are linked with
 * file alignment equal to section alignment, so RVA = offset into `image`.
 */
export interface XipImage {
  /** IMAGE_FILE_MACHINE_I386 (0x014C) or IMAGE_FILE_MACHINE_X64 (0x8664). */
  readonly machine: number;
  /** The address the image runs at (its ImageBase after the build's XIP rebase). */
  readonly imageBase: number;
  readonly sections: readonly LocatorSection[];
  /** The image bytes from its DOS header on. */
  readonly image: Uint8Array;
}

/** Where PlatformPei's writable globals sit, as offsets from the start of `image`. */
export interface PlatformPeiGlobals {
  /** `mPlatformInfoHob` (EFI_HOB_PLATFORM_INFO, 138 bytes). */
  readonly platformInfoOffset: number;
  /** QemuFwCfgPeiLib's `mQemuFwCfgSupported` and `mQemuFwCfgDmaSupported` (BOOLEANs). */
  readonly fwCfgSupportedOffset: number;
  readonly fwCfgDmaSupportedOffset: number;
  /** How each was found, for diagnostics. */
  readonly evidence: readonly string[];
}

/** The analysis could not find a global: the image is not a 2022.11-style PlatformPei. */
export class PlatformPeiLocateError extends Tcg2Error {
  override readonly name = 'PlatformPeiLocateError';
  readonly code: 'NO_DATA_SECTION' | 'PLATFORM_INFO_NOT_FOUND' | 'FW_CFG_FLAGS_NOT_FOUND' | 'UNSUPPORTED_MACHINE';
  constructor(code: PlatformPeiLocateError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

const I386 = 0x014c;
const X64 = 0x8664;

function u32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}
function i32(b: Uint8Array, at: number): number {
  return u32(b, at) | 0;
}

/**
 * Finds PlatformPei's writable globals by analysing its code, not by symbol tables (release
 * builds have none):
 *
 * - `BuildPlatformInfoHob` calls `BuildGuidDataHob (&gUefiOvmfPkgPlatformInfoGuid,
 *   &mPlatformInfoHob, sizeof (EFI_HOB_PLATFORM_INFO))`. IA32 passes the size and the address as
 *   `push 0x8A; push imm32`; X64 as `mov r8d, 0x8A; lea rdx, [rip+disp32]`. The address must
 *   fall inside .data with room for the 138-byte structure.
 * - `QemuFwCfgInitialize` starts with `mQemuFwCfgSupported = TRUE; mQemuFwCfgDmaSupported =
 *   FALSE;`: two adjacent byte stores, 1 then 0, to consecutive .data addresses
 *   (`mov byte [abs32], imm8` on IA32, `mov byte [rip+disp32], imm8` on X64).
 */
export function locatePlatformPeiGlobals(img: XipImage): PlatformPeiGlobals {
  if (img.machine !== I386 && img.machine !== X64) {
    throw new PlatformPeiLocateError('UNSUPPORTED_MACHINE', `PlatformPei machine 0x${img.machine.toString(16)} is neither IA32 nor X64`);
  }
  const data = img.sections.find((s) => s.name === '.data');
  if (!data) throw new PlatformPeiLocateError('NO_DATA_SECTION', 'PlatformPei has no .data section');
  const inData = (rva: number, len: number): boolean =>
    rva >= data.virtualAddress && rva + len <= data.virtualAddress + data.virtualSize;
  const b = img.image;
  const evidence: string[] = [];

  let platformInfo: number | undefined;
  let fwCfg: number | undefined;
  for (let k = 0; k + 16 <= b.length; k++) {
    if (img.machine === I386) {
      // 68 8A 00 00 00 | 68 imm32
      if (platformInfo === undefined && b[k] === 0x68 && u32(b, k + 1) === PLATFORM_INFO_SIZE && b[k + 5] === 0x68) {
        const rva = u32(b, k + 6) - img.imageBase;
        if (inData(rva, PLATFORM_INFO_SIZE)) {
          platformInfo = rva;
          evidence.push(`push 0x8A; push 0x${u32(b, k + 6).toString(16)} at image+0x${k.toString(16)}`);
        }
      }
      // C6 05 abs32 01 | C6 05 abs32+1 00
      if (fwCfg === undefined && b[k] === 0xc6 && b[k + 1] === 0x05 && b[k + 6] === 1 && b[k + 7] === 0xc6 && b[k + 8] === 0x05 && b[k + 13] === 0) {
        const a = u32(b, k + 2) - img.imageBase;
        const c = u32(b, k + 9) - img.imageBase;
        if (c === a + 1 && inData(a, 2)) {
          fwCfg = a;
          evidence.push(`mov byte [0x${(a + img.imageBase).toString(16)}], 1; mov byte [+1], 0 at image+0x${k.toString(16)}`);
        }
      }
    } else {
      // 41 B8 8A 00 00 00 | 48 8D 15 disp32
      if (platformInfo === undefined && b[k] === 0x41 && b[k + 1] === 0xb8 && u32(b, k + 2) === PLATFORM_INFO_SIZE && b[k + 6] === 0x48 && b[k + 7] === 0x8d && b[k + 8] === 0x15) {
        const rva = k + 13 + i32(b, k + 9);
        if (inData(rva, PLATFORM_INFO_SIZE)) {
          platformInfo = rva;
          evidence.push(`mov r8d, 0x8A; lea rdx, [rip${i32(b, k + 9) >= 0 ? '+' : ''}${i32(b, k + 9)}] at image+0x${k.toString(16)}`);
        }
      }
      // C6 05 disp32 01 | C6 05 disp32 00, targets consecutive
      if (fwCfg === undefined && b[k] === 0xc6 && b[k + 1] === 0x05 && b[k + 6] === 1 && b[k + 7] === 0xc6 && b[k + 8] === 0x05 && b[k + 13] === 0) {
        const a = k + 7 + i32(b, k + 2);
        const c = k + 14 + i32(b, k + 9);
        if (c === a + 1 && inData(a, 2)) {
          fwCfg = a;
          evidence.push(`mov byte [rip..], 1; mov byte [rip..], 0 at image+0x${k.toString(16)}`);
        }
      }
    }
    if (platformInfo !== undefined && fwCfg !== undefined) break;
  }
  if (platformInfo === undefined) {
    throw new PlatformPeiLocateError('PLATFORM_INFO_NOT_FOUND', 'no BuildGuidDataHob(&mPlatformInfoHob, 0x8A) call found in PlatformPei');
  }
  if (fwCfg === undefined) {
    throw new PlatformPeiLocateError('FW_CFG_FLAGS_NOT_FOUND', 'no QemuFwCfgInitialize flag stores found in PlatformPei');
  }
  return { platformInfoOffset: platformInfo, fwCfgSupportedOffset: fwCfg, fwCfgDmaSupportedOffset: fwCfg + 1, evidence };
}
