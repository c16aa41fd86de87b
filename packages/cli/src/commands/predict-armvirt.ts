/**
 * predict for an ArmVirtQemu image (AAVMF_CODE.fd, chosen by isArmVirtImage: an AArch64 SEC in
 * the firmware volume at 0x1000): the VM is QEMU's `virt` machine with tpm-tis-device; the
 * scenario's RAM, CPUs, banks, TPM backend and image buffer address apply, the x86 machine's
 * devices do not (docs/armvirt.md).
 */
import { Tcg2Error } from '@tcg2sim/binary-codec';
import type { MachineInput, Prediction, Scenario } from '@tcg2sim/platform-ovmf';
import { VirtualClock } from '@tcg2sim/ptp';
import { UsageError } from '../errors.ts';
import { createBootBackend } from '../backends.ts';
import type { BootFirmware } from './predict-boot.ts';
import type { OptionRomBar } from '@tcg2sim/qemu-vmm';
import { virtBootDevices, withAhci } from './virt-devices.ts';

/** What of the scenario has no meaning on `virt`, in words; empty when it all applies. */
function unsupported(s: Scenario): string[] {
  const out: string[] = [];
  const ifaces = [s.diskInterface, ...(s.moreDisks ?? []).map((d) => d.diskInterface)];
  if (ifaces.includes('sata')) out.push('--disk-interface sata (virt has no built-in AHCI: virtio, nvme and scsi are modelled; an added AHCI controller is taken from --qemu-cmdline)');
  if ((s.bootOrder ?? []).length > 0) out.push('bootOrder (give bootindex= in a --qemu-cmdline line instead)');
  if (s.smm) out.push('--smm');
  if (s.tpmInterface !== 'tis') out.push(`--tpm-interface ${s.tpmInterface} (virt has tpm-tis-device only)`);
  if (s.tcg2Config !== 'ovmf') out.push('--tcg2-config generic');
  return out;
}

/** One simulated ArmVirtQemu boot of the scenario. */
export async function predictArmVirtScenario(s: Scenario, fw: BootFirmware, o: { readonly machine?: Partial<MachineInput>; readonly tpm?: Scenario['tpm']; readonly fwCfgFiles?: ReadonlyMap<string, Uint8Array>; readonly readRom?: ((path: string) => OptionRomBar) | undefined; readonly cpu?: string | undefined; readonly acpi?: boolean | undefined; readonly ahciControllers?: number | undefined; readonly qemuBootOrder?: Uint8Array | undefined }): Promise<Prediction> {
  const bad = unsupported(s);
  if (bad.length > 0) throw new UsageError(`${fw.source}: an ArmVirtQemu image on QEMU's virt machine: ${bad.join(', ')} not modelled for it`);
  const { predictArmVirt } = await import('@tcg2sim/platform-armvirt');
  const devices = withAhci(virtBootDevices(s, o.readRom), o.ahciControllers);
  const backend = await createBootBackend(o.tpm ?? s.tpm, s.banks);
  try {
    return await predictArmVirt({
      code: fw.code,
      vars: fw.vars,
      // -cpu max has RNDR: RngDxe gives NetworkPkg its EFI_RNG_PROTOCOL (edk2-stable202405 on)
      // -no-acpi / acpi=off: no etc/table-loader, the device tree only (PlatformHasAcpiDtDxe)
      machine: { memoryMiB: o.machine?.memoryMiB ?? s.memoryMiB, cpus: o.machine?.cpus ?? s.cpus, rng: o.cpu === 'max', ...(o.acpi === false ? { acpi: false } : {}) },
      ...(devices !== undefined ? { devices } : {}),
      ...(o.qemuBootOrder !== undefined ? { qemuBootOrder: o.qemuBootOrder } : {}),
      backend,
      clock: new VirtualClock(),
      ...(s.imageBufferAddress !== undefined ? { imageBufferAddress: BigInt(s.imageBufferAddress) } : {}),
      ...(o.fwCfgFiles !== undefined ? { fwCfgFiles: o.fwCfgFiles } : {}),
    });
  } catch (e) {
    if (e instanceof Tcg2Error) throw new UsageError(`${fw.source}: ${e.message}`, { cause: e });
    throw e;
  } finally {
    await backend.close();
  }
}
