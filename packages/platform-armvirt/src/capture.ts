/**
 * Capturing a real ArmVirtQemu boot: qemu-system-aarch64 -M virt with swtpm behind tpm-tis-device,
 * under TCG, through platform-ovmf's capture harness (swtpm, serial console, QMP pmemsave, PCR
 * read-back). Only the VM differs: the command line (@tcg2sim/qemu-vmm virtQemuArguments) and
 * where guest RAM is (from 0x40000000), which the log scan searches top-down as on x86.
 */
import { captureBoot } from '@tcg2sim/platform-ovmf';
import type { CaptureOptions, CaptureResult } from '@tcg2sim/platform-ovmf';
import { virtQemuArguments, virtRamRanges } from '@tcg2sim/qemu-vmm';
import type { VirtMachine } from './machine.ts';
import { DEFAULT_VIRT_MACHINE } from './machine.ts';

/** A capture of an ArmVirtQemu boot. */
export interface ArmVirtCaptureOptions extends Pick<CaptureOptions, 'banks' | 'timeoutSeconds' | 'bootEnd' | 'stopWhen' | 'swtpmBinary' | 'swtpmSetupBinary' | 'onProgress'> {
  /** AAVMF_CODE.fd (padded to 64 MiB, as QEMU's virt flash banks require). */
  readonly code: string;
  /** AAVMF_VARS.fd template (a private copy is booted). */
  readonly vars: string;
  readonly machine?: Partial<VirtMachine>;
  /** `-cpu` (default cortex-a57). */
  readonly cpu?: string;
  /** Default qemu-system-aarch64. */
  readonly qemuBinary?: string;
  /** Appended to the command line. */
  readonly extraQemuArgs?: readonly string[];
}

/** Boots AAVMF to the UEFI Shell and takes its log, final events table and PCRs. */
export async function captureArmVirtBoot(o: ArmVirtCaptureOptions): Promise<CaptureResult> {
  const m: VirtMachine = { ...DEFAULT_VIRT_MACHINE, ...o.machine };
  return captureBoot({
    code: o.code,
    vars: o.vars,
    memoryMiB: m.memoryMiB,
    cpus: m.cpus,
    qemuBinary: o.qemuBinary ?? 'qemu-system-aarch64',
    // TCG emulation of an Arm CPU is slow: the Shell comes after about a minute on a loaded host.
    timeoutSeconds: o.timeoutSeconds ?? 400,
    guestRam: virtRamRanges(m.memoryMiB),
    qemuArgumentsFor: (p) => [
      ...virtQemuArguments({ code: o.code, vars: p.varsCopy, memoryMiB: m.memoryMiB, cpus: m.cpus, swtpmCtrl: p.swtpmCtrl, qmp: p.qmp, ...(o.cpu !== undefined ? { cpu: o.cpu } : {}) }),
      ...(o.extraQemuArgs ?? []),
    ],
    ...(o.banks !== undefined ? { banks: o.banks } : {}),
    ...(o.bootEnd !== undefined ? { bootEnd: o.bootEnd } : {}),
    ...(o.stopWhen !== undefined ? { stopWhen: o.stopWhen } : {}),
    ...(o.swtpmBinary !== undefined ? { swtpmBinary: o.swtpmBinary } : {}),
    ...(o.swtpmSetupBinary !== undefined ? { swtpmSetupBinary: o.swtpmSetupBinary } : {}),
    ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
  });
}
