/**
 * `tcg2sim capture --qemu-cmdline "…"`: boots the user's own QEMU command line, with the host
 * plumbing replaced by the capture's (captureArguments in @tcg2sim/qemu-config says what and
 * why), so that the capture checks a prediction on exactly the VM shape the user runs.
 */
import { QemuConfigError, captureArguments, describeQemuCommand, mapToPredict, describeFindings, s3Of } from '@tcg2sim/qemu-config';
import type { PredictInput, ShellCommand, VmDescription } from '@tcg2sim/qemu-config';
import type { CaptureOptions } from '@tcg2sim/platform-ovmf';
import { virtRamRanges } from '@tcg2sim/qemu-vmm';
import { UsageError } from '../errors.ts';
import { vmCommand } from '../vm-input.ts';

export interface VmCapture {
  /** What captureBoot is given besides timeouts and progress. */
  readonly options: Pick<CaptureOptions, 'code' | 'vars' | 'bios' | 'machine' | 'memoryMiB' | 'cpus' | 's3' | 'tpmInterface' | 'qemuBinary' | 'qemuArgumentsFor' | 'guestRam'>;
  /** predict's inputs for the same VM, or why it has none (something not modelled). */
  readonly predict: { readonly input: PredictInput } | { readonly notModelled: string };
}

function describe(cmd: ShellCommand): VmDescription {
  try {
    return describeQemuCommand(cmd);
  } catch (e) {
    if (e instanceof QemuConfigError) throw new UsageError(`--qemu-cmdline: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * The capture of `line`.
 * @throws UsageError when the line does not parse or has no OVMF or no TPM
 */
export async function vmCapture(line: string): Promise<VmCapture> {
  const { cmd } = await vmCommand({ qemuCmdline: line });
  const d = describe(cmd);
  const fw = d.firmware;
  if (fw.kind === 'default') throw new UsageError('--qemu-cmdline: no OVMF (no -bios, no pflash): QEMU would boot SeaBIOS');
  if (fw.kind === 'pflash' && (fw.code.filename === undefined || fw.vars?.filename === undefined)) throw new UsageError('--qemu-cmdline: a capture needs both pflash units as files (the code and the variable store)');
  if (d.tpm === undefined) throw new UsageError(`--qemu-cmdline: no TPM device (${d.machine.family === 'virt' ? '-device tpm-tis-device' : '-device tpm-tis or tpm-crb'})`);
  // check the rewrite once here, so that a line it cannot take is a usage error before anything starts
  const probe = { swtpmCtrl: '/x/ctrl', qmp: '/x/qmp', varsCopy: '/x/vars' };
  try {
    captureArguments(cmd, probe);
  } catch (e) {
    if (e instanceof QemuConfigError) throw new UsageError(`--qemu-cmdline: ${e.message}`, { cause: e });
    throw e;
  }
  const m = mapToPredict(d);
  const options: VmCapture['options'] = {
    ...(fw.kind === 'bios' ? { bios: fw.file } : { code: fw.code.filename ?? '', vars: fw.vars?.filename ?? '' }),
    // virt (qemu-system-aarch64, ArmVirtQemu): RAM from 0x40000000 (docs/armvirt.md §1)
    // x86: whether the line offers S3 (-global ICH9-LPC.disable_s3), for captureBoot's check of the image
    ...(d.machine.family === 'virt' ? { guestRam: virtRamRanges(d.memoryMiB) } : { machine: d.machine.family, s3: s3Of(d) }),
    memoryMiB: d.memoryMiB,
    cpus: d.smp.cpus,
    tpmInterface: d.tpm.model === 'tpm-crb' ? 'crb' : 'tis',
    qemuBinary: d.program,
    qemuArgumentsFor: (p) => captureArguments(cmd, p),
  };
  return { options, predict: m.input !== undefined && m.findings.length === 0 ? { input: m.input } : { notModelled: describeFindings(m.findings) } };
}
