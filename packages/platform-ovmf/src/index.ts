/**
 * @tcg2sim/platform-ovmf: the OVMF platform: SEC decompression, PlatformPei state in PEIFV,
 * QEMU q35/pc devices, BDS boot options, whole-boot orchestration and the scenario schema.
 */
// machine description
export { MachineDescription, ramLayout } from './machine.ts';
export type { MachineInput, RamLayout } from './machine.ts';
// PlatformPei state
export {
  EFIHobPlatformInfo, PLATFORM_INFO_SIZE, DEBIAN_2022_11_BUILD, computePlatformInfo,
} from './platform-pei/platform-info.ts';
export type { OvmfBuildFacts } from './platform-pei/platform-info.ts';
export { locatePlatformPeiGlobals, PlatformPeiLocateError } from './platform-pei/locate.ts';
export type { XipImage, LocatorSection, PlatformPeiGlobals } from './platform-pei/locate.ts';
// SEC and the PEIFV PlatformPei writes into
export { decompressMemFvs, OVMF_FV_NAME, SecError, DEFAULT_PEI_FV_BASE } from './sec.ts';
export type { MemoryFv, SecOutput, SecOptions } from './sec.ts';
export {
  peiFvAtMeasurement, buildFactsFromPeiFv, PLATFORM_PEI_FILE_GUID, SMM_ACCESS_PEI_FILE_GUID,
} from './platform-pei/peifv.ts';
export type { MeasuredPeiFv } from './platform-pei/peifv.ts';
