/**
 * The ArmVirtQemu flash layout (ArmVirtPkg/ArmVirtQemu.fdf at edk2-stable202211): the FD starts
 * at 0 with a 0x1000-byte jump to SEC, then FVMAIN_COMPACT (0x1000, 0x1FF000) holding SEC, the
 * PEI core and the PEIMs, which execute in place from flash, and one FV_IMAGE file whose LZMA
 * section decompresses to FVMAIN (DXE core, drivers, the Shell). There is no SEC-time
 * decompression into RAM as on OVMF: DxeIpl's decompression in PEI produces FVMAIN, whose FvInfo2
 * PPI names FVMAIN_COMPACT and the FV_IMAGE file as its parent.
 *
 * The result has the shape of platform-ovmf's SecOutput so that the shared DXE and BDS models
 * (variables, boot options, the profile) can read it: `peiFv` is FVMAIN_COMPACT as it sits in
 * flash (the boot FV Tcg2Pei measures), `dxeFv` is FVMAIN.
 */
import {
  EFI_SECTION, efiImageInfo, IMAGE_FILE_MACHINE, parseFirmwareVolume, parseFlashImage, parseFlashImageAsync, walkFv,
} from '@tcg2sim/uefi';
import type { FfsFile, FirmwareVolume, FlashImage, FvSection } from '@tcg2sim/uefi';
import type { SecOutput } from '@tcg2sim/platform-ovmf';
import { ArmVirtError } from './errors.ts';

/** Offset (and flash address: the virt flash is mapped at 0) of ArmVirtQemu's FVMAIN_COMPACT. */
export const ARMVIRT_BOOT_FV_OFFSET = 0x1000;
/** EFI_FV_FILETYPE_SECURITY_CORE. */
const SECURITY_CORE = 0x03;
/** EFI_FV_FILETYPE_FIRMWARE_VOLUME_IMAGE. */
const FIRMWARE_VOLUME_IMAGE = 0x0b;
/** EFI_FIRMWARE_VOLUME_HEADER.Signature sits 0x28 bytes into the header. */
const FVH_SIGNATURE_OFFSET = 0x28;

/** The ArmVirtQemu image as the boot model uses it. */
export interface ArmVirtImage extends SecOutput {
  /** The FV_IMAGE file in FVMAIN_COMPACT whose section holds FVMAIN (the FvInfo2 parent file). */
  readonly dxeFvFile: string;
}

/** IMAGE_FILE_MACHINE of the SEC core's TE/PE32 image in `volume`, or undefined. */
function secMachine(volume: FirmwareVolume): number | undefined {
  const sec = volume.files.find((f) => f.type === SECURITY_CORE);
  const img = sec?.sections?.find((s) => s.type === EFI_SECTION.TE || s.type === EFI_SECTION.PE32);
  if (img === undefined) return undefined;
  try {
    return efiImageInfo(img.body).machine;
  } catch {
    return undefined;
  }
}

/**
 * Whether `code` is an AArch64 ArmVirtQemu image: a firmware volume at 0x1000 whose SEC core is
 * an AArch64 image. Cheap (the volume is walked without decompressing anything), so the CLI can
 * ask it of every image before choosing the platform.
 */
export function isArmVirtImage(code: Uint8Array): boolean {
  const at = ARMVIRT_BOOT_FV_OFFSET;
  if (code.length < at + 0x48) return false;
  const sig = code.subarray(at + FVH_SIGNATURE_OFFSET, at + FVH_SIGNATURE_OFFSET + 4);
  if (String.fromCharCode(...sig) !== '_FVH') return false;
  try {
    const fv = parseFirmwareVolume(code.subarray(at), { extractors: { guided: new Map() }, verifyChecksums: false });
    return secMachine(fv) === IMAGE_FILE_MACHINE.ARM64;
  } catch {
    return false;
  }
}

/**
 * The boot FV and FVMAIN of an ArmVirtQemu image.
 * @throws ArmVirtError NOT_ARMVIRT / NO_DXE_FV, FvError for a corrupt volume
 */
export function armVirtImage(code: Uint8Array): ArmVirtImage {
  return imageOf(parseFlashImage(code));
}

/** {@link armVirtImage} with the LZMA decoding on libuv's thread pool. */
export async function armVirtImageAsync(code: Uint8Array): Promise<ArmVirtImage> {
  return imageOf(await parseFlashImageAsync(code));
}

function imageOf(flash: FlashImage): ArmVirtImage {
  const boot = flash.volumes.find((v) => v.imageOffset === ARMVIRT_BOOT_FV_OFFSET);
  if (boot === undefined || secMachine(boot) !== IMAGE_FILE_MACHINE.ARM64) {
    throw new ArmVirtError('NOT_ARMVIRT', `no firmware volume with an AArch64 SEC at offset 0x${ARMVIRT_BOOT_FV_OFFSET.toString(16)} (the ArmVirtQemu layout)`);
  }
  const found = dxeVolumeOf(boot);
  if (found === undefined) {
    throw new ArmVirtError('NO_DXE_FV', `FVMAIN_COMPACT ${boot.guid} at offset 0x${ARMVIRT_BOOT_FV_OFFSET.toString(16)}: no FV_IMAGE file holding a firmware volume`);
  }
  const { file, volume } = found;
  return {
    flash,
    fvMainCompact: boot,
    peiFv: { base: BigInt(ARMVIRT_BOOT_FV_OFFSET), length: boot.header.fvLength, bytes: boot.raw, volume: boot },
    // Where DxeIpl's decompression buffer lands in RAM is not modelled; nothing measured depends
    // on it (FVMAIN is a child FV: Tcg2Pei records it unmeasured, and DxeTpm2MeasureBootLib
    // measures applications from any FV).
    dxeFv: { base: 0n, length: volume.header.fvLength, bytes: volume.raw, volume },
    dxeFvFile: file.guid,
  };
}

/** The first FV_IMAGE file of the boot FV and the volume its sections hold. */
function dxeVolumeOf(boot: FirmwareVolume): { file: FfsFile; volume: FirmwareVolume } | undefined {
  for (const file of boot.files) {
    if (file.type !== FIRMWARE_VOLUME_IMAGE) continue;
    for (const n of walkFv(file)) {
      if (n.kind === 'section' && n.type === EFI_SECTION.FIRMWARE_VOLUME_IMAGE) {
        const s: FvSection = n;
        if (s.volume !== undefined) return { file, volume: s.volume };
      }
    }
  }
  return undefined;
}
