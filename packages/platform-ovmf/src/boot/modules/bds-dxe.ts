/**
 * BdsDxe (MdeModulePkg/Universal/BdsDxe with OVMF's PlatformBootManagerLib): the boot options
 * (from the store, the platform's defaults, QEMU's bootorder), then each option in BootOrder:
 * ReadyToBoot (the callbacks other units registered), LoadImage (bds-load.ts), StartImage. What
 * differs between releases in BDS (an option for the empty DVD-ROM, ReadyToBoot without any
 * option, the platform's own options) is read from BdsDxe's and PlatformBootManagerLib's code.
 */
import { devicePathToText } from '@tcg2sim/uefi';
import type { DiskBootLoader } from '@tcg2sim/uefi';
import { EFI_GLOBAL_VARIABLE, SecureBootAuthorityMeasurement } from '@tcg2sim/tcg2-dxe';
import { attachedDiskNotes, diskOptions, diskPciSlotCount } from '../disk-interfaces.ts';
import type { DiskInterface, DiskSpec } from '../disk-interfaces.ts';
import { bootOptions, hex4 } from '../dxe-variables.ts';
import { LOAD_OPTION, UEFI_SHELL_FILE_GUID } from '../bds.ts';
import { bdsPlatformOptions } from '../bds-platform-options.ts';
import { parseQemuBootOrder } from '../qemu-boot-order.ts';
import { bootOrderFromIndexes } from '../boot-order-devices.ts';
import { diskNicBootOrderCalibrated, nicConnectionFacts } from '../disk-nic-image-buffer.ts';
import { hasTpm2MeasureBootLib } from '../measure-boot-lib.ts';
import { bdsBehaviour, BDS_DXE_FILE_GUID } from '../../platform-pei/bds-behaviour.ts';
import { imageBufferNotes } from './bds-buffer-notes.ts';
import { loadDiskLoader, loadFvApp } from './bds-load.ts';
import type { BdsLoadState } from './bds-load.ts';
import type { DxeContext } from './context.ts';
import type { DxeUnit } from './dxe-unit.ts';

/** Signals ReadyToBoot: every registered callback, in order. */
async function signalReadyToBoot(ctx: DxeContext): Promise<void> {
  for (const c of ctx.readyToBoot) await c.run();
  ctx.readyToBootCount++;
}

export const bdsDxeUnit: DxeUnit = {
  module: { name: 'BdsDxe', fileGuid: BDS_DXE_FILE_GUID },
  role: 'the boot options, ReadyToBoot, LoadImage of each option until one starts (PCR1, PCR4, PCR5)',
  async run(ctx: DxeContext): Promise<void> {
    const { input, notes, sec, vars, stack } = ctx;
    stack.phase = 'dxe:BDS';
    imageBufferNotes(ctx);
    const diskInterfaces: DiskInterface[] = input.disk === undefined ? [] : [input.diskInterface ?? 'virtio', ...(input.moreDisks ?? []).map((d) => d.diskInterface ?? 'virtio')];
    const diskSpecs: DiskSpec[] = input.disk === undefined ? [] : [
      { iface: input.diskInterface ?? 'virtio', ...(input.diskPlacement !== undefined ? { placement: input.diskPlacement } : {}) },
      ...(input.moreDisks ?? []).map((d) => ({ iface: d.diskInterface ?? 'virtio', ...(d.placement !== undefined ? { placement: d.placement } : {}) })),
    ];
    const allDisks: DiskBootLoader[] = input.disk === undefined ? [] : [input.disk, ...(input.moreDisks ?? []).map((d) => d.loader)];
    if (input.disk !== undefined) {
      const d = input.disk;
      notes.push(`disk: ${d.path} (${d.file.length} bytes) on GPT partition ${d.partition.number} (${d.isEsp ? 'EFI System Partition' : `type ${d.partition.typeGuid}`}, ${d.fatKind}); ${d.gpt.partitions.length} used GPT entries`);
    }
    notes.push(...attachedDiskNotes(diskSpecs));
    const bds = bdsBehaviour(sec, ctx.version, input.edk2Release);
    notes.push(...bds.evidence.map((e) => `BDS: ${e}`));
    const platformOptions = bdsPlatformOptions(sec);
    notes.push(...platformOptions.evidence.map((e) => `BDS: ${e}`));
    const bootOrderFile = input.qemuBootOrder ?? bootOrderFromIndexes(input.machine, input.disk === undefined ? [] : [
      { iface: input.diskInterface ?? 'virtio', placement: input.diskPlacement, bootIndex: input.diskBootIndex },
      ...(input.moreDisks ?? []).map((d) => ({ iface: d.diskInterface ?? 'virtio', placement: d.placement, bootIndex: d.bootIndex })),
    ], input.nics ?? [], input.bootStrict === true);
    const qemuBootOrder = bootOrderFile === undefined ? undefined : parseQemuBootOrder(bootOrderFile);
    const options = bootOptions(input.machine, sec, vars, notes, diskSpecs, ctx.network, bds.emptyCdromOption, platformOptions, qemuBootOrder);
    // With QEMU's bootorder BDS may have connected only some devices: only those allocated (disk-nic-image-buffer.ts).
    const connection = options.connection ?? { kind: 'all' };
    const connectedDisks = connection.kind === 'all' ? diskInterfaces : diskInterfaces.filter((_, i) => diskOptions(input.machine, diskSpecs, connection).some((d) => d.index === i));
    const unconnectedAhci = connection.kind === 'listed' && input.machine.machine === 'q35' && !connection.prefixes.some((p) => p.startsWith('PciRoot(0x0)/Pci(0x1F,0x2)'));
    const pciDevices = diskPciSlotCount(input.machine.machine, diskInterfaces) + (input.nics?.length ?? 0);
    if (input.disk !== undefined && input.imageBufferAddress === undefined && (ctx.roms !== undefined || unconnectedAhci)) {
      const c = { machine: input.machine, activePcrBanks: ctx.dxe.capability.activePcrBanks, fileSize: 0, calibration: ctx.calibration, tsegBytes: 0, ...(ctx.roms !== undefined ? { nics: ctx.roms.facts } : {}), unconnectedAhci, pciDevices };
      notes.push(diskNicBootOrderCalibrated(c)
        ? 'disk loader buffer address with NICs or bootorder-connected devices: calibrated (q35 OVMF_CODE_4M.fd, one virtio-net-pci)'
        : 'disk loader buffer address with NICs or bootorder-connected devices: not calibrated for this build, machine or NICs (ImageLocationInMemory is a guess; use --image-buffer-address)');
    }
    const measureBootHandler = vars.secureBootCapable || hasTpm2MeasureBootLib(sec);
    if (measureBootHandler && !vars.secureBootCapable) notes.push('BDS: SecurityStubDxe links DxeTpm2MeasureBootLib without Secure Boot (it refers to EFI_TCG2_PROTOCOL): images BDS loads are measured');
    const s: BdsLoadState = {
      ctx, diskSpecs, diskInterfaces, connectedDisks, unconnectedAhci, pciDevices,
      nicFacts: nicConnectionFacts(input.nics ?? [], connection),
      measureBootHandler,
      secureBootOn: (vars.get('SecureBoot', EFI_GLOBAL_VARIABLE)?.[0] ?? 0) === 1,
      authority: new SecureBootAuthorityMeasurement(),
      heldPages: 0,
      networkAttempts: 0,
    };
    let endState = 'BDS found no bootable option';
    for (const opt of options.order) {
      const o = options.byNumber.get(opt);
      if (o === undefined) continue;
      if ((o.attributes & LOAD_OPTION.ACTIVE) === 0 || (o.attributes & LOAD_OPTION.CATEGORY) !== LOAD_OPTION.CATEGORY_BOOT) continue;
      await signalReadyToBoot(ctx);
      notes.push(`BDS: ReadyToBoot #${ctx.readyToBootCount} for Boot${hex4(o.number)} "${o.description}"`);
      const bootDisk = o.target.kind === 'disk' ? allDisks[o.target.index ?? 0] : undefined;
      if (o.target.kind === 'disk' && bootDisk !== undefined) {
        const r = await loadDiskLoader(s, o, bootDisk, o.target.index ?? 0);
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
        s.networkAttempts++;
        const path = devicePathToText(o.filePath);
        notes.push(ctx.network.some((n) => devicePathToText(n.filePath) === path)
          ? `BDS: Boot${hex4(o.number)} "${o.description}": no boot server answers (QEMU user networking offers no boot file): the attempt fails, nothing measured`
          : `BDS: Boot${hex4(o.number)} "${o.description}" names a NIC this VM does not have (BDS's refresh would drop it: not modelled): the attempt fails, nothing measured`);
        continue;
      }
      if (o.target.kind !== 'fv-app') {
        notes.push(`BDS: Boot${hex4(o.number)} has no loadable file (no media): attempt fails`);
        continue;
      }
      const loaded = await loadFvApp(s, o, o.target.fileGuid);
      if (loaded && s.secureBootOn && o.target.fileGuid === UEFI_SHELL_FILE_GUID) {
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
    const noneStarted = !endState.startsWith('started') && !endState.startsWith('prediction stops');
    if (noneStarted) {
      // BdsEntry then processes PlatformRecovery0000 (EfiBootManagerProcessLoadOption signals
      // ReadyToBoot for a platform-recovery option from edk2-stable202402 on, whatever BDS tried
      // before: Tcg2Dxe measures "Calling …" first, or "Returning …"/"Calling …" after a failed
      // attempt), reports "No bootable option or device was found" and enters the Boot Manager
      // Menu (UiApp, which signals nothing). The prediction stops there, where a capture stops.
      // Observed on Debian trixie's 2025.02 (secboot image, no Shell, no option) and on sid's
      // 2026.08 (no Shell: after the NIC's failed attempt).
      if (bds.readyToBootWithoutOption) {
        await signalReadyToBoot(ctx);
        notes.push(`BDS: no boot option started: ReadyToBoot #${ctx.readyToBootCount} for PlatformRecovery0000 before the Boot Manager Menu`);
      }
      endState = 'BDS: no bootable option started (prediction stops before the Boot Manager Menu)';
    }
    ctx.endState = endState;
    const bdsAssumed = [
      ...(bds.assumed.removable && input.machine.defaultCdrom ? ['whether BDS makes a boot option for the empty DVD-ROM'] : []),
      ...(bds.assumed.recovery && noneStarted ? ['whether BDS signals ReadyToBoot before PlatformRecovery0000'] : []),
    ];
    if (bdsAssumed.length > 0) ctx.bdsAssumed = `${bdsAssumed.join(' and ')} (neither BdsDxe's code nor the version string shows it; edk2-stable202211's behaviour assumed)`;
  },
};
