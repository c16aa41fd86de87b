import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import * as z from 'zod';
import pc from 'picocolors';
import { DISK_INTERFACES, captureBoot, comparePcrs, replayWithTpm2Eventlog, CaptureError } from '@tcg2sim/platform-ovmf';
import type { BootInput, CaptureOptions, CaptureProgress, CaptureResult, PcrMismatch, Prediction } from '@tcg2sim/platform-ovmf';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import type { BankName } from '@tcg2sim/hash-lib';
import { decodeEventLog, pcrsToJson, replayEventLog } from '@tcg2sim/event-log';
import type { EventLog, LogEvent } from '@tcg2sim/event-log';
import type { dataDifference as DataDifferenceFn } from '@tcg2sim/verify';

type DataDifference = typeof DataDifferenceFn;
import type { CliIo } from '../context.ts';
import type { PredictInput } from '@tcg2sim/qemu-config';
import type { SetStatus } from './index.ts';
import { CommandFailure, EXIT, UsageError } from '../errors.ts';
import { captureProgressDisplay } from './capture-progress.ts';

const BANKS = ['sha1', 'sha256', 'sha384', 'sha512'] as const;

/** The flags of `tcg2sim capture`, validated at the CLI boundary. */
const CaptureFlags = z
  .strictObject({
    code: z.string().optional(),
    vars: z.string().optional(),
    bios: z.string().optional(),
    machine: z.enum(['q35', 'pc']).default('q35'),
    smm: z.boolean().default(false),
    s3: z.boolean().default(true),
    memory: z.coerce.number().int().min(128).max(1 << 24).default(512),
    cpus: z.coerce.number().int().min(1).max(288).default(1),
    tpmInterface: z.enum(['tis', 'crb']).default('tis'),
    banks: z
      .string()
      .transform((s) => s.split(',').map((b) => b.trim().toLowerCase()))
      .pipe(z.array(z.enum(BANKS)).min(1))
      .optional(),
    out: z.string().default('capture-out'),
    timeout: z.coerce.number().int().min(1).max(86_400).default(180),
    traceMmio: z.boolean().default(false),
    scanAllMemory: z.boolean().default(false),
    waitForPrompt: z.boolean().default(false),
    stopWhen: z.string().optional(),
    qemuArg: z.array(z.string()).default([]),
    disk: z.string().min(1).optional(),
    diskInterface: z.enum(DISK_INTERFACES).default('virtio'),
    json: z.boolean().default(false),
    predict: z.boolean().default(true),
    qemuCmdline: z.string().optional(),
  })
  .readonly()
  .refine((f) => f.qemuCmdline === undefined || (f.code === undefined && f.vars === undefined && f.bios === undefined), {
    message: '--qemu-cmdline gives the firmware: no --code, --vars or --bios with it',
  })
  .refine((f) => f.qemuCmdline !== undefined || (f.bios !== undefined) !== (f.code !== undefined || f.vars !== undefined), {
    message: 'give --code FILE --vars FILE, or --bios FILE',
  })
  .refine((f) => f.qemuCmdline !== undefined || f.bios !== undefined || (f.code !== undefined && f.vars !== undefined), {
    message: '--code and --vars go together',
  });
export type CaptureFlags = z.infer<typeof CaptureFlags>;

/** One line per check, `ok` or `FAILED`, coloured only when `color` (stdout is a terminal). */
export function checkLines(checks: readonly CaptureCheck[], color: boolean): string {
  const c = pc.createColors(color);
  return checks.map((k) => `${k.ok ? c.green('ok') : c.red('FAILED')}  ${k.name}: ${k.detail}\n`).join('');
}

/** A check run on a finished capture; its mismatches make the exit status 1. */
export interface CaptureCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly mismatches?: readonly PcrMismatch[];
}

/**
 * The checks applied to a capture written to `dir`: our own replay (@tcg2sim/event-log) and
 * tpm2_eventlog's replay of the log both give the TPM's PCRs 0-7. This is the hook where the
 * comparison with `tcg2sim predict` for the same scenario goes once predict exists.
 */
export async function checkCapture(dir: string, result: CaptureResult): Promise<CaptureCheck[]> {
  if (result.noLog !== undefined) return [noLogCheck(result)];
  const checks: CaptureCheck[] = [];
  const ours = pcrsToJson(replayEventLog(decodeEventLog(result.eventLog)));
  const oursMismatches = comparePcrs(result.pcrs, ours, [0, 1, 2, 3, 4, 5, 6, 7]);
  checks.push({
    name: 'event-log replay = TPM PCRs 0-7',
    ok: oursMismatches.length === 0,
    detail: `${oursMismatches.length} PCR mismatches`,
    mismatches: oursMismatches,
  });
  try {
    const replay = await replayWithTpm2Eventlog(join(dir, 'eventlog.bin'));
    writeFileSync(join(dir, 'eventlog.tpm2_eventlog.yaml'), replay.yaml);
    const mismatches = comparePcrs(result.pcrs, replay.pcrs, [0, 1, 2, 3, 4, 5, 6, 7]);
    checks.push({
      name: 'tpm2_eventlog replay = TPM PCRs 0-7',
      ok: mismatches.length === 0 && replay.eventCount === result.eventCount,
      detail: `${replay.eventCount} events parsed, ${mismatches.length} PCR mismatches`,
      mismatches,
    });
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    checks.push({ name: 'tpm2_eventlog replay = TPM PCRs 0-7', ok: e.code === 'SPAWN_FAILED', detail: e.message });
  }
  return checks;
}

/**
 * A boot that left no TCG_2 log (a build without TPM2_ENABLE): the firmware sent the TPM no
 * command (swtpm's log) and PCRs 0-7 hold their reset values (all zero) in every bank.
 */
function noLogCheck(result: CaptureResult): CaptureCheck {
  const nonZero = Object.entries(result.pcrs).flatMap(([bank, m]) => [0, 1, 2, 3, 4, 5, 6, 7].filter((i) => !/^0*$/.test(m[String(i)] ?? '')).map((i) => `${bank}:${i}`));
  // QEMU's own probe (TPM2_ReadClock before CMD_INIT) is not the firmware's.
  const commands = result.tpmCommandStream?.filter((c) => c.origin === 'firmware').length ?? 0;
  const ok = nonZero.length === 0 && commands === 0;
  const detail = `${result.noLog ?? ''}; the firmware sent the TPM ${commands} commands${result.tpmStartedByCapture === true ? ' and never started it (PCRs read after the capture\'s TPM2_Startup(CLEAR))' : ''}; PCRs 0-7 ${nonZero.length === 0 ? 'all zero' : `not zero: ${nonZero.join(', ')}`}`;
  return { name: 'no TCG_2 log: TPM untouched, PCRs 0-7 zero', ok, detail };
}

/**
 * The prediction check: `tcg2sim predict` for the same image, machine and TPM (soft TPM, the
 * capture's banks), diffed event by event against the captured log. Writes `predicted.bin` and
 * `diff.txt` to `dir`.
 */
/** The NICs, the disks' interfaces and places and the other PCI devices of a described VM, for the boot. */
async function vmDevices(vm: PredictInput): Promise<Partial<Pick<BootInput, 'nics' | 'diskInterface' | 'diskPlacement' | 'moreDisks' | 'devices'>>> {
  const { diskPlacementOf, loadNics, platformDevicesOf } = await import('../nics.ts');
  const { loadDiskBootLoader } = await import('../disk.ts');
  const nics = vm.machine === 'virt' ? undefined : loadNics(vm.machine, vm.nics, undefined);
  return {
    ...(nics !== undefined ? { nics } : {}),
    ...(vm.disk !== undefined && vm.diskInterface !== undefined ? { diskInterface: vm.diskInterface } : {}),
    ...(vm.disk !== undefined && vm.diskPlacement !== undefined ? { diskPlacement: diskPlacementOf(vm.diskPlacement) } : {}),
    ...(vm.disk !== undefined && vm.moreDisks !== undefined && vm.moreDisks.length > 0
      ? { moreDisks: vm.moreDisks.map((m) => ({ loader: loadDiskBootLoader(m.file), diskInterface: m.iface, placement: diskPlacementOf(m.placement) })) }
      : {}),
    ...(vm.devices !== undefined && vm.devices.length > 0 ? { devices: platformDevicesOf(vm.devices) } : {}),
  };
}

/**
 * When the two logs differ only in allocator addresses in event data (ImageLocationInMemory, the
 * handoff tables' VendorTable: in no PCR, verify's `dataDifference` says which) and the
 * prediction's own notes say such an address is not calibrated (an estimate), the differing
 * events as `PCR n type: real, predicted` lines; otherwise undefined (a real divergence).
 */
export function allocatorAddressesOnly(predicted: EventLog, real: EventLog, notes: readonly string[], dataDifference: DataDifference): string[] | undefined {
  if (predicted.events.length !== real.events.length) return undefined;
  const noted = notes.some((n) => /(buffer|entry point|table) address[^:]*:.*(not calibrated|estimate|guess|not modelled|varies)/i.test(n) || /ImageLocationInMemory[^.]*(not calibrated|estimate|guess|varies)/i.test(n));
  if (!noted) return undefined;
  const ctx = { uintnSize: real.specId?.uintnSize ?? 2, banks: [], firmwareVolumes: [] };
  const out: string[] = [];
  for (let i = 0; i < real.events.length; i++) {
    const a = predicted.events[i];
    const b = real.events[i];
    if (a === undefined || b === undefined) return undefined;
    if (a.pcrIndex !== b.pcrIndex || a.eventType !== b.eventType || !sameDigests(a, b)) return undefined;
    if (Buffer.from(a.eventData).equals(Buffer.from(b.eventData))) continue;
    const diff = dataDifference(a, b, ctx);
    if (diff.measured) return undefined;
    out.push(`event ${i} (${diff.component}): ${diff.detail}`);
  }
  return out.length > 0 ? out : undefined;
}

function sameDigests(a: LogEvent, b: LogEvent): boolean {
  return a.digests.length === b.digests.length && a.digests.every((x, k) => {
    const y = b.digests[k];
    return y !== undefined && x.hashAlg === y.hashAlg && Buffer.from(x.digest).equals(Buffer.from(y.digest));
  });
}

export async function checkPrediction(dir: string, f: CaptureFlags, result: CaptureResult, vm?: PredictInput): Promise<CaptureCheck> {
  const { readFileSync } = await import('node:fs');
  const { MachineDescription, predict } = await import('@tcg2sim/platform-ovmf');
  const { SoftTpmBackend } = await import('@tcg2sim/tpm-backends');
  const { diffEventLogs } = await import('@tcg2sim/event-log');
  const fw = vm?.firmware;
  const bios = fw !== undefined ? (fw.kind === 'bios' ? fw.bios : undefined) : f.bios;
  const code = new Uint8Array(readFileSync(bios ?? (fw?.kind === 'pflash' ? fw.code : f.code) ?? ''));
  const varsFile = fw?.kind === 'pflash' ? fw.vars : f.vars;
  const vars = bios !== undefined ? code : varsFile !== undefined ? new Uint8Array(readFileSync(varsFile)) : undefined;
  const backend = new SoftTpmBackend(f.banks !== undefined ? { banks: f.banks } : {});
  try {
    const { loadDiskBootLoader } = await import('../disk.ts');
    // QEMU 7.2's ACPI blobs (and SMBIOS tables), modelled as predict does, for capture's own VM.
    const { modelledFwCfgFilesOf } = await import('./fw-cfg-model.ts');
    const fwCfgFiles = vm === undefined && f.qemuArg.length === 0
      ? await modelledFwCfgFilesOf(code, { machine: f.machine, memoryMiB: f.memory, cpus: f.cpus, smm: f.smm, s3: f.s3, tpmInterface: f.tpmInterface, ...(f.disk !== undefined ? { disk: f.disk, diskInterface: f.diskInterface } : {}) })
      : undefined;
    const p = await predict({
      ...(fwCfgFiles !== undefined ? { fwCfgFiles } : {}),
      code,
      vars,
      machine: vm !== undefined
        ? MachineDescription.parse({ machine: vm.machine, memoryMiB: vm.memoryMiB, cpus: vm.cpus, maxCpus: vm.maxCpus, smm: vm.smm, s3: vm.s3, cpu: vm.cpu, defaultCdrom: vm.defaultCdrom })
        : MachineDescription.parse({ machine: f.machine, memoryMiB: f.memory, cpus: f.cpus, smm: f.smm, s3: f.s3 }),
      tpmInterface: vm?.tpmInterface ?? f.tpmInterface,
      backend,
      ...(vm?.disk !== undefined ? { disk: loadDiskBootLoader(vm.disk) } : f.disk !== undefined ? { disk: loadDiskBootLoader(f.disk), diskInterface: f.diskInterface } : {}),
      // the VM's NICs, disk place and other devices, as predict --qemu-cmdline takes them
      ...(vm !== undefined ? await vmDevices(vm) : {}),
      ...(vm?.qemuBootOrder !== undefined ? { qemuBootOrder: vm.qemuBootOrder } : {}),
    });
    writeFileSync(join(dir, 'predicted.bin'), p.boot.eventLog);
    if (result.noLog !== undefined || p.boot.eventLog.length === 0) return noLogPrediction(dir, p, result);
    // With a disk, what the loader measures after its image event is its own business: compare
    // the captured log up to the predicted length (event boundaries are checked by the decoder).
    const real = (f.disk !== undefined || vm?.disk !== undefined) && p.boot.eventLog.length < result.eventLog.length ? result.eventLog.subarray(0, p.boot.eventLog.length) : result.eventLog;
    const predictedLog = decodeEventLog(p.boot.eventLog);
    const realLog = decodeEventLog(real);
    const d = diffEventLogs(predictedLog, realLog);
    const addresses = d.equal ? undefined : allocatorAddressesOnly(predictedLog, realLog, p.boot.notes, (await import('@tcg2sim/verify')).dataDifference);
    if (addresses !== undefined) {
      const line = `prediction = capture in every event's digests and data but ${addresses.length} allocator address${addresses.length > 1 ? 'es' : ''} in event data (in no PCR), which the prediction's notes call not calibrated for this build: ${addresses.join('; ')}`;
      writeFileSync(join(dir, 'diff.txt'), line + '\n');
      return { name: 'prediction = captured log', ok: true, detail: line };
    }
    const lines = d.equal
      ? [`prediction = capture: ${d.eventsA} events, byte for byte: ${Buffer.from(p.boot.eventLog).equals(Buffer.from(real))}${real.length < result.eventLog.length ? ` (the first ${real.length} of ${result.eventLog.length} bytes: the loader logged the rest)` : ''}`]
      : [`first divergence at event ${d.divergence?.eventIndex ?? -1}: ${d.divergence?.explanation ?? ''}`, ...d.pcrChanges.map((c) => `  ${c.bank} PCR${c.pcr}: predicted ${c.a ?? '-'} real ${c.b ?? '-'}`)];
    writeFileSync(join(dir, 'diff.txt'), lines.join('\n') + '\n');
    return { name: 'prediction = captured log', ok: d.equal, detail: lines[0] ?? '' };
  } finally {
    await backend.close();
  }
}

/** The prediction check when the capture or the prediction has no log: both none, and the same PCRs 0-7. */
export function noLogPrediction(dir: string, p: Prediction, result: CaptureResult): CaptureCheck {
  const predicted = Object.fromEntries([...p.tpmPcrs].map(([alg, m]) => [hashAlgInfo(alg).name, Object.fromEntries([...m].map(([i, v]) => [String(i), Buffer.from(v).toString('hex')]))]));
  const mismatches = comparePcrs(result.pcrs, predicted, [0, 1, 2, 3, 4, 5, 6, 7]);
  const both = result.noLog !== undefined && p.boot.eventLog.length === 0;
  const line = both
    ? `prediction = capture: no TCG_2 log in either (${p.boot.endState}); PCRs 0-7: ${mismatches.length} mismatches`
    : result.noLog !== undefined ? `the capture has no TCG_2 log, the prediction ${p.log.events.length} events (${p.boot.endState})` : `the prediction has no TCG_2 log (${p.boot.endState}), the capture ${result.eventCount} events`;
  writeFileSync(join(dir, 'diff.txt'), line + '\n');
  return { name: 'prediction = captured log', ok: both && mismatches.length === 0, detail: line, mismatches };
}

function toOptions(f: CaptureFlags, progress: (p: CaptureProgress) => void): CaptureOptions {
  return {
    ...(f.code !== undefined ? { code: f.code } : {}),
    ...(f.vars !== undefined ? { vars: f.vars } : {}),
    ...(f.bios !== undefined ? { bios: f.bios } : {}),
    machine: f.machine,
    smm: f.smm,
    s3: f.s3,
    memoryMiB: f.memory,
    cpus: f.cpus,
    tpmInterface: f.tpmInterface,
    ...(f.banks !== undefined ? { banks: f.banks satisfies BankName[] } : {}),
    timeoutSeconds: f.timeout,
    traceMmio: f.traceMmio,
    scanAllMemory: f.scanAllMemory,
    bootEnd: f.waitForPrompt ? 'shell-prompt' : 'shell-banner',
    // A disk's loader never hands back to the Shell: stop when BDS starts an option (the loader's
    // image event is logged by then), unless told otherwise.
    ...(f.stopWhen !== undefined ? { stopWhen: f.stopWhen } : f.disk !== undefined ? { stopWhen: 'BdsDxe: starting Boot' } : {}),
    ...(f.disk !== undefined ? { disks: [{ file: f.disk, iface: f.diskInterface }] } : {}),
    extraQemuArgs: f.qemuArg,
    onProgress: progress,
  };
}

/** Writes the capture's files into `dir` and returns the summary object (also written as summary.json). */
export function writeCapture(dir: string, r: CaptureResult): Record<string, unknown> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'eventlog.bin'), r.eventLog);
  if (r.finalEvents) writeFileSync(join(dir, 'final-events.bin'), r.finalEvents);
  if (r.varsAfter) writeFileSync(join(dir, 'vars-after-boot.fd'), r.varsAfter);
  writeFileSync(join(dir, 'serial.log'), r.serialLog, 'latin1');
  if (r.infoPci !== undefined) writeFileSync(join(dir, 'info-pci.txt'), r.infoPci);
  writeFileSync(join(dir, 'swtpm.log'), r.swtpmLog, 'latin1');
  if (r.mmioTrace !== undefined) writeFileSync(join(dir, 'mmio-trace.log'), r.mmioTrace, 'latin1');
  if (r.tpmCommandStream) writeFileSync(join(dir, 'tpm-commands.json'), JSON.stringify(r.tpmCommandStream, null, 1) + '\n');
  writeFileSync(join(dir, 'qemu-command-line.txt'), r.qemuCommandLine.join(' ') + '\n');
  // Each ACPI table found in guest RAM, e.g. acpi-TPM2-1f775000.bin (`tcg2sim acpi check` reads it).
  for (const t of r.acpiTables) writeFileSync(join(dir, `acpi-${t.signature}-${t.address.toString(16)}.bin`), t.bytes);
  const summary = {
    options: { ...r.options, banks: r.options.banks ?? 'swtpm default (sha1,sha256,sha384,sha512)' },
    qemuCommandLine: r.qemuCommandLine,
    swtpmCommandLine: r.swtpmCommandLine,
    bootEndReached: r.bootEndReached,
    eventLogAddress: r.noLog !== undefined ? null : `0x${r.eventLogAddress.toString(16)}`,
    ...(r.noLog !== undefined ? { noLog: r.noLog } : {}),
    ...(r.tpmStartedByCapture === true ? { tpmStartedByCapture: true } : {}),
    eventLogLength: r.eventLog.length,
    eventCount: r.eventCount,
    logBanks: r.logBanks,
    finalEventsAddress: r.finalEventsAddress !== undefined ? `0x${r.finalEventsAddress.toString(16)}` : null,
    finalEventsLength: r.finalEvents?.length ?? null,
    finalEventsEntryAddress: r.finalEventsEntryAddress !== undefined ? `0x${r.finalEventsEntryAddress.toString(16)}` : null,
    specIdCopies: r.specIdCopies.map((c) => ({
      address: `0x${c.address.toString(16)}`,
      pageAligned: c.pageAligned,
      ...(c.extent ? { events: c.extent.eventCount, length: c.extent.length, end: c.extent.endReason } : {}),
    })),
    acpiTables: r.acpiTables.map((t) => ({ signature: t.signature, address: `0x${t.address.toString(16)}`, length: t.bytes.length })),
    tpmCommandCount: r.tpmCommandStream?.length ?? null,
    pcrs: r.pcrs,
    timings: {
      setupMs: Math.round(r.timings.setupMs),
      bootMs: Math.round(r.timings.bootMs),
      dumpMs: Math.round(r.timings.dumpMs),
      pcrReadMs: Math.round(r.timings.pcrReadMs),
      totalMs: Math.round(r.timings.totalMs),
    },
  };
  return summary;
}

/** `tcg2sim capture`: boot real OVMF in QEMU with swtpm and save the log, PCRs and command stream. */
export function registerCapture(program: Command, io: CliIo, setStatus: SetStatus): void {
  program
    .command('capture')
    .description('boot real OVMF in QEMU with swtpm to the UEFI Shell (an ArmVirtQemu AAVMF_CODE.fd: qemu-system-aarch64 -M virt); save its event log, PCRs and TPM command stream')
    .option('--code <file>', 'OVMF_CODE*.fd (pflash unit 0, read-only)')
    .option('--vars <file>', 'OVMF_VARS*.fd template (a private copy is pflash unit 1)')
    .option('--bios <file>', 'combined OVMF.fd, passed with -bios')
    .option('--machine <type>', 'q35 or pc', 'q35')
    .option('--smm', 'machine with SMM and secure pflash (for *.secboot.fd)')
    .option('--no-s3', 'machine without S3 (-global ICH9-LPC.disable_s3=1 or PIIX4_PM.disable_s3=1): X64-PEI SMM builds before edk2-stable202308 (Debian 11/12 and Ubuntu 22.04 2 MiB OVMF_CODE.secboot.fd) boot only so')
    .option('--memory <MiB>', 'guest RAM in MiB', '512')
    .option('--cpus <n>', 'vCPUs', '1')
    .option('--tpm-interface <tis|crb>', 'QEMU TPM device', 'tis')
    .option('--banks <list>', 'PCR banks the swtpm allocates (default: a fresh swtpm, all four)')
    .option('--out <dir>', 'directory for eventlog.bin, summary.json, …', 'capture-out')
    .option('--timeout <seconds>', 'give up booting after this long', '180')
    .option('--trace-mmio', "also record QEMU's TPM register trace")
    .option('--scan-all-memory', 'scan all guest RAM and list every Spec ID copy')
    .option('--wait-for-prompt', 'stop at the Shell prompt instead of its banner (5 s later)')
    .option('--stop-when <text>', 'serial-console text that also ends the boot')
    .option('--disk <file>', 'a raw GPT disk image to boot from, attached as predict --disk models it (not written: snapshot=on)')
    .option('--disk-interface <kind>', "the disk's controller: virtio, nvme, sata or scsi", 'virtio')
    .option('--qemu-arg <arg>', 'extra QEMU argument (repeat for each word)', (v: string, prev: string[]) => [...prev, v], [])
    .option('--json', 'print the summary as JSON on stdout')
    .option('--no-predict', 'do not run and diff the prediction for the same scenario')
    .option('--qemu-cmdline <line>', "boot this whole QEMU command line (program first) with the capture's swtpm, serial console, QMP and a private copy of its variable store substituted")
    .action(async (raw: Record<string, unknown>) => {
      const parsed = CaptureFlags.safeParse(raw);
      if (!parsed.success) throw new UsageError(`capture: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
      const f = parsed.data;
      const dir = resolve(f.out);
      let result: CaptureResult;
      const vm = f.qemuCmdline !== undefined ? await (await import('./capture-vm.ts')).vmCapture(f.qemuCmdline) : undefined;
      const progress = captureProgressDisplay(io);
      const armVirt = vm === undefined && f.code !== undefined && await (await import('./capture-armvirt.ts')).isArmVirtFile(f.code);
      try {
        result = armVirt
          ? await (await import('./capture-armvirt.ts')).captureArmVirt(f, progress.update)
          : await captureBoot({ ...toOptions(f, progress.update), ...(vm?.options ?? {}) });
      } catch (e) {
        progress.stop();
        if (!(e instanceof CaptureError)) throw e;
        if (e.code === 'BAD_OPTIONS' || e.code === 'NOT_BOOTABLE') throw new UsageError(`capture: ${e.message}`, { cause: e });
        if (e.serialLog !== undefined) {
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'serial.log'), e.serialLog, 'latin1');
        }
        throw new CommandFailure(`capture failed (${e.code}): ${e.message}`, { cause: e });
      }
      progress.stop();
      const summary = writeCapture(dir, result);
      const checks = await checkCapture(dir, result);
      if (f.predict && vm !== undefined && 'notModelled' in vm.predict) checks.push({ name: 'prediction = captured log', ok: true, detail: `skipped, not modelled: ${vm.predict.notModelled}` });
      else if (f.predict && armVirt) checks.push(await (await import('./capture-armvirt.ts')).checkArmVirtPrediction(dir, (await import('./capture-armvirt.ts')).armVirtCheckOfFlags(f), result));
      else if (f.predict && vm !== undefined && 'input' in vm.predict && vm.predict.input.machine === 'virt') {
        const v = vm.predict.input;
        const fw = v.firmware.kind === 'pflash' ? v.firmware : undefined;
        const devices = (await import('./virt-devices.ts')).virtBootDevicesOfInput(v);
        checks.push(await (await import('./capture-armvirt.ts')).checkArmVirtPrediction(dir, { code: fw?.code ?? '', vars: fw?.vars ?? '', memoryMiB: v.memoryMiB, cpus: v.cpus, banks: f.banks, virt: v.virt, devices, qemuBootOrder: v.qemuBootOrder }, result));
      }
      else if (f.predict) checks.push(await checkPrediction(dir, f, result, vm !== undefined && 'input' in vm.predict ? vm.predict.input : undefined));
      writeFileSync(join(dir, 'summary.json'), JSON.stringify({ ...summary, checks }, null, 1) + '\n');
      const failed = checks.filter((c) => !c.ok);
      if (f.json) io.out(JSON.stringify({ ...summary, checks }, null, 1) + '\n');
      else {
        io.out(result.noLog !== undefined
          ? `boot stopped at ${result.bootEndReached}; ${result.noLog}: the firmware published no TCG2 event log\n`
          : `boot stopped at ${result.bootEndReached}; ${result.eventCount} events (${result.eventLog.length} bytes at 0x${result.eventLogAddress.toString(16)}), banks ${result.logBanks.join(',')}\n`);
        io.out(`boot ${(result.timings.bootMs / 1000).toFixed(1)} s, total ${(result.timings.totalMs / 1000).toFixed(1)} s; written to ${dir}\n`);
        io.out(checkLines(checks, io.outColor === true));
      }
      setStatus(failed.length === 0 ? EXIT.OK : EXIT.FAILURE);
    });
}
