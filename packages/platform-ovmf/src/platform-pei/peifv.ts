import type { QemuFwCfgFile } from './qemu-fw-cfg-files.ts';
import { encode } from '@tcg2sim/binary-codec';
import { EFI_SECTION, findFileByGuid, parsePeImage, sectionName } from '@tcg2sim/uefi';
import type { FirmwareVolume } from '@tcg2sim/uefi';
import type { MachineDescription } from '../machine.ts';
import type { MemoryFv } from '../sec.ts';
import { applyPeiCoreAcpiTimer } from './acpi-timer.ts';
import { locatePlatformPeiGlobals, PlatformPeiLocateError } from './locate.ts';
import type { PlatformPeiGlobals, XipImage } from './locate.ts';
import { hasLegacyPlatformGlobals } from './legacy-globals.ts';
import { hasCpuidAddressWidth } from './address-width.ts';
import { applyPeiSmmRelocation, hasPeiSmmRelocation } from './smm-relocation.ts';
import type { SmmRelocationAllocations, SmmRelocationWrite } from './smm-relocation-values.ts';
import { applyDebugIoPortFlags, unlocatedDebugIoPortFlags } from './debug-io-port.ts';
import { applyCcAttrReadFlag } from './cc-attr-cache.ts';
import { applyLegacyPlatformPei } from './legacy-values.ts';
import { computePlatformInfo, EFIHobPlatformInfo } from './platform-info.ts';
import {
  locateMemoryTypeInformation, refreshMemTypeInfo, MEMORY_TYPE_INFO_ARRAY_SIZE, MEMORY_TYPE_INFORMATION_GUID,
  MEMORY_TYPE_INFORMATION_VARIABLE,
} from './mem-type-info.ts';
import type { EFIHobPlatformInfo as PlatformInfo, OvmfBuildFacts } from './platform-info.ts';

/** PlatformPei's FILE_GUID (OvmfPkg/PlatformPei/PlatformPei.inf). */
export const PLATFORM_PEI_FILE_GUID = '222C386D-5ABC-4FB4-B124-FBB82488ACF4';
/** SmmAccessPei's FILE_GUID: present in PEIFV only in SMM_REQUIRE builds. */
export const SMM_ACCESS_PEI_FILE_GUID = '6C0E75B4-B0B9-44D1-8210-3377D7B4E066';

/** The PEIFV bytes Tcg2Pei hashes, and how they were derived. */
export interface MeasuredPeiFv {
  readonly bytes: Uint8Array;
  /** Offsets in PEIFV of the bytes PlatformPei wrote, when it was found. */
  readonly globals?: PlatformPeiGlobals & { readonly peOffsetInFv: number };
  readonly platformInfo?: PlatformInfo;
  /** What was modelled, or why the pristine bytes were kept. */
  readonly notes: readonly string[];
  /** Set when PlatformPei writes bytes into PEIFV that are not modelled (PCR0 is then wrong). */
  readonly unmodelled?: string;
  /** Offsets in PEIFV of a pre-PlatformInitLib PlatformPei's globals (legacy-globals.ts), when found. */
  readonly legacyGlobals?: Readonly<Record<string, number>>;
  /** SmmRelocationLib's writes (202405+ SMM builds), each with its PEIFV offset and value (undefined: not modelled). */
  readonly smmRelocation?: readonly SmmRelocationWrite[];
}

/** Build facts read from the image itself (SMM_REQUIRE from SmmAccessPei's presence). */
export function buildFactsFromPeiFv(volume: FirmwareVolume, base: OvmfBuildFacts): OvmfBuildFacts {
  return { ...base, smmSmramRequire: findFileByGuid(volume, SMM_ACCESS_PEI_FILE_GUID) !== undefined };
}

/**
 * PEIFV as it sits in RAM when Tcg2Pei measures it. In edk2-stable202211 PlatformPei executes in
 * place from PEIFV before permanent memory and writes its globals there: `mPlatformInfoHob`
 * (EFI_HOB_PLATFORM_INFO, filled from the machine) and QemuFwCfgPeiLib's two BOOLEANs (both
 * TRUE on QEMU, which has fw_cfg with DMA). Builds without such a PlatformPei (later edk2, other
 * platforms) are measured pristine, with a note saying so.
 */
export function peiFvAtMeasurement(
  peiFv: MemoryFv,
  machine: MachineDescription,
  build: OvmfBuildFacts,
  readVariable?: (name: string, guid: string) => Uint8Array | undefined,
  smmAllocations?: SmmRelocationAllocations,
  fwCfgFiles?: readonly QemuFwCfgFile[]
): MeasuredPeiFv {
  const r = modelledPeiFv(peiFv, machine, build, readVariable, smmAllocations, fwCfgFiles);
  const probes = unlocatedDebugIoPortFlags(peiFv);
  if (probes.length === 0 || r.unmodelled !== undefined) return r;
  return { ...r, unmodelled: `PlatformDebugLibIoPort's flags in PEIFV (${probes.join(', ')} probe the debug console at 0x402 but the flags were not found; PCR0)` };
}

function modelledPeiFv(
  peiFv: MemoryFv,
  machine: MachineDescription,
  build: OvmfBuildFacts,
  readVariable?: (name: string, guid: string) => Uint8Array | undefined,
  smmAllocations?: SmmRelocationAllocations,
  fwCfgFiles?: readonly QemuFwCfgFile[]
): MeasuredPeiFv {
  const bytes = peiFv.bytes.slice();
  const notes: string[] = [];
  const timer = applyPeiCoreAcpiTimer(bytes, peiFv, machine);
  if (timer !== undefined) notes.push(timer);
  notes.push(...applyDebugIoPortFlags(bytes, peiFv));
  notes.push(...applyCcAttrReadFlag(bytes, peiFv));
  const file = findFileByGuid(peiFv.volume, PLATFORM_PEI_FILE_GUID);
  const pe32 = file?.sections?.find((s) => s.type === EFI_SECTION.PE32);
  if (file === undefined || pe32 === undefined) {
    notes.push(`PEIFV has no PlatformPei PE32 image: ${timer === undefined ? 'measured as decompressed' : 'no PlatformPei writes'}`);
    return { bytes, notes };
  }
  const peOffsetInFv = pe32.offset + pe32.headerSize - peiFv.volume.offset;
  let globals: PlatformPeiGlobals;
  let dataRange: { start: number; end: number } | undefined;
  let img: XipImage | undefined;
  try {
    const pe = parsePeImage(pe32.body);
    const dataSec = pe.sections.find((s) => sectionName(s) === '.data');
    if (dataSec !== undefined) dataRange = { start: dataSec.virtualAddress, end: dataSec.virtualAddress + dataSec.virtualSize };
    img = {
      machine: pe.fileHeader.machine,
      imageBase: Number(pe.optionalHeader.imageBase),
      sections: pe.sections.map((s) => ({ name: sectionName(s), virtualAddress: s.virtualAddress, virtualSize: s.virtualSize })),
      image: pe32.body,
    };
    globals = locatePlatformPeiGlobals(img);
  } catch (err) {
    if (err instanceof PlatformPeiLocateError && img !== undefined && dataRange !== undefined && err.code === 'PLATFORM_INFO_NOT_FOUND' && hasLegacyPlatformGlobals(img, dataRange)) {
      const legacy = applyLegacyPlatformPei(bytes, peOffsetInFv, img, dataRange, machine, build);
      notes.push(...legacy.notes);
      if (build.smmSmramRequire && legacy.unmodelled === undefined) notes.push(refreshSmmMemTypeInfo(bytes, peOffsetInFv, dataRange, readVariable));
      const base = { bytes, notes, legacyGlobals: legacy.offsets };
      return legacy.unmodelled === undefined ? base : { ...base, unmodelled: legacy.unmodelled };
    }
    if (err instanceof PlatformPeiLocateError && build.smmSmramRequire && img !== undefined && dataRange !== undefined && hasPeiSmmRelocation(peiFv)) {
      notes.push(refreshSmmMemTypeInfo(bytes, peOffsetInFv, dataRange, readVariable));
      const smm = applyPeiSmmRelocation(bytes, peOffsetInFv, peiFv, img, dataRange, machine, build.ia32Dxe !== true, build.cpuApStackSize, smmAllocations, fwCfgFiles);
      if (smm !== undefined) {
        notes.push(...smm.notes);
        const base = { bytes, notes, ...(smm.writes === undefined ? {} : { smmRelocation: smm.writes }) };
        return smm.unmodelled === undefined ? base : { ...base, unmodelled: smm.unmodelled };
      }
    }
    if (err instanceof PlatformPeiLocateError) {
      notes.push(`PlatformPei globals not found (${err.code}): ${timer === undefined ? 'PEIFV measured as decompressed' : 'PlatformPei\'s part of PEIFV measured as decompressed'}`);
      return { bytes, notes };
    }
    throw err;
  }
  const cpuidWidth = hasCpuidAddressWidth(pe32.body);
  const info = computePlatformInfo(machine, cpuidWidth ? build : { ...build, cpuidAddressWidth: false });
  if (!cpuidWidth) notes.push('PlatformPei has no CPUID address-width clamp (edk2-stable202208-era code): width from the PCI aperture, no dynamic MMIO window, Uc32Base = PCIEXBAR');
  bytes.set(encode(EFIHobPlatformInfo, info), peOffsetInFv + globals.platformInfoOffset);
  bytes[peOffsetInFv + globals.fwCfgSupportedOffset] = 1;
  bytes[peOffsetInFv + globals.fwCfgDmaSupportedOffset] = 1;
  notes.push(
    `PlatformPei mPlatformInfoHob at PEIFV+0x${(peOffsetInFv + globals.platformInfoOffset).toString(16)}, ` +
      `fw_cfg flags at PEIFV+0x${(peOffsetInFv + globals.fwCfgSupportedOffset).toString(16)}`
  );
  if (build.smmSmramRequire && dataRange !== undefined) notes.push(refreshSmmMemTypeInfo(bytes, peOffsetInFv, dataRange, readVariable));
  if (machine.msrFeatureControl !== undefined) {
    notes.push('etc/msr_feature_control is not modelled: mFeatureControlValue left pristine');
  }
  return { bytes, globals: { ...globals, peOffsetInFv }, platformInfo: info, notes };
}

/**
 * MemTypeInfo.c: only SMM builds have a PEI variable service, from which PlatformPei raises its
 * `mMemoryTypeInformation` defaults (in `.data`, so in PEIFV) before Tcg2Pei measures PEIFV.
 */
function refreshSmmMemTypeInfo(
  bytes: Uint8Array, peOffsetInFv: number, dataRange: { start: number; end: number }, readVariable?: (name: string, guid: string) => Uint8Array | undefined
): string {
  const at = locateMemoryTypeInformation(bytes.subarray(peOffsetInFv + dataRange.start, peOffsetInFv + dataRange.end));
  if (at === undefined) return 'SMM build: mMemoryTypeInformation not found in PlatformPei .data: left pristine';
  const off = peOffsetInFv + dataRange.start + at;
  const n = refreshMemTypeInfo(bytes.subarray(off, off + MEMORY_TYPE_INFO_ARRAY_SIZE), readVariable?.(MEMORY_TYPE_INFORMATION_VARIABLE, MEMORY_TYPE_INFORMATION_GUID));
  return `SMM build: mMemoryTypeInformation at PEIFV+0x${off.toString(16)}, ${n} record(s) raised from the MemoryTypeInformation variable`;
}
