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
 *
 * In a SECURE_BOOT_ENABLE build DxeImageVerificationLib's handler runs before the TPM handler
 * (SecurityStubDxe's NULL libraries in that order) for both, and an image it refuses is never
 * measured. ArmVirtQemu verifies option ROM images too (not OVMF's ALWAYS_EXECUTE): with Secure
 * Boot on, iPXE's unsigned x64 image is refused and no PCR2 event is logged (real boots of 2022.11
 * and 2025.02 with the Microsoft and the snakeoil stores). An image db authorises gets SecureBootHook's
 * PCR7 EV_EFI_VARIABLE_AUTHORITY first (the db entry, once per boot), then the GPT and image events.
 */
import { IMAGE_VERIFICATION_POLICY, loadOptionRom, optionRomDrivers, verifyImage } from '@tcg2sim/uefi';
import type { DiskBootLoader, ImageVerificationPolicies, SecureBootVariables } from '@tcg2sim/uefi';
import type { MeasureBootHandler, SecureBootAuthorityMeasurement, Tcg2Dxe } from '@tcg2sim/tcg2-dxe';
import { expandedDiskLoaderPath, optionRomImagePath, pciPathText, comparePciPaths, secureBootLoadImage } from '@tcg2sim/platform-ovmf';
import type { DiskSpec, MachineDescription } from '@tcg2sim/platform-ovmf';
import type { VirtNic } from './devices.ts';
import { ArmVirtError } from './errors.ts';

/**
 * DxeImageVerificationLib's policies on ArmVirtQemu (ArmVirtPkg's SECURE_BOOT_ENABLE PCDs):
 * images from option ROMs, removable and fixed media are all verified, a violation denied
 * (DENY_EXECUTE_ON_SECURITY_VIOLATION). The option ROM policy is what real boots show: iPXE's
 * unsigned x64 image is refused with Secure Boot on (not measured), where OVMF's 0 would let it be.
 */
export const ARMVIRT_IMAGE_VERIFICATION_POLICIES: ImageVerificationPolicies = {
  optionRom: IMAGE_VERIFICATION_POLICY.DENY_EXECUTE_ON_SECURITY_VIOLATION,
  removableMedia: IMAGE_VERIFICATION_POLICY.DENY_EXECUTE_ON_SECURITY_VIOLATION,
  fixedMedia: IMAGE_VERIFICATION_POLICY.DENY_EXECUTE_ON_SECURITY_VIOLATION,
};

/** DxeImageVerificationLib in the build (SecureBootConfigDxe present), with the store and this boot's authorities. */
export interface VirtImageVerification {
  readonly variables: SecureBootVariables;
  readonly authority: SecureBootAuthorityMeasurement;
  /** SecureBoot = 1 (for the notes). */
  readonly secureBootOn: boolean;
}

/**
 * PciBusDxe's option ROM images for the NICs in PCI order, each verified (Secure Boot builds) and
 * measured (PCR2); `address(i)` gives the i-th measured image's buffer.
 * @returns how many images were measured and how many Secure Boot refused
 */
export async function measureVirtOptionRoms(
  nics: readonly VirtNic[],
  o: { readonly dxe: Tcg2Dxe; readonly handler: MeasureBootHandler; readonly notes: string[]; readonly address: (i: number) => bigint; readonly verification?: VirtImageVerification | undefined },
): Promise<{ measured: number; refused: number }> {
  let refused = 0;
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
      const v = o.verification;
      if (v !== undefined) {
        // DxeImageVerificationHandler before the TPM handler; LoadImage's machine-type check comes after both.
        const r = verifyImage({ image: d.load.image, origin: 'option-rom', variables: v.variables, policies: ARMVIRT_IMAGE_VERIFICATION_POLICIES });
        await v.authority.measure(o.dxe, r.authorities);
        if (r.status !== 'EFI_SUCCESS') {
          refused++;
          o.notes.push(`PciBus: ${where}: ${nic.optionRom.file} ${range}: machine-0x${machine.toString(16)} image refused by Secure Boot (${r.status}: ${r.trace.join('; ')}): not measured`);
          continue;
        }
      }
      const st = await o.handler.fileAuthentication(o.dxe, {
        devicePath: optionRomImagePath(nic.pciPath, d), fileBuffer: d.load.image, bufferAddress: o.address(measured), origin: { kind: 'other' },
      });
      measured++;
      o.notes.push(`PciBus: ${where}: ${nic.optionRom.file} ${range}: machine-0x${machine.toString(16)} image measured (${st}), then not started (DxeCore: unsupported machine type)`);
    }
  }
  return { measured, refused };
}

/**
 * LoadImage of disk `index`'s loader: Secure Boot's verification (SECURE_BOOT_ENABLE builds:
 * the PCR7 authority event of the db entry that allows it; a refused loader is not measured),
 * then the GPT event once and the image event.
 */
export async function loadVirtDiskLoader(
  o: {
    readonly dxe: Tcg2Dxe; readonly handler: MeasureBootHandler; readonly machine: MachineDescription; readonly specs: readonly DiskSpec[]; readonly address: bigint;
    readonly verification?: VirtImageVerification | undefined; readonly notes: string[]; readonly description: string;
  },
  disk: DiskBootLoader, index: number,
): Promise<string> {
  const v = o.verification;
  if (v !== undefined) {
    // virtio-blk, NVMe and scsi-hd report RemovableMedia FALSE: IMAGE_FROM_FIXED_MEDIA.
    const sb = await secureBootLoadImage(o.dxe, v.authority, v.variables, disk, o.description, v.secureBootOn);
    o.notes.push(...sb.notes.filter((n) => !n.startsWith('memory:')));
    if (sb.outcome === 'stop') throw new ArmVirtError('NOT_MODELLED', `${disk.path}: Secure Boot's decision cannot be predicted (${sb.notes.join('; ')})`);
    if (sb.outcome === 'refused') return sb.verification?.status ?? 'EFI_ACCESS_DENIED';
  }
  const p = disk.partition;
  const devicePath = expandedDiskLoaderPath(o.machine, {
    partitionNumber: p.number, partitionStart: p.startingLba, partitionSize: p.endingLba - p.startingLba + 1n, partitionGuid: p.uniqueGuid, filePath: disk.path,
  }, o.specs, index).raw;
  return o.handler.fileAuthentication(o.dxe, {
    devicePath, fileBuffer: disk.file, bufferAddress: o.address, origin: { kind: 'other' },
    gpt: { header: disk.gpt.headerBytes, sizeOfPartitionEntry: disk.gpt.header.sizeOfPartitionEntry, entries: disk.gpt.entries },
  });
}
