/**
 * PciBusDxe (MdeModulePkg/Bus/Pci/PciBusDxe): when BDS's PlatformBootManagerBeforeConsole
 * connects the root bridges, it loads the NICs' option ROM drivers (measured as images, PCR2)
 * and their drivers make the network boot options possible (nic-option-roms.md).
 */
import { EFI_GLOBAL_VARIABLE } from '@tcg2sim/tcg2-dxe';
import { loadNicOptionRoms } from '../pci-option-roms.ts';
import { nicBuffersCalibrated, optionRomBufferAddress } from '../nic-image-buffer.ts';
import { nicNetworkOptions } from '../bds-network.ts';
import { hasTpm2MeasureBootLib } from '../measure-boot-lib.ts';
import { networkStackNeedsRng, vmHasRng } from '../network-rng.ts';
import type { DxeContext } from './context.ts';
import type { DxeUnit } from './dxe-unit.ts';

/** PciBusDxe's FILE_GUID (MdeModulePkg/Bus/Pci/PciBusDxe/PciBusDxe.inf). */
export const PCI_BUS_DXE_FILE_GUID = '93B80004-9FB3-11D4-9A3A-0090273FC14D';

export const pciBusDxeUnit: DxeUnit = {
  module: { name: 'PciBusDxe', fileGuid: PCI_BUS_DXE_FILE_GUID },
  role: 'loads the NICs\' option ROM drivers (PCR2) when BDS connects the root bridges',
  async run(ctx: DxeContext): Promise<void> {
    const { input, dxe, vars, notes } = ctx;
    if (input.nics === undefined || input.nics.length === 0) return;
    const nicCtx = {
      machine: input.machine, activePcrBanks: dxe.capability.activePcrBanks, fileSize: 0, calibration: ctx.calibration, tsegBytes: ctx.build.smmSmramRequire ? 16 * 1024 * 1024 : 0, storeHistory: ctx.history.kind,
    };
    const roms = await loadNicOptionRoms(input.nics, {
      dxe, handler: ctx.handler, secureBootCapable: vars.secureBootCapable || hasTpm2MeasureBootLib(ctx.sec), secureBootOn: (vars.get('SecureBoot', EFI_GLOBAL_VARIABLE)?.[0] ?? 0) === 1, notes,
      bufferAddress: (facts, nicIndex, imageIndex) => optionRomBufferAddress(nicCtx, facts, nicIndex, imageIndex),
    });
    ctx.roms = roms;
    // NetworkPkg needs EFI_RNG_PROTOCOL (202405+): without one only iPXE's own option (network-rng.ts)
    const netStack = !networkStackNeedsRng(ctx.sec.dxeFv) || vmHasRng(input.devices);
    if (!netStack) notes.push('BDS: NetworkPkg waits for EFI_RNG_PROTOCOL and the VM has no virtio-rng: each NIC gets only its option ROM driver\'s boot option');
    ctx.network = roms.driven.flatMap((n) => nicNetworkOptions(n).slice(0, netStack ? undefined : 1));
    notes.push(nicBuffersCalibrated(nicCtx, roms.facts)
      ? 'option ROM and Shell buffer addresses with NICs: calibrated for this build and machine'
      : 'option ROM and Shell buffer addresses with NICs: not calibrated for this build, machine, banks or NIC count (ImageLocationInMemory is a guess)');
  },
};
