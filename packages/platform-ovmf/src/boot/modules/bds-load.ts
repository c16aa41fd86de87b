/**
 * BdsDxe's LoadImage of a boot option's image: a DXEFV application (the UEFI Shell, UiApp) or a
 * disk's loader. DxeImageVerificationLib runs first when the build has Secure Boot, then
 * DxeTpm2MeasureBootLib's handler when SecurityStubDxe links it (GPT event once, image event).
 */
import { findFileByGuid, EFI_SECTION, efiImageInfo } from '@tcg2sim/uefi';
import type { DiskBootLoader } from '@tcg2sim/uefi';
import type { SecureBootAuthorityMeasurement } from '@tcg2sim/tcg2-dxe';
import { expandedDiskLoaderPath } from '../bds.ts';
import type { BootOption } from '../bds.ts';
import { imageBufferAddress } from '../image-buffer.ts';
import { dxeAllocationsOf } from './dxe-allocations-of.ts';
import { secureBootLoadImage } from '../secure-boot.ts';
import { diskLoaderAddressVaries } from '../disk-nic-image-buffer.ts';
import type { nicConnectionFacts } from '../disk-nic-image-buffer.ts';
import type { DiskInterface, DiskSpec } from '../disk-interfaces.ts';
import type { DxeContext } from './context.ts';

/** What BdsDxe's attempts share. */
export interface BdsLoadState {
  readonly ctx: DxeContext;
  readonly diskSpecs: readonly DiskSpec[];
  readonly diskInterfaces: readonly DiskInterface[];
  /** The disks BDS connected (all, or those QEMU's bootorder names). */
  readonly connectedDisks: readonly DiskInterface[];
  readonly unconnectedAhci: boolean;
  readonly pciDevices: number;
  readonly nicFacts: ReturnType<typeof nicConnectionFacts>;
  /** DxeTpm2MeasureBootLib's handler is registered. */
  readonly measureBootHandler: boolean;
  readonly secureBootOn: boolean;
  readonly authority: SecureBootAuthorityMeasurement;
  heldPages: number;
  networkAttempts: number;
}

/** LoadImage of a DXEFV application; true when it loaded. */
export async function loadFvApp(s: BdsLoadState, o: BootOption, fileGuid: string): Promise<boolean> {
  const { ctx } = s;
  const { sec, notes, input, dxe } = ctx;
  const file = findFileByGuid(sec.dxeFv.volume, fileGuid);
  const pe = file?.sections?.find((x) => x.type === EFI_SECTION.PE32);
  if (pe === undefined) {
    notes.push(`BDS: FvFile(${fileGuid}) not found in DXEFV`);
    return false;
  }
  const body = pe.body;
  if (!s.measureBootHandler) {
    // 202211 links DxeTpm2MeasureBootLib only into SECURE_BOOT_ENABLE builds.
    notes.push(`BDS: LoadImage(${o.description}) -> EFI_SUCCESS (no measure-boot handler in this build)`);
    return true;
  }
  const st = await ctx.handler.fileAuthentication(dxe, {
    devicePath: o.filePath.raw,
    fileBuffer: body,
    bufferAddress: (input.imageBufferAddress ?? imageBufferAddress)({
      machine: input.machine,
      activePcrBanks: dxe.capability.activePcrBanks,
      fileSize: body.length,
      calibration: ctx.calibration,
      dxeAllocations: dxeAllocationsOf(ctx),
      tsegBytes: ctx.build.smmSmramRequire ? 16 * 1024 * 1024 : 0,
      diskAttached: input.disk !== undefined,
      ...(input.disk !== undefined ? { diskInterfaces: s.diskInterfaces } : {}),
      ...(input.disk !== undefined ? { diskFatKind: input.disk.fatKind, diskOtherPartitions: input.disk.otherPartitions - input.disk.otherFatVolumes } : {}),
      ...(s.heldPages > 0 ? { heldPages: s.heldPages } : {}),
      ...(ctx.roms !== undefined ? { nics: ctx.roms.facts } : {}),
      ...(input.devices !== undefined ? { devices: input.devices } : {}),
      storeHistory: ctx.history.kind,
    }),
    origin: { kind: 'fv', rootFvBase: sec.dxeFv.base },
  });
  notes.push(`BDS: LoadImage(${o.description}) -> ${st}`);
  if (st !== 'EFI_SUCCESS') return false;
  try {
    efiImageInfo(body);
  } catch {
    return false;
  }
  return true;
}

/**
 * LoadImage of the disk's loader: DxeImageVerificationLib first (Secure Boot), then
 * DxeTpm2MeasureBootLib (GPT event once, then the PE image event).
 */
export async function loadDiskLoader(s: BdsLoadState, o: BootOption, disk: DiskBootLoader, index: number): Promise<'started' | 'failed' | 'stop'> {
  const { ctx } = s;
  const { notes, input, dxe, vars } = ctx;
  if (ctx.dxeUintn === 4) {
    // An IA32 DXE's removable-media path is \EFI\BOOT\BOOTIA32.EFI (UEFI 2.9 §3.5.1.1): the
    // disk loader found for X64 is not the one BDS would load, and IA32 disk boots are not
    // calibrated (ImageLocationInMemory) nor compared with real boots.
    notes.push(`BDS: an IA32 DXE loads \\EFI\\BOOT\\BOOTIA32.EFI from ${o.description}: disk boots of IA32 firmware are not modelled`);
    return 'stop';
  }
  const p = disk.partition;
  const devicePath = expandedDiskLoaderPath(input.machine, {
    partitionNumber: p.number,
    partitionStart: p.startingLba,
    partitionSize: p.endingLba - p.startingLba + 1n,
    partitionGuid: p.uniqueGuid,
    filePath: disk.path,
  }, s.diskSpecs, index).raw;
  if (!isEfiApplicationPe(disk.file)) {
    // BmIsLoadOptionPeHeaderValid: BDS only takes a PE/COFF file of subsystem EFI application
    // as the option's image; anything else is skipped as "Not Found" before LoadImage, so
    // nothing is measured (observed on real OVMF 2022.11 with a non-PE BOOTX64.EFI).
    notes.push(`BDS: ${disk.path} is not a PE32/PE32+ EFI application: the option fails with Not Found (nothing measured)`);
    return 'failed';
  }
  if (vars.secureBootCapable) {
    // DxeImageVerificationLib runs first (handler order, docs/edk2-dxe.md §1): an image it
    // refuses never reaches the TPM handler (no GPT event, no image event).
    const sb = await secureBootLoadImage(dxe, s.authority, vars, disk, o.description, s.secureBootOn);
    notes.push(...sb.notes);
    s.heldPages += sb.heldPages;
    if (sb.outcome === 'stop') return 'stop';
    if (sb.outcome === 'refused') return 'failed';
  }
  if (!s.measureBootHandler) {
    notes.push(`BDS: LoadImage(${o.description}: ${disk.path}) -> EFI_SUCCESS (no measure-boot handler in this build)`);
    return 'started';
  }
  const roms = ctx.roms;
  if (input.imageBufferAddress === undefined && roms !== undefined && diskLoaderAddressVaries({ machine: input.machine, activePcrBanks: 0, fileSize: 0, calibration: ctx.calibration, tsegBytes: 0, nics: roms.facts, unconnectedAhci: s.unconnectedAhci, networkAttemptsBefore: s.networkAttempts })) {
    notes.push('disk loader buffer address: with a NIC beside the disk, its drivers run while BDS reads the loader: ImageLocationInMemory varies with timing (0x1E032018 to 0x1E042018 on four real boots of one VM, up to 64 KiB; the value given is one seen on a real boot; digests do not depend on it)');
  }
  const st = await ctx.handler.fileAuthentication(dxe, {
    devicePath,
    fileBuffer: disk.file,
    bufferAddress: (input.imageBufferAddress ?? imageBufferAddress)({
      machine: input.machine,
      activePcrBanks: dxe.capability.activePcrBanks,
      fileSize: disk.file.length,
      calibration: ctx.calibration,
      tsegBytes: ctx.build.smmSmramRequire ? 16 * 1024 * 1024 : 0,
      source: 'disk',
      diskAttached: true,
      diskInterfaces: s.connectedDisks,
      ...(roms !== undefined ? { nics: roms.facts } : {}),
      ...(s.unconnectedAhci ? { unconnectedAhci: s.unconnectedAhci, pciDevices: s.pciDevices } : {}),
      ...s.nicFacts,
      ...(input.devices !== undefined ? { devices: input.devices } : {}),
      ...(s.networkAttempts > 0 ? { networkAttemptsBefore: s.networkAttempts } : {}),
      diskFatKind: disk.fatKind,
      diskOtherPartitions: disk.otherPartitions - disk.otherFatVolumes,
    }),
    origin: { kind: 'other' },
    gpt: { header: disk.gpt.headerBytes, sizeOfPartitionEntry: disk.gpt.header.sizeOfPartitionEntry, entries: disk.gpt.entries },
  });
  notes.push(`BDS: LoadImage(${o.description}: ${disk.path}) -> ${st}`);
  if (st !== 'EFI_SUCCESS') return 'failed';
  try {
    efiImageInfo(disk.file);
  } catch {
    notes.push(`BDS: ${disk.path} is not a loadable PE image: LoadImage fails after the measurement`);
    return 'failed';
  }
  return 'started';
}

/** A PE32/PE32+ image (TE does not count) whose subsystem is EFI application. */
function isEfiApplicationPe(file: Uint8Array): boolean {
  try {
    const img = efiImageInfo(file);
    return img.format !== 'te' && img.subsystem === 10;
  } catch {
    return false;
  }
}
