import { LE, fixedBytes, struct, u8 } from '@tcg2sim/binary-codec';
import type { Infer } from '@tcg2sim/binary-codec';
import { ramLayout } from '../machine.ts';
import type { MachineDescription } from '../machine.ts';

/**
 * EFI_HOB_PLATFORM_INFO (OvmfPkg/Include/Library/PlatformInitLib.h, edk2-stable202211),
 * `#pragma pack(1)`, 138 bytes. In 2022.11 PlatformPei keeps it as the global
 * `mPlatformInfoHob` in its .data section, inside PEIFV, and fills it while executing in place
 * before permanent memory exists: so these bytes are part of the PEIFV that Tcg2Pei measures.
 */
export const EFIHobPlatformInfo = struct('EFI_HOB_PLATFORM_INFO', {
  /** EFI_HOB_GUID_TYPE header of the global copy: never written (BuildGuidDataHob copies). */
  guidHeader: fixedBytes('GuidHeader', 24),
  hostBridgeDevId: LE.u16,
  pcdConfidentialComputingGuestAttr: LE.u64,
  sevEsIsEnabled: u8,
  bootMode: LE.u32,
  s3Supported: u8,
  smmSmramRequire: u8,
  q35SmramAtDefaultSmbase: u8,
  q35TsegMbytes: LE.u16,
  firstNonAddress: LE.u64,
  physMemAddressWidth: u8,
  uc32Base: LE.u32,
  uc32Size: LE.u32,
  pcdSetNxForStack: u8,
  pcdTdxSharedBitMask: LE.u64,
  pcdPciMmio64Base: LE.u64,
  pcdPciMmio64Size: LE.u64,
  pcdPciMmio32Base: LE.u32,
  pcdPciMmio32Size: LE.u32,
  pcdPciIoBase: LE.u64,
  pcdPciIoSize: LE.u64,
  pcdEmuVariableNvStoreReserved: LE.u64,
  pcdCpuBootLogicalProcessorNumber: LE.u32,
  pcdCpuMaxLogicalProcessorNumber: LE.u32,
  defaultMaxCpuNumber: LE.u32,
  s3AcpiReservedMemoryBase: LE.u32,
  s3AcpiReservedMemorySize: LE.u32,
});
export type EFIHobPlatformInfo = Infer<typeof EFIHobPlatformInfo>;
/** sizeof (EFI_HOB_PLATFORM_INFO). */
export const PLATFORM_INFO_SIZE = 138;

/** Build-time facts of an OVMF image that PlatformPei's computation depends on. */
export interface OvmfBuildFacts {
  /** FeaturePcdGet (PcdSmmSmramRequire): SMM_REQUIRE builds (the *.secboot.fd images). */
  readonly smmSmramRequire: boolean;
  /** PcdPciMmio64Size (0x800000000 in OvmfPkgIa32X64.dsc and OvmfPkgX64.dsc). */
  readonly pciMmio64Size: bigint;
  /** PcdCpuMaxLogicalProcessorNumber (64). */
  readonly cpuMaxLogicalProcessorNumber: number;
  /** PcdCpuApStackSize (UefiCpuPkg default 0x8000). */
  readonly cpuApStackSize: number;
  /** PcdQ35TsegMbytes (8); QEMU's extended TSEG overrides it. */
  readonly q35TsegMbytes: number;
  /** PcdPciExpressBaseAddress (0xB0000000). */
  readonly pciExpressBaseAddress: number;
  /** PcdCsmEnable (FALSE in Debian's builds). */
  readonly csmEnable: boolean;
  /**
   * DXE runs in 32-bit mode (IA32 PlatformPei and PcdDxeIplSwitchToLongMode FALSE:
   * OvmfPkgIa32.dsc, Debian's OVMF32_CODE_4M*.fd); read from DXE core's PE machine. Then
   * PlatformGetFirstNonAddress (OvmfPkg/Library/PlatformInitLib/MemDetect.c) returns the RAM end
   * without placing the 64-bit PCI aperture (PciBusDxe degrades 64-bit BARs to 32-bit). Default
   * false.
   */
  readonly ia32Dxe?: boolean;
  /**
   * PlatformPei takes the address width from CPUID and sizes the 64-bit MMIO window from it, and
   * a Q35 guest with at most 2 GiB of low RAM gets Uc32Base 0x80000000 (Debian 12's 2022.11);
   * false for edk2-stable202208-era code (width from the PCI aperture only, Uc32Base = PCIEXBAR),
   * read from the image by address-width.ts. Default true.
   */
  readonly cpuidAddressWidth?: boolean;
}

/** The values of OvmfPkgIa32X64.dsc / OvmfPkgX64.dsc in edk2-stable202211 (Debian 2022.11). */
export const DEBIAN_2022_11_BUILD: OvmfBuildFacts = {
  smmSmramRequire: false,
  pciMmio64Size: 0x800000000n,
  cpuMaxLogicalProcessorNumber: 64,
  cpuApStackSize: 0x8000,
  q35TsegMbytes: 8,
  pciExpressBaseAddress: 0xb0000000,
  csmEnable: false,
};

const HOST_BRIDGE = { q35: 0x29c0, pc: 0x1237 } as const;
/** QEMU 7.2 q35 `mch.extended-tseg-mbytes` default. */
const QEMU_EXTENDED_TSEG_MB = 16;
const SIZE_1GB = 1n << 30n;
const SIZE_4GB = 1n << 32n;

function alignUp(v: bigint, a: bigint): bigint {
  return a === 0n ? v : ((v + a - 1n) / a) * a;
}
function powerOfTwoBelow64(v: bigint): bigint {
  if (v === 0n) return 0n;
  let p = 1n;
  while (p * 2n <= v) p *= 2n;
  return p;
}
function powerOfTwoBelow32(v: number): number {
  return Number(powerOfTwoBelow64(BigInt(v)));
}

/**
 * What `InitializePlatform` (OvmfPkg/PlatformPei/Platform.c, 2022.11) leaves in
 * `mPlatformInfoHob` on a normal boot (BOOT_WITH_FULL_CONFIGURATION) of `machine`:
 * BootModeInitialization, the host bridge DID, AddressWidthInitialization (E820 from fw_cfg,
 * the 64-bit PCI aperture, CPUID phys-bits with the QEMU quirk, the dynamic MMIO window),
 * MaxCpuCountInitialization, the Q35 TSEG/SMBASE probes, PublishPeiMemory's S3 reservation,
 * the UC32 base, and MemMapInitialization's 32-bit MMIO and I/O apertures.
 */
export function computePlatformInfo(m: MachineDescription, build: OvmfBuildFacts): EFIHobPlatformInfo {
  const q35 = m.machine === 'q35';
  const ram = ramLayout(m);
  const lower = ram.belowFourG;
  const maxCpus = m.maxCpus ?? m.cpus;

  // PlatformGetFirstNonAddress: highest E820 RAM end (at least 4 GiB), then the 64-bit PCI
  // aperture above it: 1 GiB aligned, then naturally aligned to its size. With an IA32 DXE the
  // function returns before the aperture (observed on Debian's OVMF32_CODE_4M.secboot.fd: 4 GiB
  // in mPlatformInfoHob.FirstNonAddress, the dynamic MMIO window below still applied).
  let firstNonAddress = ram.aboveFourG > 0n ? SIZE_4GB + ram.aboveFourG : SIZE_4GB;
  let mmio64Size = build.pciMmio64Size;
  let mmio64Base = 0n;
  if (mmio64Size !== 0n && build.ia32Dxe !== true) {
    mmio64Base = alignUp(firstNonAddress, SIZE_1GB);
    mmio64Size = alignUp(mmio64Size, SIZE_1GB);
    mmio64Base = alignUp(mmio64Base, powerOfTwoBelow64(mmio64Size));
    firstNonAddress = mmio64Base + mmio64Size;
  }

  // PlatformAddressWidthFromCpuid (QemuQuirk = TRUE).
  let physBits = 0;
  const pb = build.cpuidAddressWidth === false ? 0 : m.cpu.physBits;
  const valid =
    pb >= 41 ||
    (m.cpu.vendor === 'GenuineIntel' && (pb === 36 || pb === 39)) ||
    (m.cpu.vendor === 'AuthenticAMD' && pb === 40);
  if (valid) {
    physBits = Math.min(pb, 47);
    if (!m.cpu.page1g && physBits > 40) physBits = 40;
  }
  if (physBits !== 0) {
    // PlatformDynamicMmioWindow
    const addrSpace = 1n << BigInt(physBits);
    const mmioSpace = 1n << BigInt(physBits - 3);
    if (mmio64Size < mmioSpace && mmio64Base + mmioSpace < addrSpace) {
      mmio64Size = mmioSpace;
      mmio64Base = addrSpace - mmioSpace;
    }
  } else {
    // Width guessed from FirstNonAddress: HighBitSet64, +1 unless a power of two, at least 36.
    let w = firstNonAddress.toString(2).length - 1;
    if ((firstNonAddress & (firstNonAddress - 1n)) !== 0n) w++;
    physBits = Math.max(w, 36);
  }

  // Q35 SMM probes (only when the build requires SMRAM).
  let tsegMb = 0;
  let smramAtDefaultSmbase = 0;
  if (build.smmSmramRequire) {
    tsegMb = QEMU_EXTENDED_TSEG_MB;
    smramAtDefaultSmbase = build.csmEnable ? 0 : 1;
  }

  // PublishPeiMemory: S3 permanent PEI memory below TSEG at the top of low RAM.
  let s3Base = 0;
  let s3Size = 0;
  if (m.s3) {
    const lowerForPei = lower - tsegMb * 1024 * 1024;
    s3Size = 512 * 1024 + maxCpus * build.cpuApStackSize;
    s3Base = lowerForPei - s3Size;
  }

  // PlatformQemuUc32BaseInitialization and PlatformMemMapInitialization.
  let uc32Base: number;
  let uc32Size = 0;
  let pciBase: number;
  if (q35) {
    uc32Base = lower <= 0x80000000 && build.cpuidAddressWidth !== false ? 0x80000000 : build.pciExpressBaseAddress;
    pciBase = build.pciExpressBaseAddress + 0x10000000;
  } else {
    uc32Size = powerOfTwoBelow32(0x100000000 - lower);
    uc32Base = 0x100000000 - uc32Size;
    pciBase = uc32Base;
  }

  return {
    guidHeader: new Uint8Array(24),
    hostBridgeDevId: HOST_BRIDGE[m.machine],
    pcdConfidentialComputingGuestAttr: 0n,
    sevEsIsEnabled: 0,
    bootMode: 0,
    s3Supported: m.s3 ? 1 : 0,
    smmSmramRequire: build.smmSmramRequire ? 1 : 0,
    q35SmramAtDefaultSmbase: smramAtDefaultSmbase,
    q35TsegMbytes: tsegMb,
    firstNonAddress,
    physMemAddressWidth: physBits,
    uc32Base,
    uc32Size,
    pcdSetNxForStack: 0,
    pcdTdxSharedBitMask: 0n,
    pcdPciMmio64Base: mmio64Base,
    pcdPciMmio64Size: mmio64Size,
    pcdPciMmio32Base: pciBase,
    pcdPciMmio32Size: 0xfc000000 - pciBase,
    pcdPciIoBase: q35 ? 0x6000n : 0xc000n,
    pcdPciIoSize: q35 ? 0xa000n : 0x4000n,
    pcdEmuVariableNvStoreReserved: 0n,
    pcdCpuBootLogicalProcessorNumber: m.cpus,
    pcdCpuMaxLogicalProcessorNumber: maxCpus,
    defaultMaxCpuNumber: build.cpuMaxLogicalProcessorNumber,
    s3AcpiReservedMemoryBase: s3Base,
    s3AcpiReservedMemorySize: s3Size,
  };
}
