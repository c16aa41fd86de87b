/**
 * `captureBoot`: boot real OVMF in QEMU with swtpm attached, stop it at the UEFI Shell, and take
 * the truth out of it: the TCG_2 event log and final events table from guest RAM, the PCRs from
 * the TPM, and the TPM command stream from swtpm's log.
 *
 * Sequence (each step is forced by how QEMU's tpm-emulator backend and swtpm 0.7 work):
 * 1. swtpm with only a control socket: QEMU connects to it and hands swtpm the data channel as a
 *    file descriptor (CMD_SET_DATAFD). swtpm refuses that when it also has a `--server` socket, and
 *    it serves one control client at a time, so nothing else can talk to this TPM while QEMU runs.
 * 2. QEMU boots; the serial console (stdio) is watched for the Shell banner.
 * 3. QMP `stop`, then `pmemsave` of guest RAM in chunks to find the log.
 * 4. QEMU is killed with SIGKILL (a normal quit sends CMD_SHUTDOWN, which ends swtpm and drops the
 *    PCRs). swtpm stays up; its control socket now accepts us: CMD_STORE_VOLATILE writes the PCRs
 *    and the rest of the volatile state to the state directory.
 * 5. A second swtpm on the same state with a data socket: CMD_INIT resumes the saved volatile state,
 *    TPM2_Startup(CLEAR) (TPM_RC_INITIALIZE when the firmware started the TPM; when it never
 *    did, this starts it as an OS would), then TPM2_GetCapability(PCRS) and TPM2_PCR_Read give
 *    the PCRs.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureError } from './errors.ts';
import { Scope } from './processes.ts';
import type { Managed } from './processes.ts';
import { QmpClient } from './qmp.ts';
import { ramRanges, qemuArguments, resolveCaptureOptions, swtpmArguments, swtpmSetupArguments } from './options.ts';
import type { CaptureOptions, CaptureProgress, ResolvedCaptureOptions } from './options.ts';
import { scanGuestMemory } from './memory-scan.ts';
import type { SpecIdCopy } from './memory-scan.ts';
import type { AcpiTableCopy } from '../acpi/acpi-scan.ts';
import { SWTPM_CTRL, readAllPcrs, startupIfNeverStarted, swtpmControl } from './swtpm-client.ts';
import { parseSwtpmLog, tpmCommandStream } from './swtpm-log.ts';
import type { TpmCommandRecord } from './swtpm-log.ts';
import { algorithmName } from './log-scan.ts';
import { Tcg2Error } from '@tcg2sim/binary-codec';
import { decompressMemFvs } from '../sec.ts';
import type { MemoryFv } from '../sec.ts';
import { refuseS3DeadLoop } from '../platform-pei/s3-verification.ts';
import { VmNotBootableError } from '../errors.ts';

/** Wall-clock durations of the steps, in milliseconds. */
export interface CaptureTimings {
  /** swtpm_setup (if banks were chosen) and swtpm start. */
  readonly setupMs: number;
  /** QEMU start until the boot-end marker on the serial console. */
  readonly bootMs: number;
  /** Saving and searching guest RAM. */
  readonly dumpMs: number;
  /** Saving the TPM's volatile state and reading the PCRs back. */
  readonly pcrReadMs: number;
  readonly totalMs: number;
}

/** The truth of one real boot. */
export interface CaptureResult {
  /** The TCG_2 (crypto-agile) log, from the Spec ID event to the end of the last record; empty with `noLog`. */
  readonly eventLog: Uint8Array;
  /** Guest-physical address of the log area (0 with `noLog`). */
  readonly eventLogAddress: number;
  /**
   * Set when guest RAM holds no TCG_2 log (a build without TPM2_ENABLE publishes none): what was
   * searched. The PCRs and the TPM command stream are captured all the same.
   */
  readonly noLog?: string;
  /**
   * True when the firmware never sent TPM2_Startup: the PCRs were read after the capture's own
   * TPM2_Startup(CLEAR) (a TPM not started answers nothing else), at their reset values.
   */
  readonly tpmStartedByCapture?: boolean;
  readonly eventCount: number;
  /** Banks the Spec ID event announces, in its order. */
  readonly logBanks: readonly string[];
  /** EFI_TCG2_FINAL_EVENTS_TABLE (16-byte header + records), when its configuration-table entry was found. */
  readonly finalEvents?: Uint8Array;
  readonly finalEventsAddress?: number;
  /** Where the EFI_CONFIGURATION_TABLE entry pointing at the final events table sits. */
  readonly finalEventsEntryAddress?: number;
  /** ACPI tables found in guest RAM (signature TPM2 and `acpiSignatures`, valid checksum), every copy. */
  readonly acpiTables: readonly AcpiTableCopy[];
  /** Every Spec ID signature seen in RAM (the log itself included). */
  readonly specIdCopies: readonly SpecIdCopy[];
  /** PCRs 0-23 read from the TPM after the boot, per allocated bank, hex by index. */
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Every TPM command of the boot with its response, from swtpm's log. */
  readonly tpmCommandStream?: readonly TpmCommandRecord[];
  /** swtpm's raw log (level 20). */
  readonly swtpmLog: string;
  /** QEMU's tpm_tis_* / tpm_crb_* trace, when asked for. */
  readonly mmioTrace?: string;
  /** Everything the firmware wrote to the serial console. */
  readonly serialLog: string;
  /**
   * QEMU's HMP `info pci` once the boot stopped: the bus numbers, BARs and bridge windows the
   * firmware programmed (what QEMU builds etc/acpi/tables from when the firmware reads it).
   */
  readonly infoPci?: string;
  /**
   * The private copy of the variable store as the firmware left it (pflash only): what a second
   * boot of the same VM would start from.
   */
  readonly varsAfter?: Uint8Array;
  /** The serial-console marker the boot stopped at. */
  readonly bootEndReached: BootEndReached;
  readonly qemuCommandLine: readonly string[];
  readonly swtpmCommandLine: readonly string[];
  readonly options: ResolvedCaptureOptions;
  readonly timings: CaptureTimings;
}

const BANNER_RE = /UEFI Interactive Shell/;
const PROMPT_RE = /Shell> /;
/**
 * BDS gave up (e.g. Secure Boot refused the Shell: "failed to start Boot0002 … Security
 * Violation") and waits for a key forever; nothing more is measured until then.
 */
const NO_BOOT_RE = /Press any key to enter the Boot Manager Menu/;

/** Where the boot stopped. */
export type BootEndReached = 'stop-when' | 'shell-banner' | 'shell-prompt' | 'no-bootable-option';

async function waitForFile(path: string, owner: Managed, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!existsSync(path)) {
    if (owner.hasExited()) throw new CaptureError('SWTPM_ERROR', `${owner.name} exited: ${owner.stderr().trim()}`);
    if (performance.now() > until) throw new CaptureError('SWTPM_ERROR', `${owner.name} did not create ${path} in ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function runToCompletion(scope: Scope, name: string, cmd: string, args: readonly string[]): Promise<void> {
  const m = await scope.start(name, cmd, args);
  const code = await m.exited;
  if (code !== 0) throw new CaptureError('SWTPM_ERROR', `${name} failed (${code}): ${m.stderr().trim()}`);
}

/** Boots QEMU and resolves with the serial output once the boot-end marker appears. */
async function bootToShell(
  scope: Scope,
  o: ResolvedCaptureOptions,
  args: readonly string[],
  progress: (p: Omit<CaptureProgress, 'elapsedSeconds'>) => void
): Promise<{ qemu: Managed; serial: () => string; reached: BootEndReached }> {
  const qemu = await scope.start('qemu', o.qemuBinary, args, ['ignore', 'pipe', 'pipe']);
  let serial = '';
  qemu.child.stdout?.setEncoding('latin1');
  qemu.child.stdout?.on('data', (d: string) => {
    if (serial.length < 16_000_000) serial += d;
  });
  const marker = o.bootEnd === 'shell-prompt' ? PROMPT_RE : BANNER_RE;
  const until = performance.now() + o.timeoutSeconds * 1000;
  let lastTick = 0;
  for (;;) {
    if (o.stopWhen !== undefined && serial.includes(o.stopWhen)) return { qemu, serial: () => serial, reached: 'stop-when' };
    if (marker.test(serial)) return { qemu, serial: () => serial, reached: o.bootEnd };
    if (NO_BOOT_RE.test(serial)) return { qemu, serial: () => serial, reached: 'no-bootable-option' };
    if (scope.interrupted) throw new CaptureError('INTERRUPTED', `interrupted by ${scope.interrupted}`);
    if (qemu.hasExited()) {
      throw new CaptureError('QEMU_EXITED', `QEMU exited before the UEFI Shell: ${qemu.stderr().trim() || '(no message)'}`, { serialLog: serial });
    }
    const now = performance.now();
    if (now > until) {
      throw new CaptureError('TIMEOUT', `no UEFI Shell after ${o.timeoutSeconds} s (${serial.length} bytes of serial output)`, { serialLog: serial });
    }
    if (now - lastTick >= 1000) {
      lastTick = now;
      progress({ phase: 'boot', serialBytes: serial.length, message: `booting (${serial.length} bytes of serial output)` });
    }
    await sleep(50);
  }
}

/**
 * A VM the image never boots is refused before anything starts, rather than left to time out:
 * an X64-PEI SMM build before edk2-stable202308 on a VM that offers S3 spins in PlatformPei's
 * S3Verification (platform-pei/s3-verification.ts). An image SEC cannot read (not OVMF, or
 * damaged) is left to the boot.
 * @throws CaptureError('NOT_BOOTABLE')
 */
function refuseUnbootable(o: ResolvedCaptureOptions): void {
  if (!o.s3) return;
  let peiFv: MemoryFv;
  try {
    peiFv = decompressMemFvs(new Uint8Array(readFileSync(o.firmware.kind === 'pflash' ? o.firmware.code : o.firmware.bios))).peiFv;
  } catch (e) {
    if (e instanceof Tcg2Error) return; // SecError (not OVMF: AAVMF) or a volume that does not parse
    throw e;
  }
  try {
    refuseS3DeadLoop(peiFv, true);
  } catch (e) {
    if (e instanceof VmNotBootableError) throw new CaptureError('NOT_BOOTABLE', `${o.firmware.kind === 'pflash' ? o.firmware.code : o.firmware.bios}: ${e.message}${o.qemuArgumentsFor === undefined ? '; capture it with s3: false (tcg2sim capture --no-s3)' : ''}`, { cause: e });
    throw e;
  }
}

/**
 * Boots the firmware described by `options` to the UEFI Shell and captures its event log, PCRs and
 * TPM command stream. Every process and temporary file is cleaned up on every exit path.
 * @throws CaptureError with a code naming the step that failed.
 */
export async function captureBoot(options: CaptureOptions): Promise<CaptureResult> {
  const o = resolveCaptureOptions(options);
  refuseUnbootable(o);
  const t0 = performance.now();
  const progress = (p: Omit<CaptureProgress, 'elapsedSeconds'>): void => {
    options.onProgress?.({ ...p, elapsedSeconds: (performance.now() - t0) / 1000 });
  };
  const scope = new Scope();
  try {
    const state = scope.path('tpm-state');
    mkdirSync(state);
    const paths = { varsCopy: scope.path('vars.fd'), swtpmCtrl: scope.path('swtpm-ctrl.sock'), qmp: scope.path('qmp.sock'), trace: scope.path('trace.log') };
    if (o.firmware.kind === 'pflash') copyFileSync(o.firmware.vars, paths.varsCopy);

    progress({ phase: 'setup', message: o.banks ? `swtpm_setup --pcr-banks ${o.banks.join(',')}` : 'starting swtpm (fresh state, all banks)' });
    if (o.banks) await runToCompletion(scope, 'swtpm_setup', o.swtpmSetupBinary, swtpmSetupArguments(state, o.banks));
    const swtpmLogPath = scope.path('swtpm.log');
    const swtpmArgs = swtpmArguments(state, paths.swtpmCtrl, swtpmLogPath);
    const swtpm = await scope.start('swtpm', o.swtpmBinary, swtpmArgs);
    await waitForFile(paths.swtpmCtrl, swtpm, 5_000);
    const t1 = performance.now();

    progress({ phase: 'boot', message: 'booting QEMU' });
    const qemuArgs = o.qemuArgumentsFor !== undefined ? [...o.qemuArgumentsFor(paths)] : qemuArguments(o, paths);
    const { qemu, serial, reached } = await bootToShell(scope, o, qemuArgs, progress);
    const t2 = performance.now();

    progress({ phase: 'dump', message: `boot stopped at ${reached}; saving guest RAM` });
    const qmp = await QmpClient.connect(paths.qmp);
    let scan;
    let infoPci: string | undefined;
    try {
      await qmp.execute('stop');
      // a record only: a QEMU without the HMP passthrough still gives a capture
      const hmp = await qmp.execute('human-monitor-command', { 'command-line': 'info pci' }).catch(() => undefined);
      if (typeof hmp === 'string') infoPci = hmp;
      if (o.saveLowRamTo !== undefined) await qmp.execute('pmemsave', { val: 0, size: ramRanges(o.machine, o.memoryMiB)[0]?.[1] ?? 0, filename: o.saveLowRamTo });
      scan = await scanGuestMemory(qmp, o.guestRam ?? ramRanges(o.machine, o.memoryMiB), scope.path('ram.bin'), o.scanAllMemory, o.acpiSignatures);
    } finally {
      qmp.close();
    }
    const t3 = performance.now();

    progress({ phase: 'pcrs', message: 'reading PCRs from swtpm' });
    await scope.stop(qemu, 'SIGKILL');
    const varsAfter = o.firmware.kind === 'pflash' ? new Uint8Array(readFileSync(paths.varsCopy)) : undefined;
    await swtpmControl(paths.swtpmCtrl, SWTPM_CTRL.STORE_VOLATILE);
    await scope.stop(swtpm, 'SIGTERM');
    const swtpmLog = readFileSync(swtpmLogPath, 'latin1');
    const dataPath = scope.path('swtpm2-data.sock');
    const ctrl2 = scope.path('swtpm2-ctrl.sock');
    const reader = await scope.start('swtpm (PCR read)', o.swtpmBinary, [
      'socket', '--tpm2', '--tpmstate', `dir=${state}`,
      '--ctrl', `type=unixio,path=${ctrl2}`, '--server', `type=unixio,path=${dataPath}`,
    ]);
    await waitForFile(ctrl2, reader, 5_000);
    await waitForFile(dataPath, reader, 5_000);
    // CMD_INIT with flags 0 resumes the volatile state stored above (PCRs included).
    await swtpmControl(ctrl2, SWTPM_CTRL.INIT, new Uint8Array(4));
    const tpmStartedByCapture = await startupIfNeverStarted(dataPath);
    const pcrs = await readAllPcrs(dataPath);
    await scope.stop(reader, 'SIGTERM');
    const t4 = performance.now();

    const mmioTrace = o.traceMmio && existsSync(paths.trace) ? readFileSync(paths.trace, 'latin1') : undefined;
    const log = scan.log;
    progress({ phase: 'done', message: log === undefined ? 'no TCG_2 event log in guest RAM' : `captured ${log.extent.eventCount} events` });
    return {
      eventLog: log?.eventLog ?? new Uint8Array(),
      eventLogAddress: log?.eventLogAddress ?? 0,
      ...(log === undefined ? { noLog: scan.noLog ?? 'no TCG_2 event log in guest RAM' } : {}),
      ...(tpmStartedByCapture ? { tpmStartedByCapture } : {}),
      eventCount: log?.extent.eventCount ?? 0,
      logBanks: log?.specId.digestSizes.map((a) => algorithmName(a.algorithmId)) ?? [],
      ...(log?.finalEvents ? { finalEvents: log.finalEvents } : {}),
      ...(log?.finalEventsAddress !== undefined ? { finalEventsAddress: log.finalEventsAddress } : {}),
      ...(log?.finalEventsEntryAddress !== undefined ? { finalEventsEntryAddress: log.finalEventsEntryAddress } : {}),
      specIdCopies: scan.copies,
      acpiTables: scan.acpiTables,
      pcrs,
      tpmCommandStream: tpmCommandStream(parseSwtpmLog(swtpmLog)),
      swtpmLog,
      ...(mmioTrace !== undefined ? { mmioTrace } : {}),
      serialLog: serial(),
      ...(infoPci !== undefined ? { infoPci } : {}),
      ...(varsAfter ? { varsAfter } : {}),
      bootEndReached: reached,
      qemuCommandLine: [o.qemuBinary, ...qemuArgs],
      swtpmCommandLine: [o.swtpmBinary, ...swtpmArgs],
      options: o,
      timings: { setupMs: t1 - t0, bootMs: t2 - t1, dumpMs: t3 - t2, pcrReadMs: t4 - t3, totalMs: t4 - t0 },
    };
  } finally {
    await scope.close();
  }
}
