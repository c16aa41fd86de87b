/**
 * PciBusDxe loading the NICs' option ROM drivers (MdeModulePkg/Bus/Pci/PciBusDxe,
 * edk2-stable202211): when BDS connects the PCI root bridge (OVMF's
 * PlatformBootManagerBeforeConsole → ConnectRootBridge, before EndOfDxe), PciBus enumerates
 * the buses depth first (pci-path.ts), copies each ROM (LoadOpRomImage) and LoadImage/StartImage's every EFI
 * driver image in it from `PciRoot(0x0)/Pci(d,f)/Offset(start,end)`. LoadImage reads the image
 * through PciBus's LoadFile2 into a pool buffer (DxeServicesLib GetFileBufferByFilePath), and
 * DxeTpm2MeasureBootLib measures it: not from a firmware volume, so EV_EFI_BOOT_SERVICES_DRIVER
 * (PCR2) with the Authenticode digest of the (decompressed) PE image.
 */
import { Tcg2Error } from '@tcg2sim/binary-codec';
import { devicePathFromText, efiImageInfo, loadOptionRom, optionRomDrivers, IMAGE_SUBSYSTEM } from '@tcg2sim/uefi';
import type { OptionRomDriver } from '@tcg2sim/uefi';
import type { EfiStatus, MeasureBootHandler, Tcg2Dxe } from '@tcg2sim/tcg2-dxe';
import { ConfigError } from '../errors.ts';
import { nicPciPath } from './bds-network.ts';
import type { NetworkNic } from './bds-network.ts';
import { comparePciPaths, pciPathText, rootPciPath } from './pci-path.ts';
import type { PciPath } from './pci-path.ts';
import type { NicBufferFacts } from './nic-image-buffer.ts';

/** A NIC as the firmware finds it (function 0 on bus 0, or behind bridges: `pciPath`), with its ROM BAR. */
export interface PciNic extends NetworkNic {
  /** The QEMU model, for notes. */
  readonly model: string;
  /** The ROM BAR's contents and the file they came from (for errors). */
  readonly optionRom: { readonly file: string; readonly bar: Uint8Array };
  /** `bootindex=` on the NIC (QEMU's bootorder file: boot-order-devices.ts). */
  readonly bootIndex?: number;
}

/** What loading the ROM drivers needs from the boot. */
export interface OptionRomLoadContext {
  readonly dxe: Tcg2Dxe;
  readonly handler: MeasureBootHandler;
  /** The build links DxeTpm2MeasureBootLib (SECURE_BOOT_ENABLE builds in 202211). */
  readonly secureBootCapable: boolean;
  readonly secureBootOn: boolean;
  /** ImageLocationInMemory of driver image `imageIndex` of NIC `nicIndex` (PCI order), given every NIC's facts. */
  readonly bufferAddress: (nics: readonly NicBufferFacts[], nicIndex: number, imageIndex: number) => bigint;
  readonly notes: string[];
}

/** Offset(start,end) under the NIC's PCI path (`device` on bus 0, or the path behind bridges). */
export function optionRomImagePath(device: number | PciPath, d: OptionRomDriver): Uint8Array {
  const hx = (n: number): string => `0x${n.toString(16).toUpperCase()}`;
  const pci = typeof device === 'number' ? rootPciPath(device) : device;
  return devicePathFromText(`${pciPathText(pci)}/Offset(${hx(d.startingOffset)},${hx(d.endingOffset)})`).raw;
}

/**
 * Loads every NIC's ROM drivers in PCI enumeration order and returns the NICs a driver now
 * drives (iPXE: SNP and LoadFile on a MAC() child handle). A NIC whose ROM starts no driver
 * would be left to OVMF's own drivers (VirtioNetDxe for virtio-net, none for e1000/e1000e):
 * not modelled, a ConfigError. PciRomError for a ROM PciBus cannot walk.
 */
export async function loadNicOptionRoms(nics: readonly PciNic[], ctx: OptionRomLoadContext): Promise<{ driven: NetworkNic[]; facts: NicBufferFacts[] }> {
  const driven: NetworkNic[] = [];
  const sorted = [...nics].sort((a, b) => comparePciPaths(nicPciPath(a), nicPciPath(b)));
  const roms = sorted.map((nic) => {
    const rom = loadOptionRom(nic.optionRom.bar, nic.optionRom.file);
    return { nic, rom, drivers: optionRomDrivers(rom) };
  });
  const facts: NicBufferFacts[] = roms.map(({ nic, rom, drivers }) => ({
    model: nic.model,
    romCopySize: rom.romSize,
    imageSizes: drivers.flatMap((d) => (d.load.status === 'EFI_SUCCESS' ? [d.load.image.length] : [])),
  }));
  for (const [nicIndex, { nic, rom, drivers }] of roms.entries()) {
    const where = `${nic.model} at ${pciPathText(nicPciPath(nic))}`;
    ctx.notes.push(`PciBus: ${where}: option ROM ${nic.optionRom.file}, ${rom.romSize} bytes copied from a ${nic.optionRom.bar.length}-byte ROM BAR`);
    let started = false;
    let imageIndex = 0;
    for (const d of drivers) {
      const range = `Offset(0x${d.startingOffset.toString(16)},0x${d.endingOffset.toString(16)})`;
      if (d.load.status !== 'EFI_SUCCESS') {
        ctx.notes.push(`PciBus: ${where}: LoadImage(${range}) -> ${d.load.status} (${d.load.reason}): nothing measured`);
        continue;
      }
      const image = d.load.image;
      if (ctx.secureBootOn) {
        throw new ConfigError('BAD_SCENARIO', `${nic.optionRom.file}: Secure Boot verification of option ROM drivers is not modelled (${where})`);
      }
      let st: EfiStatus = 'EFI_SUCCESS';
      if (ctx.secureBootCapable) {
        st = await ctx.handler.fileAuthentication(ctx.dxe, {
          devicePath: optionRomImagePath(nicPciPath(nic), d),
          fileBuffer: image,
          bufferAddress: ctx.bufferAddress(facts, nicIndex, imageIndex),
          origin: { kind: 'other' },
        });
      }
      imageIndex++;
      const driver = isDriverImage(image);
      ctx.notes.push(`PciBus: ${where}: LoadImage(${range}, ${image.length}-byte ${d.header.compressionType === 1 ? 'decompressed ' : ''}image) -> ${st}${driver ? '' : ', not a loadable driver image'}`);
      if (st === 'EFI_SUCCESS' && driver) started = true;
    }
    if (!started) {
      throw new ConfigError('BAD_SCENARIO', `${nic.optionRom.file}: no EFI driver of this option ROM starts (${where}); the NIC would be left to OVMF's own drivers, which is not modelled`);
    }
    driven.push({ device: nic.device, ...(nic.pciPath !== undefined ? { pciPath: nic.pciPath } : {}), mac: nic.mac });
  }
  return { driven, facts };
}

function isDriverImage(image: Uint8Array): boolean {
  try {
    const s = efiImageInfo(image).subsystem;
    return s === IMAGE_SUBSYSTEM.EFI_BOOT_SERVICE_DRIVER || s === IMAGE_SUBSYSTEM.EFI_RUNTIME_DRIVER;
  } catch (e) {
    if (e instanceof Tcg2Error) return false;
    throw e;
  }
}
