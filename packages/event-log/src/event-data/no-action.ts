import { EFIGuid, sized, struct, u32le, u8 } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';
import { asciiz } from '../spec-id.ts';

/** Signature of the StartupLocality event (PFP 1.05 §10.4.5.3), NUL included on the wire. */
export const STARTUP_LOCALITY_SIGNATURE = 'StartupLocality';

/**
 * TCG_EfiStartupLocalityEvent (PFP 1.05 §10.4.5.3 Table 23): BYTE Signature[16]
 * ("StartupLocality\0"); UINT8 StartupLocality (0, 3 or 4). An EV_NO_ACTION on PCR0 that
 * tells a verifier PCR0 did not start at zero: TPM2_Startup from locality 3 leaves PCR0 =
 * 00…03; an H-CRTM sequence from locality 4 leaves 00…04.
 */
export const TCGEfiStartupLocalityEvent = struct('TCG_EfiStartupLocalityEvent', {
  signature: asciiz('Signature', 16),
  startupLocality: u8,
});
export type TCGEfiStartupLocalityEvent = Infer<typeof TCGEfiStartupLocalityEvent>;

/** Signature of TCG_Sp800_155_PlatformId_Event2 (16 characters, no NUL). */
export const SP800_155_EVENT2_SIGNATURE = 'SP800-155 Event2';
/** Signature of TCG_Sp800_155_PlatformId_Event3 (PFP 1.06). */
export const SP800_155_EVENT3_SIGNATURE = 'SP800-155 Event3';

const str = (name: string): ReturnType<typeof sized> => sized(name, u8, 255);

/**
 * TCG_Sp800_155_PlatformId_Event2 (PFP 1.05 §10.4.5.2 Table 22): BYTE Signature[16];
 * UINT32 PlatformManufacturerId; UEFI_GUID ReferenceManifestGuid; then UINT8-sized byte
 * strings PlatformManufacturerStr, PlatformModel, PlatformVersion, FirmwareManufacturerStr;
 * UINT32 FirmwareManufacturerId; UINT8-sized FirmwareVersion.
 */
const PLATFORM_ID_EVENT2_FIELDS = {
  signature: asciiz('Signature', 16),
  platformManufacturerId: u32le,
  referenceManifestGuid: EFIGuid,
  platformManufacturerStr: str('PlatformManufacturerStr'),
  platformModel: str('PlatformModel'),
  platformVersion: str('PlatformVersion'),
  firmwareManufacturerStr: str('FirmwareManufacturerStr'),
  firmwareManufacturerId: u32le,
  firmwareVersion: str('FirmwareVersion'),
};

export const TCGSp800155PlatformIdEvent2 = struct('TCG_Sp800_155_PlatformId_Event2', PLATFORM_ID_EVENT2_FIELDS);
export type TCGSp800155PlatformIdEvent2 = Infer<typeof TCGSp800155PlatformIdEvent2>;

/**
 * TCG_Sp800_155_PlatformId_Event3 (PFP 1.06 §10.4.5.2): the Event2 fields, then
 * UINT32 RimLocatorType; UINT32 RimLocatorLength; BYTE RimLocator[];
 * UINT32 PlatformCertLocatorType; UINT32 PlatformCertLocatorLength; BYTE PlatformCertLocator[].
 */
export const TCGSp800155PlatformIdEvent3 = struct('TCG_Sp800_155_PlatformId_Event3', {
  ...PLATFORM_ID_EVENT2_FIELDS,
  rimLocatorType: u32le,
  rimLocator: sized('RimLocator', u32le, 0x10000),
  platformCertLocatorType: u32le,
  platformCertLocator: sized('PlatformCertLocator', u32le, 0x10000),
});
export type TCGSp800155PlatformIdEvent3 = Infer<typeof TCGSp800155PlatformIdEvent3>;
