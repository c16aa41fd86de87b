/**
 * `tcg2sim capture` of an ArmVirtQemu image (AAVMF_CODE.fd): qemu-system-aarch64 -M virt with
 * tpm-tis-device (@tcg2sim/platform-armvirt captureArmVirtBoot), and the prediction check for it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaptureProgress, CaptureResult } from '@tcg2sim/platform-ovmf';
import { decodeEventLog, diffEventLogs } from '@tcg2sim/event-log';
import type { BankName } from '@tcg2sim/hash-lib';
import type { VirtQemuOptions } from '@tcg2sim/qemu-config';
import type { VirtBootDevices } from '@tcg2sim/platform-armvirt';
import { UsageError } from '../errors.ts';
import type { CaptureCheck, CaptureFlags } from './capture.ts';

/** Whether `--code` names an ArmVirtQemu image (an AArch64 SEC in the volume at 0x1000). */
export async function isArmVirtFile(path: string): Promise<boolean> {
  const { isArmVirtImage } = await import('@tcg2sim/platform-armvirt');
  try {
    return isArmVirtImage(new Uint8Array(readFileSync(path)));
  } catch {
    return false; // unreadable: captureBoot reports it
  }
}

/** Boots the ArmVirtQemu image of the flags on QEMU's virt machine. */
export async function captureArmVirt(f: CaptureFlags, progress: (p: CaptureProgress) => void): Promise<CaptureResult> {
  const bad = [
    ...(f.smm ? ['--smm'] : []),
    ...(f.machine !== 'q35' ? [`--machine ${f.machine}`] : []),
    ...(f.tpmInterface !== 'tis' ? [`--tpm-interface ${f.tpmInterface}`] : []),
    ...(f.disk !== undefined ? ['--disk'] : []),
    ...(f.traceMmio ? ['--trace-mmio'] : []),
  ];
  if (bad.length > 0) throw new UsageError(`capture: ${f.code ?? ''} is an ArmVirtQemu image (QEMU virt machine, tpm-tis-device): ${bad.join(', ')} not supported for it`);
  const { captureArmVirtBoot } = await import('@tcg2sim/platform-armvirt');
  return captureArmVirtBoot({
    code: f.code ?? '',
    vars: f.vars ?? '',
    machine: { memoryMiB: f.memory, cpus: f.cpus },
    ...(f.banks !== undefined ? { banks: f.banks satisfies BankName[] } : {}),
    timeoutSeconds: f.timeout,
    bootEnd: f.waitForPrompt ? 'shell-prompt' : 'shell-banner',
    ...(f.stopWhen !== undefined ? { stopWhen: f.stopWhen } : {}),
    extraQemuArgs: f.qemuArg,
    onProgress: progress,
  });
}

/** What the prediction check of an ArmVirtQemu capture predicts: the VM of the flags or of `--qemu-cmdline`. */
export interface ArmVirtCheckInput {
  readonly code: string;
  readonly vars: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly banks: readonly BankName[] | undefined;
  /** The command line's machine type, CPU model and -smp (default capture's VM). */
  readonly virt?: VirtQemuOptions | undefined;
  /** The command line's NICs and disks. */
  readonly devices?: VirtBootDevices | undefined;
  /** QEMU's bootorder file for the line (bootindex=). */
  readonly qemuBootOrder?: Uint8Array | undefined;
}

/** The check's input for capture's own VM (the flags). */
export function armVirtCheckOfFlags(f: CaptureFlags): ArmVirtCheckInput {
  return { code: f.code ?? '', vars: f.vars ?? '', memoryMiB: f.memory, cpus: f.cpus, banks: f.banks };
}

/**
 * predict for the same image, RAM, CPUs and banks (soft TPM), diffed event by event with the
 * capture. A build that measures QEMU's ACPI blobs gets them from the installed QEMU for the same
 * VM, as `predict --fw-cfg-from-qemu` does.
 */
export async function checkArmVirtPrediction(dir: string, c: ArmVirtCheckInput, result: CaptureResult): Promise<CaptureCheck> {
  const { predictArmVirt, armVirtImage } = await import('@tcg2sim/platform-armvirt');
  const { measuresAcpiData } = await import('@tcg2sim/platform-ovmf');
  const { SoftTpmBackend } = await import('@tcg2sim/tpm-backends');
  const code = new Uint8Array(readFileSync(c.code));
  let fwCfg: { files: ReadonlyMap<string, Uint8Array>; note: string } | undefined;
  if (measuresAcpiData(armVirtImage(code))) fwCfg = await (await import('./fw-cfg-qemu.ts')).virtFwCfgFiles(c, c.virt);
  const backend = new SoftTpmBackend(c.banks !== undefined ? { banks: c.banks } : {});
  try {
    const p = await predictArmVirt({
      code,
      vars: new Uint8Array(readFileSync(c.vars)),
      machine: { memoryMiB: c.memoryMiB, cpus: c.cpus, rng: c.virt?.cpu === 'max', ...(c.virt?.acpi === false ? { acpi: false } : {}) },
      ...(c.devices !== undefined ? { devices: c.devices } : {}),
      ...(c.qemuBootOrder !== undefined ? { qemuBootOrder: c.qemuBootOrder } : {}),
      backend,
      ...(fwCfg !== undefined ? { fwCfgFiles: fwCfg.files } : {}),
    });
    writeFileSync(join(dir, 'predicted.bin'), p.boot.eventLog);
    if (result.noLog !== undefined || p.boot.eventLog.length === 0) return (await import('./capture.ts')).noLogPrediction(dir, p, result);
    const d = diffEventLogs(decodeEventLog(p.boot.eventLog), decodeEventLog(result.eventLog));
    const lines = d.equal
      ? [`prediction = capture: ${d.eventsA} events, byte for byte: ${Buffer.from(p.boot.eventLog).equals(Buffer.from(result.eventLog))}${fwCfg !== undefined ? ` (${fwCfg.note})` : ''}`]
      : [`first divergence at event ${d.divergence?.eventIndex ?? -1}: ${d.divergence?.explanation ?? ''}`, ...d.pcrChanges.map((x) => `  ${x.bank} PCR${x.pcr}: predicted ${x.a ?? '-'} real ${x.b ?? '-'}`)];
    writeFileSync(join(dir, 'diff.txt'), lines.join('\n') + '\n');
    return { name: 'prediction = captured log', ok: d.equal, detail: lines[0] ?? '' };
  } finally {
    await backend.close();
  }
}
