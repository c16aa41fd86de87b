import { Tcg2Error } from '@tcg2sim/binary-codec';
// The parser alone (not the package's main entry): the CLI loads this module before the rest.
import { EFI_SECTION, efiImageInfo, parseFlashImage, parseFlashImageAsync, walkFv } from '@tcg2sim/uefi/fv';
import type { FirmwareVolume, FvSection, FlashImage, FvParseOptions } from '@tcg2sim/uefi/fv';
import { dxeFvBaseFromPlatformPei } from './dxe-fv-base.ts';

/** FV names of OVMF's flash layout (OvmfPkgX64.fdf / OvmfPkgIa32X64.fdf). */
export const OVMF_FV_NAME = {
  FVMAIN_COMPACT: '48DB5E17-707C-472D-91CD-1613E7EF51B0',
  SECFV: '763BED0D-DE9F-48F5-81F1-3E90E1B1A015',
  PEIFV: '6938079B-B503-4E3D-9D24-B28337A25806',
  DXEFV: '7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1',
} as const;

/** Why SEC could not produce the memory FVs. */
export class SecError extends Tcg2Error {
  override readonly name = 'SecError';
  readonly code: 'NO_FVMAIN_COMPACT' | 'NO_MEMORY_FVS' | 'BAD_PEIFV';
  constructor(code: SecError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A firmware volume SEC placed in RAM. */
export interface MemoryFv {
  /** Physical address it is copied to. */
  readonly base: bigint;
  /** FvLength. */
  readonly length: bigint;
  /**
   * The pristine bytes: a view of SEC's decompressed buffer (not copied: ~13 MiB). Copy before
   * patching, as PlatformPei's model does (peiFvAtMeasurement).
   */
  readonly bytes: Uint8Array;
  /** The parsed volume (offsets relative to the decompressed buffer). */
  readonly volume: FirmwareVolume;
}

/** What OvmfPkg/Sec/SecMain.c DecompressMemFvs leaves in RAM. */
export interface SecOutput {
  readonly flash: FlashImage;
  readonly fvMainCompact: FirmwareVolume;
  readonly peiFv: MemoryFv;
  readonly dxeFv: MemoryFv;
}

/** Address overrides, for builds whose layout differs from OVMF's MEMFD. */
export interface SecOptions {
  /** PcdOvmfPeiMemFvBase; default: derived from the XIP images in PEIFV, else 0x820000. */
  readonly peiFvBase?: bigint;
  /** PcdOvmfDxeMemFvBase; default: read from PlatformPei's code (dxe-fv-base.ts), else PEIFV base + PEIFV size. */
  readonly dxeFvBase?: bigint;
  readonly parse?: FvParseOptions;
}

/** PcdOvmfPeiMemFvBase of OvmfPkgDefines.fdf.inc (MEMFD 0x800000 + 0x20000). */
export const DEFAULT_PEI_FV_BASE = 0x820000n;

/**
 * SEC's DecompressMemFvs: FVMAIN_COMPACT holds one FIRMWARE_VOLUME_IMAGE file whose
 * LZMA GUID-defined section decompresses to [RAW pad, FV_IMAGE (PEIFV), RAW pad, FV_IMAGE
 * (DXEFV)]. The first volume goes to PcdOvmfPeiMemFvBase, the second to PcdOvmfDxeMemFvBase.
 * @throws SecError when the image has no FVMAIN_COMPACT or it does not hold two volumes
 */
export function decompressMemFvs(image: Uint8Array, o: SecOptions = {}): SecOutput {
  return memFvsOf(parseFlashImage(image, o.parse), o);
}

/**
 * {@link decompressMemFvs} with the LZMA decoding on libuv's thread pool (parseFlashImageAsync):
 * the same output or the same error, while the main thread goes on with other work.
 */
export async function decompressMemFvsAsync(image: Uint8Array, o: SecOptions = {}): Promise<SecOutput> {
  return memFvsOf(await parseFlashImageAsync(image, o.parse), o);
}

function memFvsOf(flash: FlashImage, o: SecOptions): SecOutput {
  const fvMainCompact = flash.volumes.find((v) => v.guid === OVMF_FV_NAME.FVMAIN_COMPACT);
  if (fvMainCompact === undefined) {
    throw new SecError('NO_FVMAIN_COMPACT', `no FVMAIN_COMPACT volume (${OVMF_FV_NAME.FVMAIN_COMPACT}) in the image`);
  }
  const fvSections: FvSection[] = [];
  for (const n of walkFv(fvMainCompact)) {
    if (n.kind === 'section' && n.type === EFI_SECTION.FIRMWARE_VOLUME_IMAGE && n.volume !== undefined && n.depth >= 1) {
      // Only the volumes directly inside the decompressed payload (not volumes nested in them).
      if (!fvSections.some((s) => s.volume !== undefined && containsNode(s.volume, n))) fvSections.push(n);
    }
  }
  const [peiSec, dxeSec] = fvSections;
  if (peiSec?.volume === undefined || dxeSec?.volume === undefined) {
    throw new SecError('NO_MEMORY_FVS', `FVMAIN_COMPACT holds ${fvSections.length} firmware volume sections, expected 2 (PEIFV, DXEFV)`);
  }
  const pv = peiSec.volume;
  const dv = dxeSec.volume;
  const peiBase = o.peiFvBase ?? xipFvBase(pv) ?? DEFAULT_PEI_FV_BASE;
  const dxeBase = o.dxeFvBase ?? dxeFvBaseFromPlatformPei(pv, peiBase + pv.header.fvLength, dv.header.fvLength) ?? peiBase + pv.header.fvLength;
  return {
    flash,
    fvMainCompact,
    peiFv: { base: peiBase, length: pv.header.fvLength, bytes: pv.raw, volume: pv },
    dxeFv: { base: dxeBase, length: dv.header.fvLength, bytes: dv.raw, volume: dv },
  };
}

/**
 * PcdOvmfPeiMemFvBase as the build linked it: PEIFV's PEIMs execute in place, so the first PE32 or
 * TE image's link-time address (imageInfo.imageAddress) minus its offset in the volume is the
 * volume's base (0x820000 up to 2025.02; 0x830000 in 2026.08's MEMFD, which grew a debug-log
 * region). Undefined when no image gives a page-aligned base.
 */
function xipFvBase(pv: FirmwareVolume): bigint | undefined {
  for (const n of walkFv(pv)) {
    if (n.kind !== 'section' || (n.type !== EFI_SECTION.PE32 && n.type !== EFI_SECTION.TE) || n.buffer !== pv.buffer) continue;
    let address: bigint;
    try {
      address = efiImageInfo(n.body).imageAddress;
    } catch {
      continue;
    }
    const base = address - BigInt(n.offset + n.headerSize - pv.offset);
    return base > 0n && (base & 0xfffn) === 0n ? base : undefined;
  }
  return undefined;
}

function containsNode(root: FirmwareVolume, n: FvSection): boolean {
  for (const x of walkFv(root)) if (x === n) return true;
  return false;
}
