import { restBytes, struct, u64le } from '@tcg2sim/binary-codec';
import type { Codec } from '@tcg2sim/binary-codec';
import { uintn } from '../_codecs.ts';
import { MAX_EVENT_DATA } from '../structures.ts';

/** UEFI_IMAGE_LOAD_EVENT as a value. */
export interface UEFIImageLoadEvent {
  /** Address of the image buffer the loader was given (run-specific). */
  readonly imageLocationInMemory: bigint;
  readonly imageLengthInMemory: bigint;
  readonly imageLinkTimeAddress: bigint;
  /** LengthOfDevicePath as logged; the linter checks it against `devicePath.length`. */
  readonly lengthOfDevicePath: bigint;
  /**
   * The EFI_DEVICE_PATH_PROTOCOL bytes, kept raw (a view into the event data). Rendering them
   * as text belongs to a layer that knows device paths (packages/uefi), not to the log.
   */
  readonly devicePath: Uint8Array;
}

/**
 * UEFI_IMAGE_LOAD_EVENT (PFP 1.05 §10.2.3 Table 14; EDK II `UefiTcgPlatform.h`):
 * UEFI_PHYSICAL_ADDRESS ImageLocationInMemory; UINTN ImageLengthInMemory;
 * UINTN ImageLinkTimeAddress; UINTN LengthOfDevicePath; UEFI_DEVICE_PATH DevicePath[].
 * UINTN is 8 bytes on X64 (Spec ID uintnSize 2), 4 on IA32 (uintnSize 1). The device path
 * is everything after the fixed part, so odd logs still round-trip byte for byte.
 */
export function uefiImageLoadEvent(uintnSize: number): Codec<UEFIImageLoadEvent> {
  const n = uintn(uintnSize);
  return struct('UEFI_IMAGE_LOAD_EVENT', {
    imageLocationInMemory: u64le,
    imageLengthInMemory: n,
    imageLinkTimeAddress: n,
    lengthOfDevicePath: n,
    devicePath: restBytes('DevicePath', MAX_EVENT_DATA),
  });
}
