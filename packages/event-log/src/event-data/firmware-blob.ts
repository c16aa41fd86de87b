import { sized, struct, u64le, u8 } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';

/**
 * UEFI_PLATFORM_FIRMWARE_BLOB (PFP 1.05 §10.2.4 Table 15): UEFI_PHYSICAL_ADDRESS BlobBase;
 * UINT64 BlobLength. Event data of EV_EFI_PLATFORM_FIRMWARE_BLOB, EV_S_CRTM_CONTENTS and
 * (16-byte) EV_POST_CODE. OVMF: PEIFV {0x820000, 0xE0000}, DXEFV {0x900000, 0xC00000}.
 */
export const UEFIPlatformFirmwareBlob = struct('UEFI_PLATFORM_FIRMWARE_BLOB', {
  blobBase: u64le,
  blobLength: u64le,
});
export type UEFIPlatformFirmwareBlob = Infer<typeof UEFIPlatformFirmwareBlob>;

/**
 * UEFI_PLATFORM_FIRMWARE_BLOB2 (PFP 1.05 §10.2.5 Table 16): UINT8 BlobDescriptionSize;
 * UINT8 BlobDescription[BlobDescriptionSize]; UEFI_PHYSICAL_ADDRESS BlobBase; UINT64 BlobLength.
 * EDK II Tcg2Pei writes `Fv(<GUID>)` + NUL as the description (41 bytes).
 */
export const UEFIPlatformFirmwareBlob2 = struct('UEFI_PLATFORM_FIRMWARE_BLOB2', {
  blobDescription: sized('BlobDescription', u8, 255),
  blobBase: u64le,
  blobLength: u64le,
});
export type UEFIPlatformFirmwareBlob2 = Infer<typeof UEFIPlatformFirmwareBlob2>;
