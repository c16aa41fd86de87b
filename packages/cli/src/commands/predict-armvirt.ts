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

/** What of the scenario has no meaning on `virt`, in words; empty when it all applies. */
function unsupported(s: Scenario, hasDisk: boolean): string[] {
  const out: string[] = [];
  if (hasDisk || s.disk !== undefined) out.push('--disk');
  if ((s.nics ?? []).length > 0) out.push('--nic');
  if (s.smm) out.push('--smm');
  if (s.tpmInterface !== 'tis') out.push(`--tpm-interface ${s.tpmInterface} (virt has tpm-tis-device only)`);
  if (s.tcg2Config !== 'ovmf') out.push('--tcg2-config generic');
  return out;
}

/** One simulated ArmVirtQemu boot of the scenario. */
export async function predictArmVirtScenario(s: Scenario, fw: BootFirmware, o: { readonly hasDisk: boolean; readonly machine?: Partial<MachineInput>; readonly tpm?: Scenario['tpm']; readonly fwCfgFiles?: ReadonlyMap<string, Uint8Array> }): Promise<Prediction> {
  const bad = unsupported(s, o.hasDisk);
  if (bad.length > 0) throw new UsageError(`${fw.source}: an ArmVirtQemu image on QEMU's virt machine: ${bad.join(', ')} not modelled for it`);
  const { predictArmVirt } = await import('@tcg2sim/platform-armvirt');
  const backend = await createBootBackend(o.tpm ?? s.tpm, s.banks);
  try {
    return await predictArmVirt({
      code: fw.code,
      vars: fw.vars,
      machine: { memoryMiB: o.machine?.memoryMiB ?? s.memoryMiB, cpus: o.machine?.cpus ?? s.cpus },
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
