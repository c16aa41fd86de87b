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
export { decompressMemFvs, decompressMemFvsAsync, OVMF_FV_NAME, SecError, DEFAULT_PEI_FV_BASE } from './sec.ts';
export type { MemoryFv, SecOutput, SecOptions } from './sec.ts';
export {
  peiFvAtMeasurement, buildFactsFromPeiFv, PLATFORM_PEI_FILE_GUID, SMM_ACCESS_PEI_FILE_GUID,
} from './platform-pei/peifv.ts';
export type { MeasuredPeiFv } from './platform-pei/peifv.ts';
export { LEGACY_GLOBALS, LEGACY_GLOBAL_SIZE, locateLegacyPlatformGlobals, hasLegacyPlatformGlobals } from './platform-pei/legacy-globals.ts';
export type { LegacyGlobalName, LegacyPlatformPeiLayout } from './platform-pei/legacy-globals.ts';
export { legacyGlobalValues, legacyPhysMemAddressWidth } from './platform-pei/legacy-values.ts';
export { locatePeiCoreAcpiTimer, applyPeiCoreAcpiTimer, ACPI_TIMER_PORT } from './platform-pei/acpi-timer.ts';
export { hasCpuidAddressWidth } from './platform-pei/address-width.ts';
export { findS3DeadLoop, findS3VerificationCode, refuseS3DeadLoop, S3_DISABLED_HOW } from './platform-pei/s3-verification.ts';
export type { S3DeadLoop } from './platform-pei/s3-verification.ts';
export { unlocatedDebugIoPortFlags } from './platform-pei/debug-io-port.ts';
export type { AcpiTimerGlobal } from './platform-pei/acpi-timer.ts';
export { acpiDataMeasurements, loaderAllocations, measureAcpiData, measuresAcpiData, AcpiDataError, ACPI_DATA_EVENT, TABLE_LOADER_FILE } from './acpi/acpi-data.ts';
export type { AcpiDataMeasurement } from './acpi/acpi-data.ts';
export { edk2ReleaseOf, snapshotMonthOf, snapshotPredates, NO_EMPTY_REMOVABLE_OPTION_FROM, SHELL_NOT_AUTOBOOTED_FROM, READY_TO_BOOT_WITHOUT_OPTION_FROM } from './platform-pei/release.ts';
export type { Edk2Release } from './platform-pei/release.ts';
export { bdsBehaviour, findRecoveryReadyToBoot, findRemovableMediaSkip, BDS_DXE_FILE_GUID, EFI_EVENT_READY_TO_BOOT_GUID } from './platform-pei/bds-behaviour.ts';
export { releaseFloorOfBds } from './platform-pei/bds-behaviour.ts';
export { findCcAttrReadFlag } from './platform-pei/cc-attr-cache.ts';
export { isCombinedImageStore } from './boot/emu-variables.ts';
export type { BdsBehaviour, CodeMarker } from './platform-pei/bds-behaviour.ts';
export { hasPeiSmmRelocation, applyPeiSmmRelocation } from './platform-pei/smm-relocation.ts';
export { locateSmmRelocationSites } from './platform-pei/smm-relocation-sites.ts';
export type { SmmRelocationSites } from './platform-pei/smm-relocation-sites.ts';
export { peiMemoryBounds, smmRelocationWrites } from './platform-pei/smm-relocation-values.ts';
export type { SmmRelocationAllocations, SmmRelocationWrite } from './platform-pei/smm-relocation-values.ts';
export { smmPeiPages, fourLevelTablePages, SMM_PEI_PAGES_RELEASES } from './platform-pei/smm-pei-pages.ts';
export type { SmmPeiPages, PeiPageAllocation } from './platform-pei/smm-pei-pages.ts';
export { peiHobList, PEI_HOB_RELEASES } from './platform-pei/pei-hob-list.ts';
export type { PeiHob, PeiHobKind, PeiHobList, PeiHobListInput } from './platform-pei/pei-hob-list.ts';
export { peiHobImageFacts } from './platform-pei/pei-hob-facts.ts';
export type { PeiHobImageFacts, PeiPcdDatabase } from './platform-pei/pei-hob-facts.ts';
export { peiHobList202608, fwCfgCacheHobs, PEI_HOB_RELEASE_202608, FW_CFG_INFO_HOB_GUID } from './platform-pei/pei-hob-list-202608.ts';
export type { PeiHobList202608Input } from './platform-pei/pei-hob-list-202608.ts';
export { peiHobFacts202608, peiCoreHasMemoryBins } from './platform-pei/pei-hob-facts-202608.ts';
export type { PeiHobFacts202608, FwCfgCacheEntry } from './platform-pei/pei-hob-facts-202608.ts';
export { cpuMpPeiFacts } from './platform-pei/cpu-mp-pei-facts.ts';
export type { CpuMpPeiFacts } from './platform-pei/cpu-mp-pei-facts.ts';
export { peiHobList202511Ia32, PEI_HOB_RELEASES_IA32_FW_CFG_CACHE } from './platform-pei/pei-hob-list-202511-ia32.ts';
export { peiHobFactsIa32 } from './platform-pei/pei-hob-facts-ia32.ts';
export { cpuMpPeiFactsIa32 } from './platform-pei/cpu-mp-pei-facts-ia32.ts';
export type { CpuMpPeiFactsIa32 } from './platform-pei/cpu-mp-pei-facts-ia32.ts';
export { IA32_PEI_RELEASES, ia32MpFactsDisagree, mpInitLibBufferBytesIa32, mpTailIa32 } from './platform-pei/smm-pei-pages-ia32.ts';
export { qemu72FwCfgFiles, qemuE820EntryCount } from './platform-pei/qemu-fw-cfg-files.ts';
export type { QemuFwCfgFile } from './platform-pei/qemu-fw-cfg-files.ts';
export { hasTpm2MeasureBootLib } from './boot/measure-boot-lib.ts';
export { firmwareChipsetFacts, readPciExpressBase } from './platform-pei/pciexbar.ts';
export type { FirmwareChipsetFacts } from './platform-pei/pciexbar.ts';
export { readFirmwareVersionString, utf16Strings, TCG2_PEI_FILE_GUID } from './platform-pei/firmware-version.ts';
export type { FirmwareVersionString } from './platform-pei/firmware-version.ts';
// the whole boot
export { simulateBoot } from './boot/boot.ts';
export type { BootInput, BootResult } from './boot/boot.ts';
export { dispatchListing } from './boot/modules/dispatch-listing.ts';
export { PEI_UNITS, dispatchPei } from './boot/modules/pei-dispatch.ts';
export { DXE_UNITS, dispatchDxe } from './boot/modules/dxe-dispatch.ts';
export { findModule, moduleIn } from './boot/modules/unit.ts';
export { embeddedCertificates, updateTable, FIRMWARE_SECVAR_UPDATER_FILE_GUID } from './boot/modules/secvar-updater.ts';
export type { DispatchedModule, ModuleRef, Presence } from './boot/modules/unit.ts';
export type { PeiUnit } from './boot/modules/pei-unit.ts';
export type { DxeUnit } from './boot/modules/dxe-unit.ts';
export { DEFAULT_FIRMWARE_STAND_INS, modulePresence } from './boot/modules/stand-ins.ts';
export { NO_TPM2_BUILD, hasNoMeasuringModule } from './boot/modules/unmeasured.ts';
export { imageBufferAddress, imageBufferDistance, shellBufferCalibrated, usedStoreShift, SHELL_BUFFER_REMAINDER_PAGES, FAMILY_REMAINDER_PAGES, familyRemainderPages, DISK_IMAGE_BUFFER_CALIBRATION, USED_STORE_IMAGE_BUFFER_SHIFT } from './boot/image-buffer.ts';
export { dxeDerivedAllocations, derivedPages, driverStarts, identityMapPoolPages, streamCopyPoolSize, NOT_STARTED } from './boot/dxe-allocation-model.ts';
export type { BuildRelease, DxeDerivedAllocations, DxeDispatchVm } from './boot/dxe-allocation-model.ts';
export { CALIBRATION_POINTS, calibrationFactsOf, calibrationPointOf, calibrationPointOfImage } from './boot/calibration-point.ts';
export type { CalibrationFacts, CalibrationPoint } from './boot/calibration-point.ts';
export { dxeDriverAllocations, driverAllocationPages, memoryTypeBinPages } from './boot/dxe-driver-allocations.ts';
export type { DxeDriverAllocations, DxeDriverVm } from './boot/dxe-driver-allocations.ts';
export { storeHistory, FIRST_BOOT_VARIABLES } from './boot/store-history.ts';
export type { StoreHistory, StoreHistoryKind } from './boot/store-history.ts';
export type { ImageBufferContext } from './boot/image-buffer.ts';
export { BootDigests } from './boot/boot-digests.ts';
export { DigestWorker } from './boot/digest-worker.ts';
export { coreMachine, dxeUintnBytes, peiUintnBytes, specIdUintnSize, DXE_CORE_FILE_GUID, PEI_CORE_FILE_GUID } from './boot/firmware-arch.ts';
export { secureBootLoadImage, SIGNED_REFUSAL_BASE_PAGES, SIGNED_REFUSAL_PAGES_PER_CERT, AUTHORITY_LIST_PAGES } from './boot/secure-boot.ts';
export type { SecureBootLoad } from './boot/secure-boot.ts';
export { TpmStack, RecordingDeviceLib } from './boot/tpm-stack.ts';
export type { TpmInterface, TpmExchange } from './boot/tpm-stack.ts';
export { dxeDriverEntryQueries } from './boot/dxe-entry.ts';
export type { DxeTpmFacts } from './boot/dxe-entry.ts';
export {
  LOAD_OPTION, UI_APP_FILE_GUID, UEFI_SHELL_FILE_GUID, BM_AUTO_CREATE_BOOT_OPTION_GUID, defaultCdromOption,
  defaultOvmfBootOptions, encodeBootOption, encodeBootOrder, fvFilePath, decodeBootOption, decodeBootOrder, bootTargetOf,
  virtioDiskOption, virtioDiskDevicePath, expandedDiskLoaderPath,
} from './boot/bds.ts';
export type { BootOption, BootTarget, BootDevices, DiskBootTarget } from './boot/bds.ts';
export { DISK_INTERFACES, NVME_SERIAL, diskOptions, diskPciSlotCount, diskQemuArguments, keepsDefaultCdrom, nvmeSerial } from './boot/disk-interfaces.ts';
export type { AttachedDisk, DiskInterface, DiskOption, DiskPlacement, DiskSpec } from './boot/disk-interfaces.ts';
export { comparePciPaths, parsePciPathText, pciPathText, rootPciPath } from './boot/pci-path.ts';
export { devicesShift } from './boot/device-footprints.ts';
export type { PlatformDevice } from './boot/device-footprints.ts';
export type { PciFunction, PciPath } from './boot/pci-path.ts';
export { parseQemuBootOrder, parseUnitAddressHexList } from './boot/qemu-boot-order.ts';
export type { OfwTranslation, QemuBootOrder } from './boot/qemu-boot-order.ts';
export { connectDevicesFromQemu, setBootOrderFromQemu } from './boot/boot-order-apply.ts';
export type { DeviceConnection, QemuBootOrderResult } from './boot/boot-order-apply.ts';
export { bootOrderFromIndexes } from './boot/boot-order-devices.ts';
export type { IndexedDisk } from './boot/boot-order-devices.ts';
export { predict, readPcrs, tpmPcrsAfterBoot } from './boot/predict.ts';
export type { Prediction, PcrBanks, PredictedPcrMismatch, PredictInput } from './boot/predict.ts';
// the embedded default firmware
export { buildDefaultFirmware, DEFAULT_FIRMWARE_FILE, DEFAULT_FIRMWARE_SIZES } from './default-firmware.ts';
export type { DefaultFirmware, DefaultFirmwareOptions, ExtraDxeModule } from './default-firmware.ts';
// scenarios
export { Scenario, parseScenario } from './scenario.ts';
export type { ScenarioInput } from './scenario.ts';
export { ConfigError, VmNotBootableError } from './errors.ts';
// real-firmware capture harness (QEMU + swtpm)
export { captureBoot } from './capture/capture-boot.ts';
export type { CaptureResult, CaptureTimings, BootEndReached } from './capture/capture-boot.ts';
export { CaptureError } from './capture/errors.ts';
export type { CaptureErrorCode } from './capture/errors.ts';
export { resolveCaptureOptions, qemuArguments, swtpmArguments, swtpmSetupArguments, ramRanges } from './capture/options.ts';
export { dxeMemoryMap, dxeLoadedImages, dxePoolAllocations, DxeMemoryMapEntry, DxeLoadedImagePrivate, DxePoolHead, DxePoolTail, FvFilePathNode } from './capture/dxe-ram-walk.ts';
export type { DxeMemoryRange, DxeLoadedImage, DxePoolAllocation } from './capture/dxe-ram-walk.ts';
export type { CaptureDisk, CaptureOptions, ResolvedCaptureOptions, CaptureProgress, BootEndMarker, CapturePaths } from './capture/options.ts';
export {
  SPEC_ID_SIGNATURE, TCG2_FINAL_EVENTS_TABLE_GUID, TCG_LOG_AREA_LENGTH, FINAL_EVENTS_AREA_LENGTH,
  findSpecIdCandidates, findFinalEventsPointers,
  measureFinalEventsTable, algorithmName,
} from './capture/log-scan.ts';
export type {
  SpecIdCandidate, FinalEventsPointer, FinalEventsExtent,
} from './capture/log-scan.ts';
export { decodeLogArea, scanGuestMemory } from './capture/memory-scan.ts';
export { findAcpiTables, acpiByteSum, ACPI_HEADER_SIZE, ACPI_SCAN_MAX_TABLE } from './acpi/acpi-scan.ts';
export type { AcpiTableCopy } from './acpi/acpi-scan.ts';
export {
  EFIACPIDescriptionHeader, EFITPM2ACPITableFixed, EFITPM2ACPITrailer, TPM2_TABLE_FIXED_SIZE, TPM2_TABLE_FULL_SIZE,
  TPM2_TABLE_MAX_SIZE, TPM2_START_METHOD, TPM2_START_METHOD_NAME, TPM2_PLATFORM_CLASS, decodeTpm2Table, encodeTpm2Table,
  tableSignature,
} from './acpi/tpm2-table.ts';
export type { Tpm2Table, Tpm2TableInput } from './acpi/tpm2-table.ts';
export {
  QEMU_TPM_LOG_AREA_SIZE, QEMU_CRB_CONTROL_AREA, QEMU_ACPI_OEM, QEMU_TPM_LOG_CALIBRATION, QEMU_TPM_LOG_CALIBRATION_BY_BUILD, qemuTpmLogAddress, qemuTpm2Table, QEMU_TPM_LOG_TCG2_VERSION_SHIFT,
  qemuTpm2TableInput,
} from './acpi/qemu-tpm2.ts';
export type { QemuTpm2Options } from './acpi/qemu-tpm2.ts';
export { checkTpm2Table, probeInterface, TPM2_START_METHOD_DSM_UUID_AML } from './acpi/tpm2-check.ts';
export type { Tpm2Finding, Tpm2FindingCode, Tpm2CheckOptions } from './acpi/tpm2-check.ts';
export type { SpecIdCopy, LogExtent, MemoryScanResult, QmpExecutor } from './capture/memory-scan.ts';
export { parseSwtpmLog, tpmCommandStream } from './capture/swtpm-log.ts';
export type { SwtpmLogMessage, TpmCommandRecord } from './capture/swtpm-log.ts';
export { QmpClient } from './capture/qmp.ts';
export { SWTPM_CTRL, swtpmControl, swtpmTransmit, readActiveBanks, readPcrBank, readAllPcrs } from './capture/swtpm-client.ts';
export { replayWithTpm2Eventlog, parseTpm2EventlogPcrs, comparePcrs } from './capture/tpm2-eventlog.ts';
export type { Tpm2EventlogReplay, PcrMismatch } from './capture/tpm2-eventlog.ts';
export {
  locateMemoryTypeInformation, refreshMemTypeInfo, MEMORY_TYPE_INFORMATION_GUID, MEMORY_TYPE_INFORMATION_VARIABLE,
} from './platform-pei/mem-type-info.ts';
// what of a build decides its measurements
export { profileImage, measurementFeatures, unmodelledMeasurements } from './profile/profile.ts';
export type { FirmwareProfile, ProfileVolume, ProfileModule, ProfileFeature } from './profile/profile.ts';
export { nicNetworkOptions, nicPciPath, uniqueDescriptions, macText } from './boot/bds-network.ts';
export { networkStackNeedsRng } from './boot/network-rng.ts';
export type { NetworkNic, NetworkOption } from './boot/bds-network.ts';
export { loadNicOptionRoms, optionRomImagePath } from './boot/pci-option-roms.ts';
export type { PciNic, OptionRomLoadContext } from './boot/pci-option-roms.ts';
export { optionRomBufferAddress, nicShellShift, nicBuffersCalibrated, OPTION_ROM_FREE_POINT, NIC_SHELL_SHIFT } from './boot/nic-image-buffer.ts';
export type { NicBufferFacts } from './boot/nic-image-buffer.ts';
// DXE and BDS pieces other EDK II platforms share (packages/platform-armvirt)
export { DxeVariables, bootOptions, hex4 } from './boot/dxe-variables.ts';
export type { BootOptionSet } from './boot/dxe-variables.ts';
export { tcg2ConfigPei } from './boot/tcg2-config-pei.ts';
export { tcg2ConfigDxeEntry, randomizePlatformAuth } from './boot/dxe-platform.ts';
export { measuresSmbios, measureSmbios, filteredSmbiosTable, type0StringsOf, smbiosEntryPointAddress, SMBIOS_MEASUREMENT_DXE_FILE_GUID, SMBIOS_TABLE_GUID, SMBIOS3_TABLE_GUID } from './smbios/smbios-measurement.ts';
export { ovmfSmbiosTable, ovmfType0, OVMF_DEFAULT_SMBIOS_VERSION } from './smbios/smbios-table.ts';
export type { SmbiosTable, Type0Strings } from './smbios/smbios-table.ts';
export { filterSmbiosEntry, SMBIOS_MEASUREMENT_FILTER } from './smbios/smbios-filter.ts';
export { bdsPlatformOptions, BOOT_MANAGER_MENU_APP_FILE_GUID, LEGACY_BDS_PLATFORM_OPTIONS } from './boot/bds-platform-options.ts';
export type { BdsPlatformOptions } from './boot/bds-platform-options.ts';
