/**
 * The layers of DXE's allocations the image decides (dxe-allocation-model.ts) for this boot's VM:
 * the dispatched set (an RNG device starts NetworkPkg's drivers) and DxeIpl's identity map for the
 * physical address width PlatformPei computes.
 */
import { EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import { computePlatformInfo } from '../../platform-pei/platform-info.ts';
import { hasCpuidAddressWidth } from '../../platform-pei/address-width.ts';
import { PLATFORM_PEI_FILE_GUID } from '../../platform-pei/peifv.ts';
import { edk2ReleaseOf, NO_EMPTY_REMOVABLE_OPTION_FROM, SHELL_NOT_AUTOBOOTED_FROM } from '../../platform-pei/release.ts';
import { BDS_DXE_FILE_GUID, findRemovableMediaSkip, releaseFloorOfBds } from '../../platform-pei/bds-behaviour.ts';
import { dxeDerivedAllocations } from '../dxe-allocation-model.ts';
import type { DxeDerivedAllocations } from '../dxe-allocation-model.ts';
import { vmHasRng } from '../network-rng.ts';
import type { DxeContext, PeiContext } from './context.ts';
import type { SecOutput } from '../../sec.ts';
import type { FirmwareVersionString } from '../../platform-pei/firmware-version.ts';

/**
 * The first release whose PlatformPei takes the address width from CPUID
 * (PlatformAddressWidthFromCpuid): Debian 12's 2022.11 has it, edk2-stable202208 builds do not
 * (address-width.ts). Later releases keep the code in PlatformInitLib in other instruction
 * shapes, which address-width.ts's detector does not see, so a version string naming this
 * release or a later one decides it too (Debian 13's and Ubuntu's 2024.02 and 2025.02: their
 * Shell buffers sit where a 40-bit identity map puts them).
 */
const CPUID_ADDRESS_WIDTH_FROM = 202211;

const cache = new WeakMap<DxeContext, DxeDerivedAllocations>();

/**
 * The address width PlatformPei computed: as the PEIFV model wrote it into mPlatformInfoHob, else
 * (globals kept in HOBs, or a pre-PlatformInitLib PlatformPei) computed the same way, with the
 * CPUID width when PlatformPei's code or the build's release has it.
 */
function physBitsOf(ctx: PeiContext, cpuidAddressWidth: boolean): number {
  const written = ctx.measuredPeiFv.platformInfo?.physMemAddressWidth;
  if (written !== undefined) return written;
  return computePlatformInfo(ctx.input.machine, { ...ctx.build, cpuidAddressWidth }).physMemAddressWidth;
}

/** The build's release as the image shows it: the version string's, and whether PlatformPei takes the CPUID width. */
export function buildReleaseOf(ctx: PeiContext): { readonly release: number | undefined; readonly cpuidAddressWidth: boolean } {
  return releaseFactsOf(ctx.sec, ctx.version);
}

/** releaseFactsOf's answers per image and version string (the calibration point and the allocation model both ask). */
const releaseCache = new WeakMap<SecOutput, WeakMap<FirmwareVersionString, { readonly release: number | undefined; readonly cpuidAddressWidth: boolean }>>();

/** {@link buildReleaseOf} from SEC's output and the version string (computed once per image and version string). */
export function releaseFactsOf(sec: SecOutput, version: FirmwareVersionString): { readonly release: number | undefined; readonly cpuidAddressWidth: boolean } {
  const known = releaseCache.get(sec)?.get(version);
  if (known !== undefined) return known;
  const facts = releaseFactsOfImage(sec, version);
  const perVersion = releaseCache.get(sec) ?? new WeakMap<FirmwareVersionString, { readonly release: number | undefined; readonly cpuidAddressWidth: boolean }>();
  perVersion.set(version, facts);
  releaseCache.set(sec, perVersion);
  return facts;
}

function releaseFactsOfImage(sec: SecOutput, version: FirmwareVersionString): { readonly release: number | undefined; readonly cpuidAddressWidth: boolean } {
  const pe = findFileByGuid(sec.peiFv.volume, PLATFORM_PEI_FILE_GUID)?.sections?.find((x) => x.type === EFI_SECTION.PE32 || x.type === EFI_SECTION.TE)?.body;
  const release = edk2ReleaseOf(version).release;
  const cpuidAddressWidth = (pe !== undefined && hasCpuidAddressWidth(pe)) || (release !== undefined && release >= CPUID_ADDRESS_WIDTH_FROM) || bdsReleaseFloor(sec) >= CPUID_ADDRESS_WIDTH_FROM;
  return { release, cpuidAddressWidth };
}

/**
 * The earliest release BdsDxe's code allows (0: no bound): BmEnumerateBootOptions skipping absent
 * removable media is edk2-stable202305's (bds-behaviour.ts), L"EFI Firmware Setup" 202505's. A
 * build without a version string whose PlatformInitLib the CPUID detector does not see (levi73159/
 * LazyOS's OVMF.fd, 202305 to 202311) has the CPUID width by this: its real boots' Shell sits where
 * a 40-bit identity map puts it (1024 pages lower than with 36 bits; docs/dxe-allocations.md §7).
 */
function bdsReleaseFloor(sec: SecOutput): number {
  const bds = findFileByGuid(sec.dxeFv.volume, BDS_DXE_FILE_GUID)?.sections?.find((x) => x.type === EFI_SECTION.PE32 || x.type === EFI_SECTION.TE)?.body;
  if (bds === undefined) return 0;
  if (releaseFloorOfBds(bds) !== undefined) return SHELL_NOT_AUTOBOOTED_FROM;
  return findRemovableMediaSkip(bds).present === true ? NO_EMPTY_REMOVABLE_OPTION_FROM : 0;
}

/** The derived layers for this boot (computed once per boot). */
export function dxeAllocationsOf(ctx: DxeContext): DxeDerivedAllocations {
  const known = cache.get(ctx);
  if (known !== undefined) return known;
  const { release, cpuidAddressWidth } = buildReleaseOf(ctx);
  const d = dxeDerivedAllocations(ctx.sec.dxeFv, { rng: vmHasRng(ctx.input.devices), physBits: physBitsOf(ctx, cpuidAddressWidth), page1g: ctx.input.machine.cpu.page1g }, {
    peiFv: ctx.sec.peiFv,
    vm: { machine: ctx.input.machine.machine, flashBytes: ctx.sec.flash.image.length },
    release: { ...(release !== undefined ? { release } : {}), cpuidAddressWidth },
  });
  cache.set(ctx, d);
  return d;
}
