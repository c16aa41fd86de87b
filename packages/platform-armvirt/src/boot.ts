/**
 * A simulated ArmVirtQemu boot (ArmVirtPkg/ArmVirtQemu.dsc at edk2-stable202211, TPM2_ENABLE):
 *
 * PEI, executing in place from FVMAIN_COMPACT in flash: OvmfPkg's Tcg2ConfigPei probes the TPM
 * (found through the device tree: tpm-tis-device on the platform bus), Tcg2Pei starts it and
 * measures the boot FV it runs from (FVMAIN_COMPACT as it is in the image: nothing writes to
 * flash), then DxeIpl decompresses FVMAIN, whose FvInfo2 PPI names FVMAIN_COMPACT as its parent:
 * Tcg2Pei records it as a child FV and measures nothing more. PcdTpm2HashMask is 0 (the TPM's
 * active banks).
 *
 * DXE and BDS: Tcg2Dxe, the Secure Boot policy (SECURE_BOOT_ENABLE builds), Tcg2ConfigDxe,
 * ArmVirtPkg's PlatformBootManagerLib (EndOfDxe, ConfigureTpmPlatformHierarchy: the platform auth
 * randomised, no PCR touched), BdsDxe's default options on a fresh store (UiApp, then
 * "EFI Internal Shell" registered by PlatformBm: the virt VM here has no boot device), ReadyToBoot,
 * the Shell measured by DxeTpm2MeasureBootLib where SecurityStubDxe links it. With NICs and disks
 * (bds-devices.ts) DxeImageVerificationLib decides first in Secure Boot builds: refused images
 * are not measured, allowed ones get their db authority event. Buffer addresses in event data:
 * device-buffers.ts and image-buffer.ts, keyed by the build's facts (build-facts.ts).
 */
import { randomBytes } from 'node:crypto';
import { findFileByGuid, EFI_SECTION } from '@tcg2sim/uefi';
import { runTcg2Pei, commandLibTpm } from '@tcg2sim/tcg2-pei';
import { TPM_INSTANCE_GUID } from '@tcg2sim/tcg2-config';
import {
  MeasureBootHandler, ReadyToBootMeasurement, SecureBootAuthorityMeasurement, measureSecureBootPolicy, startTcg2DxeAfterPei, EFI_TCG2_EVENT_LOG_FORMAT, EFI_GLOBAL_VARIABLE,
} from '@tcg2sim/tcg2-dxe';
import {
  BootDigests, DxeVariables, LOAD_OPTION, READY_TO_BOOT_WITHOUT_OPTION_FROM, edk2ReleaseOf, MachineDescription, TpmStack, UEFI_SHELL_FILE_GUID, bootOptions, hex4,
  randomizePlatformAuth, readFirmwareVersionString, specIdUintnSize, tcg2ConfigDxeEntry, tcg2ConfigPei,
  measureAcpiData, measuresAcpiData, TABLE_LOADER_FILE, findModule, bdsPlatformOptions, hasNoMeasuringModule, NO_TPM2_BUILD, networkStackNeedsRng, hasTpm2MeasureBootLib, parseQemuBootOrder,
} from '@tcg2sim/platform-ovmf';
import type { BootResult, ModuleRef } from '@tcg2sim/platform-ovmf';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import type { Clock } from '@tcg2sim/ptp';
import { VIRT_TPM_TIS_BASE } from '@tcg2sim/qemu-vmm';
import { armVirtImageAsync } from './image.ts';
import type { ArmVirtImage } from './image.ts';
import { armVirtImageBuffer } from './image-buffer.ts';
import { virtRamTop } from './machine.ts';
import { armVirtVariables } from './varstore.ts';
import type { VirtMachine } from './machine.ts';
import { ATA_DRIVERS, drivenNics, virtDiskSpecs, virtNetworkOptions } from './devices.ts';
import type { VirtBootDevices } from './devices.ts';
import { loadVirtDiskLoader, measureVirtOptionRoms } from './bds-devices.ts';
import type { VirtImageVerification } from './bds-devices.ts';
import { virtDeviceBuffer } from './device-buffers.ts';
import { virtBuildFacts } from './build-facts.ts';
import { ArmVirtError } from './errors.ts';

/** OvmfPkg/PlatformHasAcpiDtDxe: ACPI when QEMU offers etc/table-loader, else the device tree. */
const PLATFORM_HAS_ACPI_DT_DXE: ModuleRef = { name: 'PlatformHasAcpiDtDxe', fileGuid: '9D1DD27F-6D7F-427B-AEC4-B62F6279C2F1' };

/** Tcg2ConfigDxe's FILE_GUID (SecurityPkg/Tcg/Tcg2Config/Tcg2ConfigDxe.inf): TPM2_CONFIG_ENABLE builds. */
const TCG2_CONFIG_DXE_FILE_GUID = '4D9CBEF0-15A0-4D0C-83DB-5213E710C23F';

/** Inputs of one simulated ArmVirtQemu boot. */
export interface ArmVirtBootInput {
  /** AAVMF_CODE.fd. */
  readonly code: Uint8Array;
  /** AAVMF_VARS.fd, or undefined for an empty store. */
  readonly vars?: Uint8Array | undefined;
  readonly machine: VirtMachine;
  readonly backend: TpmBackend;
  readonly clock?: Clock;
  /** The image already taken apart (armVirtImageAsync(code)); default: done here. */
  readonly image?: Promise<ArmVirtImage>;
  /** ImageLocationInMemory of the Shell; default the calibrated model (image-buffer.ts). */
  readonly imageBufferAddress?: bigint;
  /** PcdFirmwareVersionString; default read from the image's Tcg2Pei. */
  readonly firmwareVersion?: string;
  /** Random bytes for the platform auth; default node:crypto. */
  readonly random?: (n: number) => Uint8Array;
  /**
   * QEMU's fw_cfg files for this `virt` VM (name → contents; QEMU 7.2's modelled by @tcg2sim/qemu-acpi
   * qemu72VirtAcpiFiles, or read by @tcg2sim/qemu-fwcfg readVirtFwCfgFiles):
   * a build whose QemuFwCfgAcpiPlatform measures them ("ACPI DATA", edk2-stable202302 on) gets
   * those PCR1 events. Without them such a build's prediction lacks the events.
   */
  readonly fwCfgFiles?: ReadonlyMap<string, Uint8Array>;
  /** The VM's NICs and disks (devices.ts); default none (`-net none`). */
  readonly devices?: VirtBootDevices;
  /**
   * QEMU's `bootorder` fw_cfg file (bootindex=; paths under /pci@ffffffffffffffff on virt):
   * ArmVirtPkg's PlatformBootManagerLib connects only those devices and reorders BootOrder
   * (OvmfPkg's QemuBootOrderLib, as on OVMF). Undefined or empty: everything is connected.
   */
  readonly qemuBootOrder?: Uint8Array | undefined;
}

/**
 * The BDS boot options' machine argument: the shared option model only looks at the default
 * CD-ROM, which `virt` does not have; the x86 fields are unused.
 */
function optionMachine(m: VirtMachine): MachineDescription {
  return MachineDescription.parse({ machine: 'q35', memoryMiB: m.memoryMiB, cpus: m.cpus, defaultCdrom: false });
}

/** Tcg2Dxe's FILE_GUID (SecurityPkg/Tcg/Tcg2Dxe/Tcg2Dxe.inf). */
const TCG2_DXE_FILE_GUID = 'FDFF263D-5F68-4591-87BA-B768F445A9AF';

/**
 * Whether the build runs DEBUG_CODE blocks: ArmVirt.dsc.inc gives PcdDebugPropertyMask 0x2F to
 * DEBUG and NOOPT builds and 0x21 to RELEASE ones, whose DEBUG () strings are compiled out
 * (MDEPKG_NDEBUG). Read from the image: Tcg2Dxe's DriverEntry message about the firmware version.
 */
export function hasDebugCode(image: ArmVirtImage): boolean {
  const pe = findFileByGuid(image.dxeFv.volume, TCG2_DXE_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
  return pe !== undefined && Buffer.from(pe).includes(Buffer.from('Tpm2GetCapabilityFirmwareVersion', 'latin1'));
}

/** Boots ArmVirtQemu in simulation (see the module comment); every TPM command goes through the TIS model. */
export async function simulateArmVirtBoot(input: ArmVirtBootInput): Promise<BootResult> {
  const notes: string[] = [];
  const imageReady = input.image ?? armVirtImageAsync(input.code);
  imageReady.catch(() => undefined);
  const store = armVirtVariables(input.vars, notes);
  // QEMU's tpm-emulator sets the buffer size from the interface (tpm-tis-device: TIS), then powers on.
  await input.backend.setBufferSize?.(0x1000);
  await input.backend.powerOn();
  const stack = new TpmStack(input.backend, 'tis', input.clock);
  notes.push(`TPM: tpm-tis-device at 0x${VIRT_TPM_TIS_BASE.toString(16)} (virt platform bus, from the device tree); modelled as the same TIS register block`);
  const image = await imageReady;
  if (hasNoMeasuringModule(image)) {
    // A build without TPM2_ENABLE (AAVMF_CODE.no-secboot.fd, QEMU_EFI.fd): no module talks to the TPM.
    return {
      tcg12Log: undefined, config: { instanceGuid: TPM_INSTANCE_GUID.NONE, initializationDone: false, path: [] }, dxeFacts: undefined,
      measuredPeiFv: { bytes: image.peiFv.bytes, notes: [] }, sec: image, exchanges: stack.exchanges, notes,
      eventLog: new Uint8Array(), finalEvents: new Uint8Array(), pei: undefined, endState: NO_TPM2_BUILD, measuresNothing: true,
    };
  }
  const configNotes: string[] = [];
  const config = await tcg2ConfigPei({ tcg2Config: 'ovmf' }, stack, () => store, configNotes);
  notes.push(...configNotes.map((n) => n.replace("(Tcg12ConfigPei in Debian's image: ", '(')));
  const version = readFirmwareVersionString(image.peiFv.volume, image.dxeFv.volume, input.firmwareVersion);
  if (!version.certain) notes.push(`S-CRTM version: ${version.evidence}`);
  const measuredPeiFv = { bytes: image.peiFv.bytes, notes: ['FVMAIN_COMPACT executes in place from flash: measured as it is in the image'] };
  notes.push(...measuredPeiFv.notes);
  const base = {
    tcg12Log: undefined, config, dxeFacts: undefined, measuredPeiFv, sec: image, exchanges: stack.exchanges, notes,
  };
  if (config.instanceGuid !== TPM_INSTANCE_GUID.TPM20_DTPM) {
    return { ...base, eventLog: new Uint8Array(), finalEvents: new Uint8Array(), pei: undefined, endState: 'no TPM 2.0: nothing measured' };
  }

  const debugCode = hasDebugCode(image);
  notes.push(debugCode
    ? 'DEBUG build (Tcg2Dxe holds its DEBUG strings): PcdDebugPropertyMask 0x2F, DEBUG_CODE blocks run (PCR reads after each extend)'
    : 'RELEASE build (Tcg2Dxe holds no DEBUG strings): ArmVirt.dsc.inc sets PcdDebugPropertyMask 0x21, no DEBUG_CODE blocks');
  const digests = new BootDigests();
  stack.phase = 'pei:Tcg2Pei';
  const pei = await runTcg2Pei({
    tpm: commandLibTpm(stack.deviceLib(), { debugCode }),
    debugCode,
    bootMode: 'normal',
    pcdTpm2HashMask: 0,
    bootFv: { base: image.peiFv.base, length: image.peiFv.length, bytes: image.peiFv.bytes },
    fvInfos: [{
      base: image.dxeFv.base, length: image.dxeFv.length, bytes: image.dxeFv.bytes,
      parentFvName: image.fvMainCompact.guid, parentFileName: image.dxeFvFile,
    }],
    peiUintnSize: 8,
    hashAll: digests.hashAll,
    firmwareVersion: version.value,
  });
  notes.push(...pei.diagnostics.map((d) => `Tcg2Pei: ${d}`));
  if (pei.outcome !== 'measured') {
    return { ...base, eventLog: new Uint8Array(), finalEvents: new Uint8Array(), pei, endState: `PEI ended with ${pei.outcome}` };
  }

  stack.phase = 'dxe:Tcg2Dxe';
  const uintn = specIdUintnSize(8);
  const { dxe, facts } = await startTcg2DxeAfterPei(stack.deviceLib(), pei, { uintnSize: uintn, debugCode });
  const vars = new DxeVariables(store, image, notes);
  await measureSecureBootPolicy(dxe, vars);
  if (findFileByGuid(image.dxeFv.volume, TCG2_CONFIG_DXE_FILE_GUID) !== undefined) {
    stack.phase = 'dxe:Tcg2ConfigDxe';
    await tcg2ConfigDxeEntry(stack.deviceLib());
  }
  stack.phase = 'dxe:PlatformBm';
  await randomizePlatformAuth(stack.deviceLib(), input.random ?? ((n) => new Uint8Array(randomBytes(n))));
  const release = edk2ReleaseOf(version);
  const nics = input.devices?.nics ?? [];
  const disks = input.devices?.disks ?? [];
  const ahci = input.devices?.ahciControllers ?? 0;
  if (ahci > 0) {
    const driver = ATA_DRIVERS.find((n) => image.dxeFv.volume.files.some((f) => f.sections?.some((s) => s.userInterface === n) === true));
    if (driver !== undefined) throw new ArmVirtError('NOT_MODELLED', `an AHCI controller on virt: this build has ${driver} in FVMAIN, so its SATA disks would be driven; that is not modelled`);
    notes.push(`PciBus: ${ahci} AHCI controller(s): no driver for them in this build (none of ${ATA_DRIVERS.join(', ')} in FVMAIN): no boot option, nothing measured`);
  }
  const build = virtBuildFacts(image);
  const handler = new MeasureBootHandler(pei.measuredFvs.map((f) => f.base), uintn, digests.peImage);
  const bufferNotes = new Set<string>();
  let romRefused = false;
  const deviceBuffer = (what: 'rom' | 'loader' | 'shell', index = 0): bigint | undefined => {
    const b = virtDeviceBuffer({ machine: input.machine, build, activePcrBanks: dxe.capability.activePcrBanks, what, index, nics: nics.length, nicModels: nics.map((n) => n.model ?? 'virtio-net-pci'), disks: disks.map((d) => d.iface), bootOrder: input.qemuBootOrder !== undefined && input.qemuBootOrder.length > 0,
      behindPorts: [...nics.map((n) => n.pciPath), ...disks.map((d) => d.pciPath)].some((p) => p.length > 1), romRefused, ahci,
      ...(what === 'loader' ? { fileSize: disks[index]?.loader.file.length ?? 0 } : {}) });
    if (b === undefined) {
      if (what === 'shell') return undefined; // the Shell's own calibration (image-buffer.ts)
      bufferNotes.add(`${what} buffer address: no device calibration for this build: the top of RAM given (ImageLocationInMemory, event data only, in no PCR; --image-buffer-address sets it)`);
      return virtRamTop(input.machine);
    }
    bufferNotes.add(b.calibrated ? `${what} buffer address: ${b.why}` : `${what} buffer address: ${b.why}: ImageLocationInMemory is an estimate (event data only, in no PCR; --image-buffer-address sets it)`);
    return b.address;
  };
  const sbOn = (vars.get('SecureBoot', EFI_GLOBAL_VARIABLE)?.[0] ?? 0) === 1;
  // DxeImageVerificationLib (SECURE_BOOT_ENABLE builds) runs before the TPM handler (bds-devices.ts).
  const verification: VirtImageVerification | undefined = vars.secureBootCapable
    ? { variables: vars, authority: new SecureBootAuthorityMeasurement(), secureBootOn: sbOn }
    : undefined;
  // DxeTpm2MeasureBootLib's handler: in SecurityStubDxe of SECURE_BOOT_ENABLE builds, and of
  // others that link it (it refers to EFI_TCG2_PROTOCOL). Ubuntu's AAVMF_CODE.fd (2024.02,
  // 2025.02: TPM2_ENABLE, no Secure Boot) does not: its Shell starts unmeasured (real boots).
  const measureBootHandler = vars.secureBootCapable || hasTpm2MeasureBootLib(image);
  if (!measureBootHandler) notes.push('BDS: SecurityStubDxe links no DxeTpm2MeasureBootLib (no Secure Boot, no reference to EFI_TCG2_PROTOCOL): images loaded in DXE and BDS are not measured');
  if (nics.length > 0 && !measureBootHandler) notes.push('PciBus: SecurityStubDxe links no DxeTpm2MeasureBootLib: the NICs\' option ROM images are not measured');
  else if (nics.length > 0) {
    // PlatformBootManagerBeforeConsole connects the root bridges: PciBusDxe and the NICs' ROMs.
    stack.phase = 'dxe:PciBus';
    const roms = await measureVirtOptionRoms(nics, { dxe, handler, notes, verification, address: (i) => input.imageBufferAddress ?? deviceBuffer('rom', i) ?? 0n });
    romRefused = roms.refused > 0;
  }
  // QemuFwCfgAcpiPlatform (the same AcpiPlatformLib as OVMF's): after the separators, before BDS
  // measures BootOrder (Debian 13's AAVMF 2025.02).
  // A VM without ACPI (-no-acpi, acpi=off) offers no etc/table-loader: PlatformHasAcpiDtDxe
  // (OvmfPkg/PlatformHasAcpiDtDxe) then installs gEdkiiPlatformHasDeviceTreeGuid instead of
  // gEdkiiPlatformHasAcpiGuid, which AcpiTableDxe waits for (ArmVirtQemu.dsc links it with
  // EmbeddedPkg's PlatformHasAcpiLib), and QemuFwCfgAcpiPlatform's depex is EFI_ACPI_TABLE_PROTOCOL:
  // neither runs, nothing is measured (real boots, docs/armvirt.md §15).
  // The VM says so (machine.acpi); fw_cfg files without a loader for a VM with ACPI stay an error (measureAcpiData).
  const noAcpi = measuresAcpiData(image) && input.machine.acpi === false;
  const acpiDataMeasured = noAcpi || (input.fwCfgFiles !== undefined && measuresAcpiData(image));
  if (noAcpi) {
    if (findModule(image.dxeFv.volume, PLATFORM_HAS_ACPI_DT_DXE) === undefined) throw new ArmVirtError('NOT_MODELLED', `a VM without ACPI: this build has no ${PLATFORM_HAS_ACPI_DT_DXE.name} in FVMAIN, so what decides between ACPI and the device tree is not known`);
    notes.push(`${PLATFORM_HAS_ACPI_DT_DXE.name}: QEMU offers no ${TABLE_LOADER_FILE} (a VM without ACPI): the device tree is installed, QemuFwCfgAcpiPlatform does not run, no "ACPI DATA" events`);
  } else if (acpiDataMeasured && input.fwCfgFiles !== undefined) {
    stack.phase = 'dxe:AcpiPlatform';
    const n = await measureAcpiData(dxe, input.fwCfgFiles);
    notes.push(`QemuFwCfgAcpiPlatform: "ACPI DATA" measured for etc/table-loader and the ${n - 1} blobs it allocates (from the fw_cfg files given: modelled or read)`);
  }

  stack.phase = 'dxe:BDS';
  // PlatformBootManagerLib's own options as BdsDxe holds them (edk2-stable202505 on: Boot0000
  // BootManagerMenuApp, Boot0001 "EFI Firmware Setup"; observed on sid's AAVMF 2026.08).
  const platform = bdsPlatformOptions(image);
  notes.push(...platform.evidence.map((e) => `BDS: ${e}`));
  // NetworkPkg's drivers need EFI_RNG_PROTOCOL from edk2-stable202405 (devices.ts)
  const driven = drivenNics(nics);
  if (driven.length < nics.length) notes.push(`BDS: ${nics.length - driven.length} NIC(s) of a model no driver of ArmVirtQemu binds (${[...new Set(nics.filter((n) => !driven.includes(n)).map((n) => n.model ?? ''))].join(', ')}): no network options for them`);
  const networkRuns = driven.length > 0 && (!networkStackNeedsRng(image.dxeFv) || input.machine.rng === true);
  if (driven.length > 0 && !networkRuns) notes.push('BDS: NetworkPkg waits for EFI_RNG_PROTOCOL and this VM has none (a CPU without RNDR, no virtio-rng): no network boot options');
  const diskSpecs = virtDiskSpecs(disks);
  const bootOrder = input.qemuBootOrder !== undefined && input.qemuBootOrder.length > 0 ? parseQemuBootOrder(input.qemuBootOrder) : undefined;
  const options = bootOptions(optionMachine(input.machine), image, vars, notes, diskSpecs, networkRuns ? virtNetworkOptions(nics) : [], true, platform, bootOrder);
  const ready = new ReadyToBootMeasurement();
  let endState = 'BDS: no bootable option started (prediction stops before the Boot Manager Menu)';
  for (const n of options.order) {
    const o = options.byNumber.get(n);
    if (o === undefined) continue;
    if ((o.attributes & LOAD_OPTION.ACTIVE) === 0 || (o.attributes & LOAD_OPTION.CATEGORY) !== LOAD_OPTION.CATEGORY_BOOT) continue;
    await ready.signal(dxe, vars);
    notes.push(`BDS: ReadyToBoot #${ready.attempts} for Boot${hex4(o.number)} "${o.description}"`);
    if (o.target.kind === 'network') {
      notes.push(`BDS: Boot${hex4(o.number)} "${o.description}": no boot server answers: LoadImage fails, nothing measured`);
      continue;
    }
    if (o.target.kind === 'disk') {
      const index = o.target.index ?? 0;
      const disk = disks[index];
      if (disk === undefined) continue;
      if (!measureBootHandler) {
        notes.push(`BDS: LoadImage(${o.description}: ${disk.loader.path}) -> EFI_SUCCESS (no measure-boot handler in this build: nothing measured)`);
        endState = `started Boot${hex4(o.number)} "${o.description}" (${disk.loader.path})`;
        break;
      }
      const st = await loadVirtDiskLoader({
        dxe, handler, machine: optionMachine(input.machine), specs: diskSpecs, address: input.imageBufferAddress ?? deviceBuffer('loader', index) ?? 0n,
        verification, notes, description: o.description,
      }, disk.loader, index);
      notes.push(`BDS: LoadImage(${o.description}: ${disk.loader.path}) -> ${st}`);
      if (st !== 'EFI_SUCCESS') continue;
      endState = `started Boot${hex4(o.number)} "${o.description}" (${disk.loader.path})`;
      break;
    }
    if (o.target.kind !== 'fv-app') {
      notes.push(`BDS: Boot${hex4(o.number)} "${o.description}": no such device on this VM: attempt fails`);
      continue;
    }
    const pe = findFileByGuid(image.dxeFv.volume, o.target.fileGuid)?.sections?.find((s) => s.type === EFI_SECTION.PE32);
    if (pe === undefined) {
      notes.push(`BDS: FvFile(${o.target.fileGuid}) not found in FVMAIN`);
      continue;
    }
    if (!measureBootHandler) {
      notes.push(`BDS: LoadImage(${o.description}) -> EFI_SUCCESS (no measure-boot handler in this build: not measured)`);
      endState = `started Boot${hex4(o.number)} "${o.description}"`;
      break;
    }
    let address = input.imageBufferAddress ?? (nics.length + disks.length + ahci > 0 ? deviceBuffer('shell') : undefined);
    if (address === undefined) {
      const b = armVirtImageBuffer({
        machine: input.machine, build, activePcrBanks: dxe.capability.activePcrBanks,
        // A store an earlier boot to BDS wrote: its BootOrder is there (Debian 12's template is blank).
        storeHistory: store?.get('BootOrder', EFI_GLOBAL_VARIABLE) !== undefined ? 'booted' : 'fresh',
      });
      address = b.address;
      notes.push(b.calibrated
        ? `image buffer address: ${b.why} (distance from the top of RAM)`
        : `image buffer address: ${b.why}: ImageLocationInMemory is an estimate (event data only, in no PCR); use --image-buffer-address`);
    } else {
      notes.push('image buffer address: given');
    }
    const st = await handler.fileAuthentication(dxe, {
      devicePath: o.filePath.raw, fileBuffer: pe.body, bufferAddress: address, origin: { kind: 'fv', rootFvBase: image.dxeFv.base },
    });
    notes.push(`BDS: LoadImage(${o.description}) -> ${st}`);
    if (st !== 'EFI_SUCCESS') continue;
    const secureBootOn = (vars.get('SecureBoot', EFI_GLOBAL_VARIABLE)?.[0] ?? 0) === 1;
    if (secureBootOn && o.target.fileGuid === UEFI_SHELL_FILE_GUID) {
      notes.push(`BDS: StartImage(${o.description}) -> EFI_SECURITY_VIOLATION (Secure Boot; as observed on OVMF, not on ArmVirtQemu)`);
      continue;
    }
    endState = `started Boot${hex4(o.number)} "${o.description}"`;
    break;
  }
  if (!endState.startsWith('started')) {
    // BdsEntry then reports "No bootable option or device was found" and enters the Boot Manager
    // Menu; the prediction stops there, where a capture stops. From edk2-stable202402 BdsEntry
    // signals ReadyToBoot for PlatformRecovery0000 first, whatever BDS tried before ("Calling …"
    // alone, or "Returning …"/"Calling …" after failed attempts), as on OVMF. Observed on Debian
    // 13's AAVMF 2025.02 (secboot image, no Shell, no option) and on sid's 2026.08 with -cpu max
    // (after four failed network attempts).
    if (release.release !== undefined && release.release >= READY_TO_BOOT_WITHOUT_OPTION_FROM) {
      await ready.signal(dxe, vars);
      notes.push(`BDS: no bootable option: ReadyToBoot #${ready.attempts} for PlatformRecovery0000 before the Boot Manager Menu (${release.evidence}; observed from edk2-stable${READY_TO_BOOT_WITHOUT_OPTION_FROM})`);
    }
  }
  notes.push(...bufferNotes);
  const tcg2 = dxe.area(EFI_TCG2_EVENT_LOG_FORMAT.TCG_2);
  const tcg12 = dxe.area(EFI_TCG2_EVENT_LOG_FORMAT.TCG_1_2);
  return {
    ...base,
    eventLog: tcg2?.used.slice() ?? new Uint8Array(),
    tcg12Log: tcg12?.used.slice(),
    finalEvents: dxe.finalEvents.bytes.subarray(0, 16).slice(),
    pei,
    dxeFacts: facts,
    endState,
    ...(acpiDataMeasured ? { acpiDataMeasured } : {}),
  };
}
