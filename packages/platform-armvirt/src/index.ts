/**
 * @tcg2sim/platform-armvirt: the firmware side of ArmVirtQemu (AAVMF, ArmVirtPkg/ArmVirtQemu.dsc):
 * its flash layout, the PEI/DXE/BDS measurement flow, prediction and capture on QEMU's `virt`
 * machine. The VMM facts (RAM base, TPM address, command line) are in @tcg2sim/qemu-vmm.
 */
export { ArmVirtError } from './errors.ts';
export type { ArmVirtErrorCode } from './errors.ts';
export { ARMVIRT_BOOT_FV_OFFSET, armVirtImage, armVirtImageAsync, isArmVirtImage } from './image.ts';
export type { ArmVirtImage } from './image.ts';
export { DEFAULT_VIRT_MACHINE, virtRamTop } from './machine.ts';
export type { VirtMachine } from './machine.ts';
export { ARMVIRT_IMAGE_BUFFER_CALIBRATION, armVirtImageBuffer } from './image-buffer.ts';
export type { ArmVirtBufferContext } from './image-buffer.ts';
export { simulateArmVirtBoot, hasDebugCode } from './boot.ts';
export { ARMVIRT_VARSTORE_FTW, armVirtVariables } from './varstore.ts';
export type { ArmVirtBootInput } from './boot.ts';
export { predictArmVirt } from './predict.ts';
export type { ArmVirtPredictInput } from './predict.ts';
export { captureArmVirtBoot } from './capture.ts';
export type { ArmVirtCaptureOptions } from './capture.ts';
export { profileArmVirt, armVirtFeatures } from './profile.ts';
export { virtNetworkOptions, virtDiskSpecs } from './devices.ts';
export type { VirtBootDevices, VirtDisk, VirtDiskInterface, VirtNic } from './devices.ts';
export { measureVirtOptionRoms, loadVirtDiskLoader, ARMVIRT_IMAGE_VERIFICATION_POLICIES } from './bds-devices.ts';
export type { VirtImageVerification } from './bds-devices.ts';
export { VIRT_DEVICE_BUFFERS, virtDeviceBuffer } from './device-buffers.ts';
export { virtBuildFacts, codeViewPath, sameBuild, virtBuildCalibration } from './build-facts.ts';
export type { VirtBuildFacts } from './build-facts.ts';
export type { VirtDeviceBufferContext } from './device-buffers.ts';
