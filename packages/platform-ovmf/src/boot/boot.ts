import { randomBytes } from 'node:crypto';
import { devicePathToText, getVariable, snapshotVariables } from '@tcg2sim/uefi';
import type { DiskBootLoader } from '@tcg2sim/uefi';
import { attachedDiskNotes, diskOptions, diskPciSlotCount } from './disk-interfaces.ts';
import type { DiskInterface, DiskSpec } from './disk-interfaces.ts';
import { parseEfiImage, imageInfo, findFileByGuid, EFI_SECTION } from '@tcg2sim/uefi';
import { runTcg2Pei, commandLibTpm } from '@tcg2sim/tcg2-pei';
import { TPM_INSTANCE_GUID } from '@tcg2sim/tcg2-config';
import type { Tcg2ConfigResult } from '@tcg2sim/tcg2-config';
import {
  MeasureBootHandler, ReadyToBootMeasurement, measureSecureBootPolicy, startTcg2DxeAfterPei, EFI_TCG2_EVENT_LOG_FORMAT,
  EFI_GLOBAL_VARIABLE, SecureBootAuthorityMeasurement,
} from '@tcg2sim/tcg2-dxe';
import { decompressMemFvsAsync } from '../sec.ts';
import { BootDigests } from './boot-digests.ts';
import { DigestWorker } from './digest-worker.ts';
import { DxeVariables, bootOptions, hex4 } from './dxe-variables.ts';
import { diskBufferNote, imageBufferAddress, machineShift, imageBufferDistance, usedStoreShift, CALIBRATED_WITH_TEMPLATE_WITHOUT_TCG2, secureBootStateNote } from './image-buffer.ts';
import { storeHistory } from './store-history.ts';
import { readFirmwareVersionString } from '../platform-pei/firmware-version.ts';
import { hasTpm2MeasureBootLib } from './measure-boot-lib.ts';
import { networkStackNeedsRng, vmHasRng } from './network-rng.ts';
import { measureAcpiData, measuresAcpiData } from '../acpi/acpi-data.ts';
import { bdsBehaviour } from '../platform-pei/bds-behaviour.ts';
import { buildFactsFromPeiFv, peiFvAtMeasurement } from '../platform-pei/peifv.ts';
import { DEBIAN_2022_11_BUILD } from '../platform-pei/platform-info.ts';
import { TpmStack } from './tpm-stack.ts';
import { secureBootLoadImage } from './secure-boot.ts';
import { dxeUintnBytes, peiUintnBytes, specIdUintnSize } from './firmware-arch.ts';
import { randomizePlatformAuth, tcg2ConfigDxeEntry } from './dxe-platform.ts';
import {
  expandedDiskLoaderPath, LOAD_OPTION, UEFI_SHELL_FILE_GUID,
} from './bds.ts';
import type { BootOption } from './bds.ts';
import { nicNetworkOptions } from './bds-network.ts';
import { bdsPlatformOptions } from './bds-platform-options.ts';
import { measureSmbios, measuresSmbios } from '../smbios/smbios-measurement.ts';
import { smbiosReadyToBootOrder } from '../smbios/smbios-order.ts';
import { loadNicOptionRoms } from './pci-option-roms.ts';
import { nicBuffersCalibrated, optionRomBufferAddress } from './nic-image-buffer.ts';
import { tcg2ConfigPei } from './tcg2-config-pei.ts';
import { parseQemuBootOrder } from './qemu-boot-order.ts';
import { bootOrderFromIndexes } from './boot-order-devices.ts';
import { diskLoaderAddressVaries, diskNicBootOrderCalibrated, nicConnectionFacts } from './disk-nic-image-buffer.ts';
import { devicesShift } from './device-footprints.ts';
import type { BootInput, BootResult } from './boot-types.ts';

export type { BootInput, BootResult } from './boot-types.ts';

function defaultRandom(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

/**
 * Boots OVMF in simulation: SEC, Tcg2ConfigPei, Tcg2Pei, Tcg2Dxe with the Secure Boot policy,
 * then BDS attempting the boot options until an application starts (the UEFI Shell on a VM
 * without disks). Every TPM command goes through tpm2-command-lib, the device library, the
 * register model and the backend.
 */
export async function simulateBoot(input: BootInput): Promise<BootResult> {
  const notes: string[] = [];
  // SEC's LZMA decoding runs on the thread pool while the work that does not need its output
  // runs here: powering the TPM on, reading the variable store, Tcg2ConfigPei (TPM commands only).
  const secReady = input.sec ?? decompressMemFvsAsync(input.code);
  secReady.catch(() => undefined); // awaited below, also when something before fails
  const store = deferErrors(() => (input.vars === undefined ? undefined : snapshotVariables(input.vars)));
  let stack: TpmStack;
  let config: Tcg2ConfigResult;
  const configNotes: string[] = [];
  try {
    // QEMU's tpm-emulator sets the TPM's buffer size from the interface, then powers it on.
    await input.backend.setBufferSize?.(input.tpmInterface === 'crb' ? 0xf80 : 0x1000);
    await input.backend.powerOn();
    stack = new TpmStack(input.backend, input.tpmInterface, input.clock);
    config = await tcg2ConfigPei(input, stack, store, configNotes);
  } catch (e) {
    await secReady; // a bad image is reported first, as when SEC ran before anything else
    throw e;
  }

  // Started while the main thread waits for SEC: its start-up overlaps the LZMA decoding without
  // competing with the work above (started with the boot, it made the whole run slower on a
  // loaded machine).
  const worker = input.digestWorker === true && input.digests === undefined ? new DigestWorker() : undefined;
  const sec = await secReady.catch((e: unknown) => {
    worker?.close();
    throw e;
  });
  if (sec.flash.image !== input.code) {
    worker?.close();
    throw new TypeError('simulateBoot: input.sec is not the SEC output of input.code');
  }
  worker?.offer(sec.dxeFv.bytes);
  const digests = input.digests ?? new BootDigests(worker);
  const dxeUintn = dxeUintnBytes(sec);
  const build = { ...buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD), ia32Dxe: dxeUintn === 4 };
  const measuredPeiFv = peiFvAtMeasurement(sec.peiFv, input.machine, build, (n, g) => (input.vars === undefined ? undefined : getVariable(input.vars, n, g)?.data));
  notes.push(...measuredPeiFv.notes, ...configNotes);
  const version = readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume, input.firmwareVersion);
  if (!version.certain) notes.push(`S-CRTM version: ${version.evidence}`);
  const empty = (): BootResult => ({
    eventLog: new Uint8Array(),
    tcg12Log: undefined,
    finalEvents: new Uint8Array(),
    config,
    pei: undefined,
    dxeFacts: undefined,
    measuredPeiFv,
    sec,
    exchanges: stack.exchanges,
    notes,
    endState: config.instanceGuid === TPM_INSTANCE_GUID.TPM12
      ? 'TPM 1.2 selected: Tcg2Pei and Tcg2Dxe do not run, nothing in the TCG2 log (the TPM 1.2 path is not modelled)'
      : 'no TPM 2.0: nothing measured',
  });
  if (config.instanceGuid !== TPM_INSTANCE_GUID.TPM20_DTPM) {
    worker?.close();
    return empty();
  }

  stack.phase = 'pei:Tcg2Pei';
  const peiLib = stack.deviceLib();
  const peiUintn = peiUintnBytes(sec);
  const pei = await runTcg2Pei({
    tpm: commandLibTpm(peiLib),
    bootMode: 'normal',
    bootFv: { base: sec.peiFv.base, length: sec.peiFv.length, bytes: measuredPeiFv.bytes },
    fvInfos: [{ base: sec.dxeFv.base, length: sec.dxeFv.length, bytes: sec.dxeFv.bytes }],
    peiUintnSize: peiUintn,
    hashAll: digests.hashAll,
    firmwareVersion: version.value,
  }).finally(() => worker?.close()); // DXEFV is hashed in PEI: the worker has done its part
  notes.push(...pei.diagnostics.map((d) => `Tcg2Pei: ${d}`));
  if (pei.outcome !== 'measured') {
    return { ...empty(), pei, endState: `PEI ended with ${pei.outcome}` };
  }

  // ---- DXE: Tcg2Dxe DriverEntry.
  stack.phase = 'dxe:Tcg2Dxe';
  const { dxe, facts } = await startTcg2DxeAfterPei(stack.deviceLib(), pei, { uintnSize: specIdUintnSize(dxeUintn) });

  // Variable services as DXE sees them: the store, plus what the variable driver creates.
  const vars = new DxeVariables(store(), sec, notes);
  await measureSecureBootPolicy(dxe, vars);

  // Tcg2ConfigDxe is dispatched after the variable-write protocol appeared.
  stack.phase = 'dxe:Tcg2ConfigDxe';
  await tcg2ConfigDxeEntry(stack.deviceLib());
  const measuredFvBases = pei.measuredFvs.map((f) => f.base);
  const handler = new MeasureBootHandler(measuredFvBases, specIdUintnSize(dxeUintn), digests.peImage);
  const dxeFvSha256 = digests.sha256Hex(sec.dxeFv.bytes);
  // BDS PlatformBootManagerBeforeConsole: ConnectRootBridge -> PciBus loads option ROM drivers.
  const storeSnapshot = store();
  const history = storeHistory(storeSnapshot === undefined ? undefined : (n, g) => storeSnapshot.get(n, g)?.data);
  const nicCtx = {
    machine: input.machine, activePcrBanks: dxe.capability.activePcrBanks, fileSize: 0, dxeFvSha256, tsegBytes: build.smmSmramRequire ? 16 * 1024 * 1024 : 0, storeHistory: history.kind,
  };
  // QemuFwCfgAcpiPlatformDxe: notified when PciBus installs gEfiPciEnumerationCompleteProtocolGuid,
  // before PciBus loads the option ROM drivers (trixie 2025.02 with a NIC: ACPI DATA, then the driver).
  const acpiDataMeasured = input.fwCfgFiles !== undefined && measuresAcpiData(sec);
  if (acpiDataMeasured) {
    stack.phase = 'dxe:AcpiPlatform';
    await measureAcpiData(dxe, input.fwCfgFiles);
    notes.push('AcpiPlatformLib: "ACPI DATA" measured for etc/table-loader and each blob it allocates (from the given fw_cfg files)');
  }

  const roms = input.nics === undefined || input.nics.length === 0 ? undefined : await loadNicOptionRoms(input.nics, {
    dxe, handler, secureBootCapable: vars.secureBootCapable || hasTpm2MeasureBootLib(sec), secureBootOn: (vars.get('SecureBoot', EFI_GLOBAL_VARIABLE)?.[0] ?? 0) === 1, notes,
    bufferAddress: (facts, nicIndex, imageIndex) => optionRomBufferAddress(nicCtx, facts, nicIndex, imageIndex),
  });
  // NetworkPkg needs EFI_RNG_PROTOCOL (202405+): without one only iPXE's own option (network-rng.ts)
  const netStack = !networkStackNeedsRng(sec.dxeFv) || vmHasRng(input.devices);
  if (roms !== undefined && !netStack) notes.push('BDS: NetworkPkg waits for EFI_RNG_PROTOCOL and the VM has no virtio-rng: each NIC gets only its option ROM driver\'s boot option');
  const network = (roms?.driven ?? []).flatMap((n) => nicNetworkOptions(n).slice(0, netStack ? undefined : 1));
  if (roms !== undefined) {
    notes.push(nicBuffersCalibrated(nicCtx, roms.facts)
      ? 'option ROM and Shell buffer addresses with NICs: calibrated for this build and machine'
      : 'option ROM and Shell buffer addresses with NICs: not calibrated for this build, machine, banks or NIC count (ImageLocationInMemory is a guess)');
  }
  // BDS PlatformBootManagerBeforeConsole: EndOfDxe, Tcg2PhysicalPresenceLibProcessRequest (no
  // pending request: no TPM traffic), SmmReadyToLock -> Tcg2PlatformDxe.
  stack.phase = 'dxe:Tcg2PlatformDxe';
  await randomizePlatformAuth(stack.deviceLib(), input.random ?? defaultRandom);

  // ---- BDS
  stack.phase = 'dxe:BDS';
  if (input.disk !== undefined && input.imageBufferAddress === undefined) notes.push(diskBufferNote(dxeFvSha256, input.disk));
  const unmeasured = devicesShift(dxeFvSha256, input.machine.machine, input.disk !== undefined ? 'disk' : 'shell', input.devices ?? []).unmeasured;
  if (unmeasured.length > 0 && input.imageBufferAddress === undefined) notes.push(`image buffer address: no measured footprint for ${unmeasured.join(', ')} (their drivers' allocations move ImageLocationInMemory: a guess; use --image-buffer-address)`);
  const diskInterfaces: DiskInterface[] = input.disk === undefined ? [] : [input.diskInterface ?? 'virtio', ...(input.moreDisks ?? []).map((d) => d.diskInterface ?? 'virtio')];
  const diskSpecs: DiskSpec[] = input.disk === undefined ? [] : [
    { iface: input.diskInterface ?? 'virtio', ...(input.diskPlacement !== undefined ? { placement: input.diskPlacement } : {}) },
    ...(input.moreDisks ?? []).map((d) => ({ iface: d.diskInterface ?? 'virtio', ...(d.placement !== undefined ? { placement: d.placement } : {}) })),
  ];
  const allDisks: DiskBootLoader[] = input.disk === undefined ? [] : [input.disk, ...(input.moreDisks ?? []).map((d) => d.loader)];
  const bufferCtxBase = { machine: input.machine, activePcrBanks: dxe.capability.activePcrBanks, dxeFvSha256, diskAttached: input.disk !== undefined };
  if (input.imageBufferAddress === undefined && input.disk === undefined && !machineShift(dxeFvSha256, input.machine).calibrated) {
    notes.push(`image buffer address: not calibrated for ${input.machine.cpus} CPUs${input.machine.s3 ? '' : ' with S3 disabled'}${input.machine.defaultCdrom ? '' : ' without the default devices'} (ImageLocationInMemory assumes 1 CPU with S3; use --image-buffer-address)`);
  }
  const sbNote = secureBootStateNote(dxeFvSha256, (vars.get('SecureBoot', EFI_GLOBAL_VARIABLE)?.[0] ?? 0) === 1);
  notes.push(
    input.imageBufferAddress !== undefined
      ? 'image buffer address: given'
      : !imageBufferDistance(dxeFvSha256, input.machine.machine).calibrated
        ? 'image buffer address: not calibrated for this build and machine (ImageLocationInMemory is an estimate; use --image-buffer-address)'
        : input.disk === undefined && sbNote !== undefined
          ? sbNote
          : history.kind === 'fresh' || (history.kind === 'partial' && !history.tcg2VersionStored && CALIBRATED_WITH_TEMPLATE_WITHOUT_TCG2.has(dxeFvSha256))
            ? `image buffer address: calibrated for this firmware build and machine (${history.kind === 'fresh' ? 'fresh variable store' : 'VARS template without TCG2 variables'})`
            : history.kind === 'booted' && usedStoreShift({ ...bufferCtxBase, fileSize: 0, tsegBytes: 0 }) !== undefined
              ? 'image buffer address: calibrated for this firmware build and machine (variable store left by an earlier boot to the Shell)'
              : `image buffer address: not calibrated for this variable store (${history.kind === 'booted' ? 'used by an earlier boot' : `partly initialised, lacks ${history.missing.join(', ')}`}; ImageLocationInMemory is the fresh-store value; use --image-buffer-address)`
  );
  const authority = new SecureBootAuthorityMeasurement();
  let heldPages = 0;
  const ready = new ReadyToBootMeasurement();
  // SmbiosMeasurementDxe's ReadyToBoot callback, once, before or after Tcg2Dxe's (smbios-order.ts).
  const smbiosPending = input.fwCfgFiles !== undefined && measuresSmbios(sec);
  const smbiosOrder = smbiosPending ? smbiosReadyToBootOrder(sec) : undefined;
  const smbios = { measured: false };
  const signalReadyToBoot = async (): Promise<void> => {
    const first = ready.attempts === 0 && input.fwCfgFiles !== undefined && smbiosOrder !== undefined;
    if (first && smbiosOrder.beforeTcg2Dxe) smbios.measured = await measureSmbios(dxe, sec, input.fwCfgFiles, version.value, input.machine, dxeUintn, build.smmSmramRequire, notes);
    await ready.signal(dxe, vars);
    if (first && !smbiosOrder.beforeTcg2Dxe) smbios.measured = await measureSmbios(dxe, sec, input.fwCfgFiles, version.value, input.machine, dxeUintn, build.smmSmramRequire, notes);
    if (first) notes.push(`SmbiosMeasurementDxe: ${smbiosOrder.evidence}`);
  };
  if (input.disk !== undefined) {
    const d = input.disk;
    notes.push(`disk: ${d.path} (${d.file.length} bytes) on GPT partition ${d.partition.number} (${d.isEsp ? 'EFI System Partition' : `type ${d.partition.typeGuid}`}, ${d.fatKind}); ${d.gpt.partitions.length} used GPT entries`);
  }
  notes.push(...attachedDiskNotes(diskSpecs));
  const bds = bdsBehaviour(sec, version, input.edk2Release);
  const emptyCdrom = bds.emptyCdromOption;
  notes.push(...bds.evidence.map((e) => `BDS: ${e}`));
  const platformOptions = bdsPlatformOptions(sec);
  notes.push(...platformOptions.evidence.map((e) => `BDS: ${e}`));
  const bootOrderFile = input.qemuBootOrder ?? bootOrderFromIndexes(input.machine, input.disk === undefined ? [] : [
    { iface: input.diskInterface ?? 'virtio', placement: input.diskPlacement, bootIndex: input.diskBootIndex },
    ...(input.moreDisks ?? []).map((d) => ({ iface: d.diskInterface ?? 'virtio', placement: d.placement, bootIndex: d.bootIndex })),
  ], input.nics ?? [], input.bootStrict === true);
  const qemuBootOrder = bootOrderFile === undefined ? undefined : parseQemuBootOrder(bootOrderFile);
  const options = bootOptions(input.machine, sec, vars, notes, diskSpecs, network, emptyCdrom, platformOptions, qemuBootOrder);
  // With QEMU's bootorder BDS may have connected only some devices: only those allocated (disk-nic-image-buffer.ts).
  const connection = options.connection ?? { kind: 'all' };
  const connectedDisks = connection.kind === 'all' ? diskInterfaces : diskInterfaces.filter((_, i) => diskOptions(input.machine, diskSpecs, connection).some((d) => d.index === i));
  const unconnectedAhci = connection.kind === 'listed' && input.machine.machine === 'q35' && !connection.prefixes.some((p) => p.startsWith('PciRoot(0x0)/Pci(0x1F,0x2)'));
  const nicFacts = nicConnectionFacts(input.nics ?? [], connection);
  let networkAttempts = 0;
  const pciDevices = diskPciSlotCount(input.machine.machine, diskInterfaces) + (input.nics?.length ?? 0);
  if (input.disk !== undefined && input.imageBufferAddress === undefined && (roms !== undefined || unconnectedAhci)) {
    const ctx = { machine: input.machine, activePcrBanks: dxe.capability.activePcrBanks, fileSize: 0, dxeFvSha256, tsegBytes: 0, ...(roms !== undefined ? { nics: roms.facts } : {}), unconnectedAhci, pciDevices };
    notes.push(diskNicBootOrderCalibrated(ctx)
      ? 'disk loader buffer address with NICs or bootorder-connected devices: calibrated (q35 OVMF_CODE_4M.fd, one virtio-net-pci)'
      : 'disk loader buffer address with NICs or bootorder-connected devices: not calibrated for this build, machine or NICs (ImageLocationInMemory is a guess; use --image-buffer-address)');
  }
  const measureBootHandler = vars.secureBootCapable || hasTpm2MeasureBootLib(sec);
  if (measureBootHandler && !vars.secureBootCapable) notes.push('BDS: SecurityStubDxe links DxeTpm2MeasureBootLib without Secure Boot (it refers to EFI_TCG2_PROTOCOL): images BDS loads are measured');
  const secureBootOn = (vars.get('SecureBoot', EFI_GLOBAL_VARIABLE)?.[0] ?? 0) === 1;
  let endState = 'BDS found no bootable option';
  for (const opt of options.order) {
    const o = options.byNumber.get(opt);
    if (o === undefined) continue;
    if ((o.attributes & LOAD_OPTION.ACTIVE) === 0 || (o.attributes & LOAD_OPTION.CATEGORY) !== LOAD_OPTION.CATEGORY_BOOT) continue;
    await signalReadyToBoot();
    notes.push(`BDS: ReadyToBoot #${ready.attempts} for Boot${hex4(o.number)} "${o.description}"`);
    const bootDisk = o.target.kind === 'disk' ? allDisks[o.target.index ?? 0] : undefined;
    if (o.target.kind === 'disk' && bootDisk !== undefined) {
      const r = await loadDiskLoader(o, bootDisk, o.target.index ?? 0);
      if (r === 'started') {
        endState = `started Boot${hex4(o.number)} "${o.description}" (${bootDisk.path} on partition ${bootDisk.partition.number}): the loader runs; whatever it measures itself through EFI_TCG2_PROTOCOL (shim, GRUB) is not predicted`;
        break;
      }
      if (r === 'stop') {
        endState = `prediction stops at LoadImage(Boot${hex4(o.number)} "${o.description}"): not modelled (see notes)`;
        break;
      }
      continue;
    }
    if (o.target.kind === 'network') {
      networkAttempts++;
      const path = devicePathToText(o.filePath);
      notes.push(network.some((n) => devicePathToText(n.filePath) === path)
        ? `BDS: Boot${hex4(o.number)} "${o.description}": no boot server answers (QEMU user networking offers no boot file): the attempt fails, nothing measured`
        : `BDS: Boot${hex4(o.number)} "${o.description}" names a NIC this VM does not have (BDS's refresh would drop it: not modelled): the attempt fails, nothing measured`);
      continue;
    }
    if (o.target.kind !== 'fv-app') {
      notes.push(`BDS: Boot${hex4(o.number)} has no loadable file (no media): attempt fails`);
      continue;
    }
    const loaded = await loadFvApp(o, o.target.fileGuid);
    if (loaded && secureBootOn && o.target.fileGuid === UEFI_SHELL_FILE_GUID) {
      // Observed on OVMF 2022.11 with Secure Boot enabled: the Shell is measured by LoadImage,
      // then StartImage fails with EFI_SECURITY_VIOLATION and BDS moves on.
      notes.push(`BDS: StartImage(${o.description}) -> EFI_SECURITY_VIOLATION (Secure Boot)`);
      continue;
    }
    if (loaded) {
      endState = `started Boot${hex4(o.number)} "${o.description}"`;
      break;
    }
  }
  if (!endState.startsWith('started') && !endState.startsWith('prediction stops')) {
    // BdsEntry then reports "No bootable option or device was found" and enters the Boot Manager
    // Menu (UiApp). The prediction stops before that, where a capture stops. Observed on Debian
    // trixie's 2025.02 (secboot image, no Shell): ReadyToBoot is signalled once before the
    // message, when no attempt signalled it; 2022.11 was not observed on this path.
    if (ready.attempts === 0 && bds.readyToBootWithoutOption) {
      await signalReadyToBoot();
      notes.push('BDS: no bootable option: ReadyToBoot #1 before PlatformRecovery0000 and the Boot Manager Menu');
    }
    endState = 'BDS: no bootable option started (prediction stops before the Boot Manager Menu)';
  }
  const bdsAssumed = [
    ...(bds.assumed.removable && input.machine.defaultCdrom ? ['whether BDS makes a boot option for the empty DVD-ROM'] : []),
    ...(bds.assumed.recovery && ready.attempts === 0 ? ['whether BDS signals ReadyToBoot before PlatformRecovery0000'] : []),
  ];

  async function loadFvApp(o: BootOption, fileGuid: string): Promise<boolean> {
    const file = findFileByGuid(sec.dxeFv.volume, fileGuid);
    const pe = file?.sections?.find((s) => s.type === EFI_SECTION.PE32);
    if (pe === undefined) {
      notes.push(`BDS: FvFile(${fileGuid}) not found in DXEFV`);
      return false;
    }
    const body = pe.body;
    if (!measureBootHandler) {
      // 202211 links DxeTpm2MeasureBootLib only into SECURE_BOOT_ENABLE builds.
      notes.push(`BDS: LoadImage(${o.description}) -> EFI_SUCCESS (no measure-boot handler in this build)`);
      return true;
    }
    const st = await handler.fileAuthentication(dxe, {
      devicePath: o.filePath.raw,
      fileBuffer: body,
      bufferAddress: (input.imageBufferAddress ?? imageBufferAddress)({
        machine: input.machine,
        activePcrBanks: dxe.capability.activePcrBanks,
        fileSize: body.length,
        dxeFvSha256,
        tsegBytes: build.smmSmramRequire ? 16 * 1024 * 1024 : 0,
        diskAttached: input.disk !== undefined,
        ...(input.disk !== undefined ? { diskInterfaces } : {}),
        ...(input.disk !== undefined ? { diskFatKind: input.disk.fatKind, diskOtherPartitions: input.disk.otherPartitions - input.disk.otherFatVolumes } : {}),
        ...(heldPages > 0 ? { heldPages } : {}),
        ...(roms !== undefined ? { nics: roms.facts } : {}),
        ...(input.devices !== undefined ? { devices: input.devices } : {}),
        storeHistory: history.kind,
      }),
      origin: { kind: 'fv', rootFvBase: sec.dxeFv.base },
    });
    notes.push(`BDS: LoadImage(${o.description}) -> ${st}`);
    if (st !== 'EFI_SUCCESS') return false;
    try {
      imageInfo(parseEfiImage(body));
    } catch {
      return false;
    }
    return true;
  }

  /**
   * LoadImage of the disk's loader: DxeImageVerificationLib first (Secure Boot), then
   * DxeTpm2MeasureBootLib (GPT event once, then the PE image event).
   */
  async function loadDiskLoader(o: BootOption, disk: DiskBootLoader, index: number): Promise<'started' | 'failed' | 'stop'> {
    if (dxeUintn === 4) {
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
    }, diskSpecs, index).raw;
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
      const sb = await secureBootLoadImage(dxe, authority, vars, disk, o.description, secureBootOn);
      notes.push(...sb.notes);
      heldPages += sb.heldPages;
      if (sb.outcome === 'stop') return 'stop';
      if (sb.outcome === 'refused') return 'failed';
    }
    if (!measureBootHandler) {
      notes.push(`BDS: LoadImage(${o.description}: ${disk.path}) -> EFI_SUCCESS (no measure-boot handler in this build)`);
      return 'started';
    }
    if (input.imageBufferAddress === undefined && roms !== undefined && diskLoaderAddressVaries({ machine: input.machine, activePcrBanks: 0, fileSize: 0, dxeFvSha256, tsegBytes: 0, nics: roms.facts, unconnectedAhci, networkAttemptsBefore: networkAttempts })) {
      notes.push('disk loader buffer address: with a NIC beside the disk, its drivers run while BDS reads the loader: ImageLocationInMemory varies with timing (0x1E032018 to 0x1E042018 on four real boots of one VM, up to 64 KiB; the value given is one seen on a real boot; digests do not depend on it)');
    }
    const st = await handler.fileAuthentication(dxe, {
      devicePath,
      fileBuffer: disk.file,
      bufferAddress: (input.imageBufferAddress ?? imageBufferAddress)({
        machine: input.machine,
        activePcrBanks: dxe.capability.activePcrBanks,
        fileSize: disk.file.length,
        dxeFvSha256,
        tsegBytes: build.smmSmramRequire ? 16 * 1024 * 1024 : 0,
        source: 'disk',
        diskAttached: true,
        diskInterfaces: connectedDisks,
        ...(roms !== undefined ? { nics: roms.facts } : {}),
        ...(unconnectedAhci ? { unconnectedAhci, pciDevices } : {}),
        ...nicFacts,
        ...(input.devices !== undefined ? { devices: input.devices } : {}),
        ...(networkAttempts > 0 ? { networkAttemptsBefore: networkAttempts } : {}),
        diskFatKind: disk.fatKind,
        diskOtherPartitions: disk.otherPartitions - disk.otherFatVolumes,
      }),
      origin: { kind: 'other' },
      gpt: { header: disk.gpt.headerBytes, sizeOfPartitionEntry: disk.gpt.header.sizeOfPartitionEntry, entries: disk.gpt.entries },
    });
    notes.push(`BDS: LoadImage(${o.description}: ${disk.path}) -> ${st}`);
    if (st !== 'EFI_SUCCESS') return 'failed';
    try {
      imageInfo(parseEfiImage(disk.file));
    } catch {
      notes.push(`BDS: ${disk.path} is not a loadable PE image: LoadImage fails after the measurement`);
      return 'failed';
    }
    return 'started';
  }

  const tcg2 = dxe.area(EFI_TCG2_EVENT_LOG_FORMAT.TCG_2);
  const tcg12 = dxe.area(EFI_TCG2_EVENT_LOG_FORMAT.TCG_1_2);
  return {
    eventLog: tcg2?.used.slice() ?? new Uint8Array(),
    tcg12Log: tcg12?.used.slice(),
    finalEvents: dxe.finalEvents.bytes.subarray(0, 16).slice(),
    config,
    pei,
    dxeFacts: facts,
    measuredPeiFv,
    sec,
    exchanges: stack.exchanges,
    notes,
    endState,
    ...(acpiDataMeasured ? { acpiDataMeasured } : {}),
    ...(smbios.measured ? { smbiosMeasured: true } : {}),
    ...(bdsAssumed.length > 0 ? { bdsAssumed: `${bdsAssumed.join(' and ')} (neither BdsDxe's code nor the version string shows it; edk2-stable202211's behaviour assumed)` } : {}),
  };
}

/** A PE32/PE32+ image (TE does not count) whose subsystem is EFI application. */
function isEfiApplicationPe(file: Uint8Array): boolean {
  try {
    const img = parseEfiImage(file);
    return img.format !== 'te' && imageInfo(img).subsystem === 10;
  } catch {
    return false;
  }
}

/**
 * Runs `fn` now and returns its result on each call, or throws its error on each call: work
 * done ahead of time whose failure still surfaces where the result is first used.
 */
function deferErrors<T>(fn: () => T): () => T {
  try {
    const v = fn();
    return () => v;
  } catch (e) {
    return () => {
      throw e;
    };
  }
}
