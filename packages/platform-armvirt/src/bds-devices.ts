/**
 * What ArmVirtQemu measures for the PCI devices of a `virt` VM (devices.ts), between the
 * platform auth and BDS's boot options:
 *
 * - PciBusDxe, when PlatformBootManagerBeforeConsole connects the root bridges (after EndOfDxe,
 *   before QEMU's ACPI tables are downloaded), copies each NIC's option ROM and hands every EFI
 *   driver image in it to LoadImage, whatever its machine type: DxeTpm2MeasureBootLib measures
 *   iPXE's x64 driver (EV_EFI_BOOT_SERVICES_DRIVER, PCR2, device path
 *   `…/Pci(d,f)/Offset(start,end)`), then DxeCore refuses to start an x64 image on AArch64, and
 *   VirtioNetDxe drives the NIC. Seen on real boots of Debian's 2022.11, 2025.02 and 2026.08.
 * - The disk's loader: DxeTpm2MeasureBootLib's GPT event (PCR5) once, then the PE image (PCR4),
 *   as on OVMF (tcg2-dxe's MeasureBootHandler).
 */
import { loadOptionRom, optionRomDrivers } from '@tcg2sim/uefi';
import type { DiskBootLoader } from '@tcg2sim/uefi';
import type { MeasureBootHandler, Tcg2Dxe } from '@tcg2sim/tcg2-dxe';
import { expandedDiskLoaderPath, optionRomImagePath, pciPathText, comparePciPaths } from '@tcg2sim/platform-ovmf';
import type { DiskSpec, MachineDescription } from '@tcg2sim/platform-ovmf';
import type { VirtNic } from './devices.ts';
import { ArmVirtError } from './errors.ts';

/**
 * PciBusDxe's option ROM images for the NICs in PCI order, each measured (PCR2); `address(i)`
 * gives the i-th measured image's buffer.
 * @returns how many images were measured
 */
export async function measureVirtOptionRoms(
  nics: readonly VirtNic[], o: { readonly dxe: Tcg2Dxe; readonly handler: MeasureBootHandler; readonly notes: string[]; readonly address: (i: number) => bigint },
): Promise<number> {
  let measured = 0;
  for (const nic of [...nics].sort((a, b) => comparePciPaths(a.pciPath, b.pciPath))) {
    const where = pciPathText(nic.pciPath);
    if (nic.optionRom === undefined) {
      o.notes.push(`PciBus: NIC at ${where}: no option ROM BAR`);
      continue;
    }
    const rom = loadOptionRom(nic.optionRom.bar, nic.optionRom.file);
    for (const d of optionRomDrivers(rom)) {
      const range = `Offset(0x${d.startingOffset.toString(16)},0x${d.endingOffset.toString(16)})`;
      if (d.load.status !== 'EFI_SUCCESS') {
        o.notes.push(`PciBus: ${where}: ${nic.optionRom.file} ${range} -> ${d.load.status} (${d.load.reason}): nothing measured`);
        continue;
      }
      const machine = d.header.efiMachineType;
      if (machine === 0xaa64) {
        throw new ArmVirtError('NOT_MODELLED', `${nic.optionRom.file}: an AArch64 option ROM driver at ${where}: a driver that starts is not modelled on virt`);
      }
      const st = await o.handler.fileAuthentication(o.dxe, {
        devicePath: optionRomImagePath(nic.pciPath, d), fileBuffer: d.load.image, bufferAddress: o.address(measured), origin: { kind: 'other' },
      });
      measured++;
      o.notes.push(`PciBus: ${where}: ${nic.optionRom.file} ${range}: machine-0x${machine.toString(16)} image measured (${st}), then not started (DxeCore: unsupported machine type)`);
    }
  }
  return measured;
}

/** LoadImage of disk `index`'s loader: the GPT event once, then the image event. */
export async function loadVirtDiskLoader(
  o: { readonly dxe: Tcg2Dxe; readonly handler: MeasureBootHandler; readonly machine: MachineDescription; readonly specs: readonly DiskSpec[]; readonly address: bigint },
  disk: DiskBootLoader, index: number,
): Promise<string> {
  const p = disk.partition;
  const devicePath = expandedDiskLoaderPath(o.machine, {
    partitionNumber: p.number, partitionStart: p.startingLba, partitionSize: p.endingLba - p.startingLba + 1n, partitionGuid: p.uniqueGuid, filePath: disk.path,
  }, o.specs, index).raw;
  return o.handler.fileAuthentication(o.dxe, {
    devicePath, fileBuffer: disk.file, bufferAddress: o.address, origin: { kind: 'other' },
    gpt: { header: disk.gpt.headerBytes, sizeOfPartitionEntry: disk.gpt.header.sizeOfPartitionEntry, entries: disk.gpt.entries },
  });
}
