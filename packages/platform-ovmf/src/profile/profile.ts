/**
 * The measurement-relevant facts of an OVMF build, read from the image: its volumes and their
 * digests, the modules PEIFV and DXEFV hold (which decide what is measured at all), the code and
 * data patterns the measured strings come from, where PlatformPei writes into PEIFV before it is
 * measured, the UEFI Shell's Authenticode digest, and which of the simulation's facts are
 * modelled for this build rather than read from it. `tcg2sim profile` prints it.
 */
import { toHex } from '@tcg2sim/binary-codec';
import { hashAll, hashAlgInfo, TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { EFI_SECTION, IMAGE_FILE_MACHINE, guidName, parseEfiImage, peImageDigests } from '@tcg2sim/uefi';
import type { FfsFile, FirmwareVolume } from '@tcg2sim/uefi';
import { MachineDescription } from '../machine.ts';
import { decompressMemFvs } from '../sec.ts';
import type { MemoryFv, SecOutput } from '../sec.ts';
import { DEBIAN_2022_11_BUILD } from '../platform-pei/platform-info.ts';
import { buildFactsFromPeiFv, peiFvAtMeasurement, PLATFORM_PEI_FILE_GUID } from '../platform-pei/peifv.ts';
import { readFirmwareVersionString } from '../platform-pei/firmware-version.ts';
import { edk2ReleaseOf, SHELL_NOT_AUTOBOOTED_FROM } from '../platform-pei/release.ts';
import { bdsBehaviour } from '../platform-pei/bds-behaviour.ts';
import { hasPeiSmmRelocation } from '../platform-pei/smm-relocation.ts';
import { findS3DeadLoop, S3_DISABLED_HOW } from '../platform-pei/s3-verification.ts';
import { locatePeiCoreAcpiTimer } from '../platform-pei/acpi-timer.ts';
import { firmwareChipsetFacts } from '../platform-pei/pciexbar.ts';
import { hasTpm2MeasureBootLib } from '../boot/measure-boot-lib.ts';
import { UEFI_SHELL_FILE_GUID } from '../boot/bds.ts';
import { DISK_IMAGE_BUFFER_CALIBRATION, SHELL_BUFFER_REMAINDER_PAGES } from '../boot/image-buffer.ts';
import { calibrationPointOfImage } from '../boot/calibration-point.ts';
import { bdsPlatformOptions } from '../boot/bds-platform-options.ts';
import { type0StringsOf } from '../smbios/smbios-measurement.ts';
import { dispatchListing } from '../boot/modules/dispatch-listing.ts';
import { NO_TPM2_BUILD, hasNoMeasuringModule } from '../boot/modules/unmeasured.ts';
import type { DispatchedModule } from '../boot/modules/unit.ts';

const BANKS: readonly TpmAlgHash[] = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512];

/** One module of a volume. */
export interface ProfileModule {
  readonly guid: string;
  /** The UI section's name, else the well-known name of the GUID, else undefined. */
  readonly name: string | undefined;
  readonly type: string;
  /** IA32, X64, AARCH64, … from its PE32/TE image, when it has one. */
  readonly arch: string | undefined;
}

/** A volume SEC puts in RAM, with what Tcg2Pei would hash of it. */
export interface ProfileVolume {
  /** OVMF's PEIFV and DXEFV; ArmVirtQemu's FVMAIN_COMPACT (in flash) and FVMAIN (packages/platform-armvirt). */
  readonly name: 'PEIFV' | 'DXEFV' | 'FVMAIN_COMPACT' | 'FVMAIN';
  readonly base: string;
  readonly length: string;
  /** Digests of the pristine volume (PEIFV: before PlatformPei's writes; see `peiFvWrites`). */
  readonly digests: Readonly<Record<string, string>>;
  readonly modules: readonly ProfileModule[];
}

/** A measurement-relevant feature, and the evidence for it in the image. */
export interface ProfileFeature {
  readonly present: boolean;
  readonly evidence: string;
}

/** The profile of a build. */
export interface FirmwareProfile {
  readonly imageSize: number;
  readonly imageSha256: string;
  readonly peiArch: string | undefined;
  readonly dxeArch: string | undefined;
  readonly volumes: readonly ProfileVolume[];
  readonly features: Readonly<Record<string, ProfileFeature>>;
  /** Where PlatformPei writes into PEIFV before Tcg2Pei measures it (offsets in PEIFV), or why none. */
  readonly peiFvWrites: { readonly found: boolean; readonly offsets: Readonly<Record<string, string>>; readonly notes: readonly string[] };
  /** The internal UEFI Shell's Authenticode digests (what PCR4 gets when BDS starts it). */
  readonly shell: { readonly digests: Readonly<Record<string, string>> } | undefined;
  /** What the simulation models for this build rather than reads from it. */
  readonly modelled: readonly string[];
  /** The simulated modules (boot/modules/) and whether each runs for this image, with the evidence. */
  readonly dispatch?: readonly DispatchedModule[];
}

const ARCH = new Map<number, string>([
  [IMAGE_FILE_MACHINE.I386, 'IA32'],
  [IMAGE_FILE_MACHINE.X64, 'X64'],
  [IMAGE_FILE_MACHINE.ARM64, 'AARCH64'],
  [IMAGE_FILE_MACHINE.RISCV64, 'RISCV64'],
  [IMAGE_FILE_MACHINE.ARMTHUMB_MIXED, 'ARM'],
  [IMAGE_FILE_MACHINE.EBC, 'EBC'],
]);

function imageSection(f: FfsFile): Uint8Array | undefined {
  const s = f.sections?.find((x) => x.type === EFI_SECTION.PE32 || x.type === EFI_SECTION.TE);
  return s?.body;
}

function moduleOf(f: FfsFile): ProfileModule {
  const ui = f.sections?.find((s) => s.type === EFI_SECTION.USER_INTERFACE)?.userInterface;
  const img = imageSection(f);
  let arch: string | undefined;
  if (img !== undefined) {
    try {
      const e = parseEfiImage(img);
      const m = 'teHeader' in e ? e.teHeader.machine : e.fileHeader.machine;
      arch = ARCH.get(m) ?? `0x${m.toString(16)}`;
    } catch {
      arch = undefined;
    }
  }
  return { guid: f.guid, name: ui ?? guidName(f.guid), type: f.typeName, arch };
}

function digests(bytes: Uint8Array): Record<string, string> {
  return Object.fromEntries(hashAll(BANKS, bytes).map((d) => [hashAlgInfo(d.alg).name, toHex(d.digest)]));
}

function volume(name: 'PEIFV' | 'DXEFV', fv: MemoryFv): ProfileVolume {
  return {
    name,
    base: `0x${fv.base.toString(16)}`,
    length: `0x${fv.length.toString(16)}`,
    digests: digests(fv.bytes.subarray(0, Number(fv.length))),
    modules: fv.volume.files.filter((f) => f.typeName !== 'EFI_FV_FILETYPE_FFS_PAD').map(moduleOf),
  };
}

/** The architecture most of a volume's images are built for. */
function majorityArch(v: ProfileVolume): string | undefined {
  const n = new Map<string, number>();
  for (const m of v.modules) if (m.arch !== undefined) n.set(m.arch, (n.get(m.arch) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** Whether `needle` (ASCII) occurs in any module image of `fv` named `module`. */
function moduleHasText(fv: FirmwareVolume, module: string, needle: string): boolean {
  const f = fv.files.find((x) => x.sections?.some((s) => s.userInterface === module));
  const img = f === undefined ? undefined : imageSection(f);
  return img !== undefined && Buffer.from(img).includes(Buffer.from(needle, 'latin1'));
}

/**
 * The measurement-relevant features of a build, from the modules its volumes hold and the text
 * their images carry (cheap: no hashing; `predict` checks them on every run).
 */
export function measurementFeatures(sec: SecOutput): Record<string, ProfileFeature> {
  const names = (fv: MemoryFv): Set<string> => new Set(fv.volume.files.map((f) => f.sections?.find((x) => x.type === EFI_SECTION.USER_INTERFACE)?.userInterface ?? guidName(f.guid) ?? f.guid));
  const peiNames = names(sec.peiFv);
  const dxeNames = names(sec.dxeFv);
  const has = (fv: 'PEIFV' | 'DXEFV', ...wanted: string[]): ProfileFeature => {
    const set = fv === 'PEIFV' ? peiNames : dxeNames;
    const found = wanted.filter((n) => set.has(n));
    return { present: found.length > 0, evidence: found.length > 0 ? `${fv} has ${found.join(', ')}` : `${fv} has none of ${wanted.join(', ')}` };
  };
  const acpiMeasured = moduleHasText(sec.dxeFv.volume, 'QemuFwCfgAcpiPlatform', 'ACPI DATA');
  return {
    tpm2: has('PEIFV', 'Tcg2Pei'),
    tpm2Dxe: has('DXEFV', 'Tcg2Dxe'),
    tpm12: has('PEIFV', 'TcgPei'),
    smm: has('PEIFV', 'SmmAccessPei'),
    secureBootConfig: has('DXEFV', 'SecureBootConfigDxe'),
    shell: has('DXEFV', 'Shell'),
    network: has('DXEFV', 'UefiPxeBcDxe', 'HttpBootDxe'),
    acpiDataMeasured: {
      present: acpiMeasured,
      evidence: acpiMeasured ? 'QemuFwCfgAcpiPlatform holds the "ACPI DATA" event text (edk2-stable202302 and later)' : 'QemuFwCfgAcpiPlatform does not hold "ACPI DATA": QEMU\'s ACPI blobs are not measured',
    },
    smbiosMeasured: has('DXEFV', 'SmbiosMeasurementDxe'),
  };
}

/** Measurements of a build that `predict` does not model: each a sentence for a note. */
export function unmodelledMeasurements(features: Readonly<Record<string, ProfileFeature>>): string[] {
  const out: string[] = [];
  if (features['acpiDataMeasured']?.present === true) out.push('QEMU\'s ACPI blobs measured in PCR1 ("ACPI DATA", AcpiPlatformLib from edk2-stable202302)');
  if (features['smbiosMeasured']?.present === true) out.push('SMBIOS tables measured by SmbiosMeasurementDxe (from edk2-stable202505)');
  return out;
}

/**
 * Profiles an OVMF image (OVMF_CODE*.fd or a combined OVMF.fd).
 * @throws SecError or FvError for an image SEC's model cannot decompress
 */
export function profileImage(image: Uint8Array, sec: SecOutput = decompressMemFvs(image)): FirmwareProfile {
  const pei = volume('PEIFV', sec.peiFv);
  const dxe = volume('DXEFV', sec.dxeFv);
  const features = measurementFeatures(sec);
  const platformPei = sec.peiFv.volume.files.some((f) => f.guid === PLATFORM_PEI_FILE_GUID);
  const measured = peiFvAtMeasurement(sec.peiFv, MachineDescription.parse({}), buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD));
  const offsets: Record<string, string> = {};
  const g = measured.globals;
  if (g !== undefined) {
    offsets['mPlatformInfoHob'] = `0x${(g.peOffsetInFv + g.platformInfoOffset).toString(16)}`;
    offsets['mQemuFwCfgSupported'] = `0x${(g.peOffsetInFv + g.fwCfgSupportedOffset).toString(16)}`;
    offsets['mQemuFwCfgDmaSupported'] = `0x${(g.peOffsetInFv + g.fwCfgDmaSupportedOffset).toString(16)}`;
  }
  for (const [k, o] of Object.entries(measured.legacyGlobals ?? {})) offsets[k] = `0x${o.toString(16)}`;
  // SmmRelocationLib (202405+ SMM builds): every patch site and global it writes, in PEIFV.
  for (const w of measured.smmRelocation ?? []) offsets[w.name] = `0x${w.offsetInFv.toString(16)}`;
  const legacyComplete = measured.legacyGlobals !== undefined && measured.unmodelled === undefined;
  const shellFile = sec.dxeFv.volume.files.find((f) => f.guid === UEFI_SHELL_FILE_GUID);
  const shellImage = shellFile === undefined ? undefined : imageSection(shellFile);
  let shell: FirmwareProfile['shell'];
  if (shellImage !== undefined) {
    try {
      shell = { digests: Object.fromEntries(peImageDigests(shellImage, BANKS).map((d) => [hashAlgInfo(d.alg).name, toHex(d.digest)])) };
    } catch {
      shell = undefined;
    }
  }
  const version = readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume);
  const point = calibrationPointOfImage(sec, version);
  const calibrated = point !== undefined && [...SHELL_BUFFER_REMAINDER_PAGES.keys()].some((k) => k.startsWith(`${point}:`));
  const release = edk2ReleaseOf(version);
  const timer = locatePeiCoreAcpiTimer(sec.peiFv);
  const fwChipset = firmwareChipsetFacts(sec.peiFv, 'q35');
  const bdsOptions = bdsPlatformOptions(sec);
  const modelled = [
    `S-CRTM version (PcdFirmwareVersionString) L"${version.value}": ${version.evidence}`,
    g !== undefined
      ? 'PlatformPei\'s writes into PEIFV: the 2022.11 EFI_HOB_PLATFORM_INFO layout filled from the VM (RAM, machine type, CPUs) and QemuFwCfgPeiLib\'s two BOOLEANs'
      : legacyComplete
        ? 'PlatformPei\'s writes into PEIFV: the pre-PlatformInitLib globals (edk2-stable202005 to 202205) computed for the VM (platform-pei/legacy-values.ts)'
        : measured.smmRelocation !== undefined
          ? `PlatformPei's writes into PEIFV: SmmRelocationLib's patch sites and globals (SMBASE relocation in PEI, platform-pei/smm-relocation-sites.ts) computed for the VM${measured.unmodelled === undefined ? ', its SMM stack and IDT addresses from PEI\'s page allocations and HOB list (smm-pei-pages.ts, pei-hob-list.ts)' : ', but for the PEI allocation addresses named below'}`
          : 'PlatformPei\'s writes into PEIFV: none found (later releases keep those globals in HOBs)',
    timer !== undefined ? `PEIFV: ${timer.evidence}, written with PMBASE + 8 (q35 0x608, pc 0xB008)` : 'PEIFV: PeiCore keeps no AcpiTimerLib global',
    calibrated
      ? `image-load addresses (ImageLocationInMemory of the Shell${DISK_IMAGE_BUFFER_CALIBRATION.has(point) ? ' and of disk loaders' : ''}): calibrated on real boots of builds with the facts this image shows (calibration point ${point}: DXE arch, SMM, TdxDxe, flash layout, the boot-services drivers that start), not derived`
      : 'image-load addresses (ImageLocationInMemory, event data only, not in any PCR): no calibration point matches the facts this image shows, an estimate (\`--image-buffer-address\` overrides)',
    ...bdsModelled(bdsBehaviour(sec, version)),
    `BDS: images measured by DxeTpm2MeasureBootLib: ${hasTpm2MeasureBootLib(sec) ? 'linked (SecurityStubDxe refers to EFI_TCG2_PROTOCOL)' : 'not linked'}`,
    `QEMU's ACPI blobs: read for this VM by @tcg2sim/qemu-fwcfg with ${fwChipset.evidence}`,
  ];
  if (!platformPei) modelled.push('PEIFV has no PlatformPei: measured as decompressed');
  if (measured.unmodelled !== undefined) modelled.push(`NOT MODELLED: ${measured.unmodelled}: PCR0 predictions are wrong`);
  else if (platformPei && g === undefined && measured.smmRelocation === undefined && features['smm']?.present === true && (features['acpiDataMeasured']?.present !== true || hasPeiSmmRelocation(sec.peiFv))) {
    modelled.push('NOT MODELLED: PlatformPei of this SMM build writes pointers into PEIFV before it is measured (observed on Debian trixie\'s secboot image): PCR0 predictions are wrong');
  }
  for (const e of bdsOptions.evidence) modelled.push(`BDS: ${e}`);
  const s3Loop = findS3DeadLoop(sec.peiFv);
  if (s3Loop !== undefined) modelled.push(`VM WITHOUT S3 ONLY: ${s3Loop.evidence} (S3Verification, X64 PEI with SMM, edk2 before edk2-stable202308): a VM that offers S3 never gets past PEI; predict and capture refuse it, --no-s3 (${S3_DISABLED_HOW})`);
  if (release.release !== undefined && release.release >= SHELL_NOT_AUTOBOOTED_FROM && !bdsOptions.firmwareSetup) {
    modelled.push(`NOT MODELLED: ${release.evidence}, but BdsDxe does not hold edk2-stable${SHELL_NOT_AUTOBOOTED_FROM}'s "EFI Firmware Setup" option: the boot options are modelled as edk2-stable202502's`);
  }
  if (features['smbiosMeasured']?.present === true) {
    const t0 = type0StringsOf(sec, version.value);
    modelled.push(`SMBIOS (SmbiosMeasurementDxe): QEMU's tables read for the VM by @tcg2sim/qemu-fwcfg, OVMF's ${t0.evidence}`);
  }
  for (const u of unmodelledMeasurements(features)) modelled.push(`NEEDS QEMU's fw_cfg files: ${u}: \`predict\` models QEMU 7.2's for the VMs @tcg2sim/qemu-acpi covers (docs/newer-ovmf.md) or reads them with --fw-cfg-from-qemu (BootInput.fwCfgFiles, @tcg2sim/qemu-fwcfg); otherwise it misses those events (INCOMPLETE)`);
  // A build without TPM2_ENABLE measures nothing: what the lines above would change plays no part.
  const noTpm = hasNoMeasuringModule(sec);
  return {
    imageSize: image.length,
    imageSha256: digests(image)['sha256'] ?? '',
    peiArch: majorityArch(pei),
    dxeArch: majorityArch(dxe),
    volumes: [pei, dxe],
    features,
    peiFvWrites: { found: g !== undefined || legacyComplete || measured.smmRelocation !== undefined, offsets, notes: measured.notes },
    shell,
    modelled: noTpm ? [`MEASURES NOTHING: ${NO_TPM2_BUILD} (predict: no TCG2 log, PCRs 0-7 at their reset values)`, ...modelled.filter((m) => !/^(NOT MODELLED|NEEDS)/.test(m))] : modelled,
    dispatch: dispatchListing(sec),
  };
}

function bdsModelled(b: ReturnType<typeof bdsBehaviour>): string[] {
  return [
    `BDS: ${b.emptyCdromOption ? 'a boot option for the empty DVD-ROM (edk2-stable202211 and Fedora 38\'s snapshot)' : 'no boot option for absent removable media (the empty DVD-ROM)'}; ${b.readyToBootWithoutOption ? 'ReadyToBoot before PlatformRecovery0000 when no option starts' : 'no ReadyToBoot when no option starts'}${b.certain ? '' : ' (partly assumed)'}`,
    ...b.evidence.map((e) => `BDS evidence: ${e}`),
  ];
}
