/**
 * The calibration points of the allocator-state models (ImageLocationInMemory of BDS's boot
 * files and the NICs' option ROM drivers: image-buffer.ts, nic-image-buffer.ts,
 * disk-nic-image-buffer.ts, device-footprints.ts, cpu-s3-shift.ts; the TPM log blob's address:
 * acpi/qemu-tpm2.ts). What those models do not compute from the image is the DXE drivers' small
 * allocations (hundreds of pools and pages: docs/dxe-allocations.md §7), and what causes them is
 * the set of drivers that run, their code's release and the PCDs they size things by. A
 * calibration point is therefore named by those facts, all read from the image, never by a hash
 * of it: the DXE core's architecture, whether the build is an SMM one (PiSmmIpl in DXEFV),
 * whether TdxDxe and the SEV-ES CpuDxe are in it (OvmfPkgX64's 2 MB layout at edk2-stable202211),
 * the flash layout (PcdFlashNvStorageVariableSize: the 4 MiB or 2 MiB varstore), the release
 * (PcdFirmwareVersionString; Debian 12 sets none, its PlatformPei takes the CPUID address width,
 * edk2-stable202211's code), and the boot-services drivers that start on a QEMU VM (count and
 * SizeOfImage pages, dxe-allocation-model.ts: the module set the small allocations come from).
 *
 * Another build with the same facts gets the point's calibration and the claim that it is
 * calibrated; a build whose facts match no point gets the models' estimates and notes saying so.
 * Each point was measured on real boots of Debian's OVMF 2022.11-6+deb12u2 (the file named with
 * it); no other build in the firmware cache (docs/newer-ovmf.md) has the facts of any point.
 */
import { findFileByGuid } from '@tcg2sim/uefi';
import type { SecOutput } from '../sec.ts';
import type { FirmwareVersionString } from '../platform-pei/firmware-version.ts';
import { dxeDerivedAllocations } from './dxe-allocation-model.ts';
import { releaseFactsOf } from './modules/dxe-allocations-of.ts';

/** A measured allocator state, named by its facts (see {@link CALIBRATION_POINTS}). */
export type CalibrationPoint = 'x64-4m' | 'x64-2m-tdx' | 'x64-4m-smm' | 'ia32-4m-smm';

/** The image facts that name a calibration point. */
export interface CalibrationFacts {
  /** PcdFirmwareVersionString's edk2-stable release (undefined: the string names none). */
  readonly release: number | undefined;
  /** PlatformPei takes the physical address width from CPUID (edk2-stable202211 and later code). */
  readonly cpuidAddressWidth: boolean;
  /** The DXE core is IA32 (POOL_HEAD 0x10). */
  readonly ia32Dxe: boolean;
  /** PiSmmIpl is in DXEFV (an SMM build: variables, FTW and the lock box in SMRAM). */
  readonly smm: boolean;
  /** TdxDxe is in DXEFV (OvmfPkgX64.dsc's TDX and SEV-ES modules, with the second CpuDxe). */
  readonly tdxDxe: boolean;
  /** The flash image is the 4 MiB layout (PcdFlashNvStorageVariableSize 0x40000 bytes). */
  readonly flash4M: boolean;
  /** Boot-services drivers that start on a QEMU VM without RNG, and their SizeOfImage pages. */
  readonly startedDrivers: number;
  readonly driverImagePages: number;
}

type PointFacts = Omit<CalibrationFacts, 'release' | 'cpuidAddressWidth'>;

/**
 * The points: builds without a version string whose PlatformPei takes the CPUID width
 * (edk2-stable202211), with Secure Boot configuration, iSCSI, HTTP boot and TLS in DXEFV.
 */
export const CALIBRATION_POINTS: ReadonlyMap<CalibrationPoint, PointFacts> = new Map<CalibrationPoint, PointFacts>([
  // Debian 12 OVMF_CODE_4M.fd
  ['x64-4m', { ia32Dxe: false, smm: false, tdxDxe: false, flash4M: true, startedDrivers: 93, driverImagePages: 903 }],
  // Debian 12 OVMF_CODE.fd (2 MB)
  ['x64-2m-tdx', { ia32Dxe: false, smm: false, tdxDxe: true, flash4M: false, startedDrivers: 94, driverImagePages: 920 }],
  // Debian 12 OVMF_CODE_4M.secboot.fd (also .ms.fd and .snakeoil.fd: the same DXEFV)
  ['x64-4m-smm', { ia32Dxe: false, smm: true, tdxDxe: false, flash4M: true, startedDrivers: 94, driverImagePages: 902 }],
  // Debian 12 OVMF32_CODE_4M.secboot.fd (ovmf-ia32)
  ['ia32-4m-smm', { ia32Dxe: true, smm: true, tdxDxe: false, flash4M: true, startedDrivers: 94, driverImagePages: 821 }],
]);

const PI_SMM_IPL = '2FA2A6DA-11D5-4DC3-999A-749648B03C56';
const TDX_DXE = 'E750224E-7BCE-40AF-B5BB-47E3611EB5C2';
/** Flash images above this are the 4 MiB layout (as dxe-driver-allocations.ts). */
const TWO_MIB_LAYOUT_MAX = 0x200000;

/** The image's facts, per image (computed once: one pass of the allocation model over DXEFV). */
const imageFacts = new WeakMap<SecOutput, PointFacts>();

/** The facts of an image (SEC's output) and its release as the version string and PlatformPei give it. */
export function calibrationFactsOf(sec: SecOutput, release: { readonly release?: number | undefined; readonly cpuidAddressWidth: boolean }): CalibrationFacts {
  let f = imageFacts.get(sec);
  if (f === undefined) {
    const vm = { machine: 'q35' as const, flashBytes: sec.flash.image.length };
    const d = dxeDerivedAllocations(sec.dxeFv, { rng: false, physBits: 40, page1g: false }, { peiFv: sec.peiFv, vm });
    f = {
      ia32Dxe: d.poolHead === 0x10,
      smm: findFileByGuid(sec.dxeFv.volume, PI_SMM_IPL) !== undefined,
      tdxDxe: findFileByGuid(sec.dxeFv.volume, TDX_DXE) !== undefined,
      flash4M: sec.flash.image.length > TWO_MIB_LAYOUT_MAX,
      startedDrivers: d.startedDrivers,
      driverImagePages: d.driverImagePages,
    };
    imageFacts.set(sec, f);
  }
  return { release: release.release, cpuidAddressWidth: release.cpuidAddressWidth, ...f };
}

/** The calibration point these facts name, or undefined (the models estimate, and say so). */
export function calibrationPointOf(f: CalibrationFacts): CalibrationPoint | undefined {
  if (f.release !== undefined || !f.cpuidAddressWidth) return undefined;
  for (const [point, p] of CALIBRATION_POINTS) {
    if (p.ia32Dxe === f.ia32Dxe && p.smm === f.smm && p.tdxDxe === f.tdxDxe && p.flash4M === f.flash4M && p.startedDrivers === f.startedDrivers && p.driverImagePages === f.driverImagePages) return point;
  }
  return undefined;
}

/** The calibration point of an image (SEC's output) with this version string. */
export function calibrationPointOfImage(sec: SecOutput, version: FirmwareVersionString): CalibrationPoint | undefined {
  return calibrationPointOf(calibrationFactsOf(sec, releaseFactsOf(sec, version)));
}
