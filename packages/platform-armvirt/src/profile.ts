/**
 * `tcg2sim profile` of an ArmVirtQemu image: the same fields as an OVMF profile (platform-ovmf's
 * FirmwareProfile), with ArmVirtQemu's volumes (FVMAIN_COMPACT in flash, FVMAIN) and what the
 * model takes from the image versus what it calibrates.
 */
import { bdsPlatformOptions, measurementFeatures, profileImage, readFirmwareVersionString, unmodelledMeasurements, hasTpm2MeasureBootLib } from '@tcg2sim/platform-ovmf';
import type { FirmwareProfile, ProfileFeature } from '@tcg2sim/platform-ovmf';
import { VIRT_TPM_TIS_BASE } from '@tcg2sim/qemu-vmm';
import { armVirtImage } from './image.ts';
import type { ArmVirtImage } from './image.ts';
import { ARMVIRT_IMAGE_BUFFER_CALIBRATION } from './image-buffer.ts';
import { sameBuild, virtBuildFacts } from './build-facts.ts';

function renamed(text: string): string {
  return text.replaceAll('PEIFV', 'FVMAIN_COMPACT').replaceAll('DXEFV', 'FVMAIN');
}

/** The measurement-relevant features of an ArmVirtQemu build (platform-ovmf's list, with its volume names). */
export function armVirtFeatures(image: ArmVirtImage): Record<string, ProfileFeature> {
  return Object.fromEntries(Object.entries(measurementFeatures(image)).map(([k, f]) => [k, { present: f.present, evidence: renamed(f.evidence) }]));
}

/**
 * Profiles an ArmVirtQemu image (AAVMF_CODE.fd).
 * @throws ArmVirtError or FvError for an image that is not one
 */
export function profileArmVirt(code: Uint8Array, image: ArmVirtImage = armVirtImage(code)): FirmwareProfile {
  const base = profileImage(code, image);
  const [boot, dxe] = base.volumes;
  const volumes = [
    ...(boot !== undefined ? [{ ...boot, name: 'FVMAIN_COMPACT' as const }] : []),
    ...(dxe !== undefined ? [{ ...dxe, name: 'FVMAIN' as const, base: 'not modelled (DxeIpl\'s buffer in RAM)' }] : []),
  ];
  const build = virtBuildFacts(image);
  const shellCal = ARMVIRT_IMAGE_BUFFER_CALIBRATION.find((c) => sameBuild(c.build, build));
  const version = readFirmwareVersionString(image.peiFv.volume, image.dxeFv.volume);
  const features = armVirtFeatures(image);
  const bds = bdsPlatformOptions(image);
  const shell = features['shell']?.present === true ? ', "EFI Internal Shell"' : '';
  const modelled = [
    `platform: ArmVirtQemu (AArch64 SEC in the firmware volume at 0x1000) on QEMU's virt machine: RAM from 0x40000000, tpm-tis-device at 0x${VIRT_TPM_TIS_BASE.toString(16)}`,
    `S-CRTM version (PcdFirmwareVersionString) L"${version.value}": ${version.evidence}`,
    'PCR0 firmware blob: FVMAIN_COMPACT as it is in the image (PEI executes in place from flash; FVMAIN is its child FV, not measured again)',
    `build (what device and Shell buffer addresses are keyed by): version L"${build.version}", edk2 release ${build.release ?? 'unknown'}, build tree ${build.buildTree ?? 'not recorded'} (DxeCore's CodeView path)`,
    shellCal !== undefined
      ? `image-load address of the Shell (ImageLocationInMemory): calibrated on real boots of this build (${shellCal.name}; distance from the top of RAM; measured with ${[...shellCal.withSha1.keys()].join(', ')} MiB)`
      : 'image-load address of the Shell (ImageLocationInMemory, event data only, not in any PCR): not calibrated for this build, an estimate',
    `BDS: ${bds.menu.description}${bds.firmwareSetup ? ', "EFI Firmware Setup"' : ''}${shell} (PlatformBootManagerLib, read from BdsDxe) on a VM without boot devices`,
    `BDS: images measured by DxeTpm2MeasureBootLib: ${hasTpm2MeasureBootLib(image) ? 'linked (SecurityStubDxe refers to EFI_TCG2_PROTOCOL)' : 'not linked'}`,
    ...unmodelledMeasurements(features).map((u) => `NOT MODELLED by \`predict\`: ${u}`),
  ];
  return {
    ...base,
    volumes,
    features,
    peiFvWrites: { found: false, offsets: {}, notes: ['FVMAIN_COMPACT executes in place from flash: no PEIM writes into it before it is measured'] },
    modelled,
  };
}
