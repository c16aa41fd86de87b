/**
 * @tcg2sim/tcg2-pei: Tcg2Pei: TPM2_Startup, PCR bank sync, S-CRTM version, firmware-volume
 * measurement and the HOBs handed to DXE (edk2-stable202211).
 */
export {
  TCG_HOB_GUID, EFI_HOB_TYPE_GUID_EXTENSION, EFIHobGuidType, encodeGuidHob, EFIPlatformFirmwareBlob, MeasuredHobData,
} from './hobs.ts';
export type { GuidHob } from './hobs.ts';
export { runTcg2Pei, getFvName } from './tcg2-pei.ts';
export type { Tcg2PeiTpm, PeiFv, Tcg2PeiInput, PeiMeasurement, Tcg2PeiResult } from './tcg2-pei.ts';
export { commandLibTpm, PeiTpmCommandError, pcrReadForActiveBank, efiStatusOfTransportError } from './command-lib-tpm.ts';
export type { PeiDeviceLib, CommandLibOptions, PeiEfiError } from './command-lib-tpm.ts';
