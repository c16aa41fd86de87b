/**
 * What to boot for a capture, and the QEMU / swtpm command lines that boot it. Pure functions:
 * nothing here starts a process.
 */
import { existsSync } from 'node:fs';
import { hashAlgByName } from '@tcg2sim/hash-lib';
import type { BankName } from '@tcg2sim/hash-lib';
import { CaptureError } from './errors.ts';
import { MachineDescription, ramLayout } from '../machine.ts';
import { DISK_INTERFACES, diskQemuArguments } from '../boot/disk-interfaces.ts';
import type { DiskInterface } from '../boot/disk-interfaces.ts';

/** A raw disk image to attach, and how (see diskQemuArguments). */
export interface CaptureDisk {
  readonly file: string;
  /** Default virtio. */
  readonly iface?: DiskInterface;
}

/** Progress of a running capture, for a CLI progress display. */
export interface CaptureProgress {
  readonly phase: 'setup' | 'boot' | 'dump' | 'pcrs' | 'done';
  /** Seconds since the capture started. */
  readonly elapsedSeconds: number;
  /** Bytes of serial output so far (boot phase). */
  readonly serialBytes?: number;
  /** A short human-readable line. */
  readonly message: string;
}

/** Where the boot counts as finished: the Shell's banner (all measurements are done) or its prompt. */
export type BootEndMarker = 'shell-banner' | 'shell-prompt';

/** One real-firmware boot to capture. Either `code` (+ `vars`) for pflash, or `bios`. */
export interface CaptureOptions {
  /** OVMF_CODE*.fd, mapped read-only as the first pflash unit. */
  readonly code?: string;
  /** OVMF_VARS*.fd template; a private copy is the second pflash unit (the file itself is never written). */
  readonly vars?: string;
  /** A combined OVMF.fd passed with `-bios` (variables are then emulated in RAM). */
  readonly bios?: string;
  readonly machine?: 'q35' | 'pc';
  /** `-machine …,smm=on` plus the secure pflash property (needed by the *.secboot.fd images). */
  readonly smm?: boolean;
  /**
   * Whether QEMU offers S3 (default true). false: `-global ICH9-LPC.disable_s3=1` (q35) or
   * `PIIX4_PM.disable_s3=1` (pc), which X64-PEI SMM builds before edk2-stable202308 need. With
   * `qemuArgumentsFor`: whether that command line offers S3 (the up-front check of the image).
   */
  readonly s3?: boolean;
  readonly memoryMiB?: number;
  readonly cpus?: number;
  readonly tpmInterface?: 'tis' | 'crb';
  /**
   * PCR banks the swtpm has allocated. Absent: a fresh libtpms state, which allocates all of
   * sha1, sha256, sha384 and sha512. Present: the state is made with `swtpm_setup --pcr-banks`.
   */
  readonly banks?: readonly BankName[];
  /** Give up after this many seconds of booting (default 180). */
  readonly timeoutSeconds?: number;
  readonly bootEnd?: BootEndMarker;
  /**
   * Serial-console text that also ends the boot (checked before the Shell markers), for boots that
   * never reach the Shell, e.g. a boot loader from `extraQemuArgs` disk that prints its own banner.
   */
  readonly stopWhen?: string;
  /** Also record QEMU's tpm_tis_* / tpm_crb_* register trace. */
  readonly traceMmio?: boolean;
  /** Scan all guest RAM and report every Spec ID copy, instead of stopping at the first good log. */
  readonly scanAllMemory?: boolean;
  /** Also save guest RAM below 4 GiB, as it is when the boot stops, to this file (for dxe-ram-walk.ts). */
  readonly saveLowRamTo?: string;
  /** ACPI table signatures to find in guest RAM besides the default TPM2 (e.g. `SSDT`, `DSDT`). */
  readonly acpiSignatures?: readonly string[];
  readonly qemuBinary?: string;
  readonly swtpmBinary?: string;
  readonly swtpmSetupBinary?: string;
  /**
   * Raw disk images attached the way predict models them (`--disk FILE --disk-interface …`),
   * before `extraQemuArgs`; the files are not written (QEMU's snapshot=on).
   */
  readonly disks?: readonly CaptureDisk[];
  /** Appended to the QEMU command line as they are. */
  readonly extraQemuArgs?: readonly string[];
  /**
   * The whole QEMU command line (without the binary) instead of the one built from these
   * options, given the capture's paths: it must attach the TPM to `swtpmCtrl`, put the serial
   * console on stdio, QMP on `qmp` and pflash unit 1 on `varsCopy`; `machine`, `memoryMiB` and
   * the firmware files given here must be the ones it boots (`tcg2sim capture --qemu-cmdline`).
   */
  readonly qemuArgumentsFor?: (p: CapturePaths) => readonly string[];
  /**
   * Guest-physical RAM ranges [start, end) to search for the log, for a machine other than q35/pc
   * booted through `qemuArgumentsFor` (e.g. Arm `virt`: RAM from 1 GiB); default {@link ramRanges}.
   */
  readonly guestRam?: ReadonlyArray<readonly [number, number]>;
  /** Called at each step and about once a second while booting. */
  readonly onProgress?: (p: CaptureProgress) => void;
}

/** {@link CaptureOptions} with every default filled in and the files checked. */
export interface ResolvedCaptureOptions {
  readonly firmware: { readonly kind: 'pflash'; readonly code: string; readonly vars: string } | { readonly kind: 'bios'; readonly bios: string };
  readonly machine: 'q35' | 'pc';
  readonly smm: boolean;
  readonly s3: boolean;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly tpmInterface: 'tis' | 'crb';
  readonly banks: readonly BankName[] | undefined;
  readonly timeoutSeconds: number;
  readonly bootEnd: BootEndMarker;
  readonly stopWhen: string | undefined;
  readonly traceMmio: boolean;
  readonly scanAllMemory: boolean;
  readonly saveLowRamTo: string | undefined;
  /** Always starts with TPM2. */
  readonly acpiSignatures: readonly string[];
  readonly qemuBinary: string;
  readonly swtpmBinary: string;
  readonly swtpmSetupBinary: string;
  readonly disks: readonly { readonly file: string; readonly iface: DiskInterface }[];
  readonly extraQemuArgs: readonly string[];
  readonly qemuArgumentsFor: ((p: CapturePaths) => readonly string[]) | undefined;
  readonly guestRam: ReadonlyArray<readonly [number, number]> | undefined;
}

function positiveInt(v: number, what: string, max: number): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new CaptureError('BAD_OPTIONS', `${what} must be an integer in 1..${max}, got ${v}`);
  return v;
}

/** QEMU accepts less, but OVMF needs well over 64 MiB; 128 MiB is also the machine model's floor. */
function memory(mib: number): number {
  if (!Number.isInteger(mib) || mib < 128 || mib > 1 << 24) throw new CaptureError('BAD_OPTIONS', `memory must be an integer number of MiB in 128..${1 << 24}, got ${mib}`);
  return mib;
}

function file(path: string, what: string): string {
  if (!existsSync(path)) throw new CaptureError('BAD_OPTIONS', `${what} ${path} does not exist`);
  return path;
}

function acpiSignatures(extra: readonly string[]): string[] {
  for (const s of extra) if (!/^[\x20-\x7e]{4}$/.test(s)) throw new CaptureError('BAD_OPTIONS', `ACPI signature must be 4 printable characters, got ${JSON.stringify(s)}`);
  return [...new Set(['TPM2', ...extra])];
}

/**
 * Fills in defaults (q35, 512 MiB, 1 CPU, tpm-tis, all banks, 180 s) and checks the combination.
 * @throws CaptureError('BAD_OPTIONS')
 */
export function resolveCaptureOptions(o: CaptureOptions): ResolvedCaptureOptions {
  let firmware: ResolvedCaptureOptions['firmware'];
  if (o.bios !== undefined) {
    if (o.code !== undefined || o.vars !== undefined) throw new CaptureError('BAD_OPTIONS', 'give either --bios or --code/--vars, not both');
    firmware = { kind: 'bios', bios: file(o.bios, 'firmware') };
  } else {
    if (o.code === undefined || o.vars === undefined) throw new CaptureError('BAD_OPTIONS', 'give --code and --vars (or --bios)');
    firmware = { kind: 'pflash', code: file(o.code, 'code image'), vars: file(o.vars, 'variable store') };
  }
  const machine = o.machine ?? 'q35';
  const smm = o.smm ?? false;
  if (smm && machine !== 'q35') throw new CaptureError('BAD_OPTIONS', 'SMM (secure pflash) needs the q35 machine');
  if (smm && firmware.kind === 'bios') throw new CaptureError('BAD_OPTIONS', 'SMM needs pflash (--code/--vars), not --bios');
  if (o.banks !== undefined) {
    if (o.banks.length === 0) throw new CaptureError('BAD_OPTIONS', 'at least one PCR bank must be active');
    for (const b of o.banks) if (!hashAlgByName(b) || b === 'sm3_256') throw new CaptureError('BAD_OPTIONS', `swtpm has no PCR bank ${b}`);
  }
  const tpmInterface = o.tpmInterface ?? 'tis';
  return {
    firmware,
    machine,
    smm,
    s3: o.s3 ?? true,
    memoryMiB: memory(o.memoryMiB ?? 512),
    cpus: positiveInt(o.cpus ?? 1, 'CPU count', 288),
    tpmInterface,
    banks: o.banks,
    timeoutSeconds: positiveInt(o.timeoutSeconds ?? 180, 'timeout (s)', 86_400),
    bootEnd: o.bootEnd ?? 'shell-banner',
    stopWhen: o.stopWhen === '' ? undefined : o.stopWhen,
    traceMmio: o.traceMmio ?? false,
    scanAllMemory: o.scanAllMemory ?? false,
    saveLowRamTo: o.saveLowRamTo === '' ? undefined : o.saveLowRamTo,
    acpiSignatures: acpiSignatures(o.acpiSignatures ?? []),
    qemuBinary: o.qemuBinary ?? 'qemu-system-x86_64',
    swtpmBinary: o.swtpmBinary ?? 'swtpm',
    swtpmSetupBinary: o.swtpmSetupBinary ?? 'swtpm_setup',
    disks: (o.disks ?? []).map((d) => {
      const iface = d.iface ?? 'virtio';
      if (!(DISK_INTERFACES as readonly string[]).includes(iface)) throw new CaptureError('BAD_OPTIONS', `disk interface must be one of ${DISK_INTERFACES.join(', ')}, got ${iface}`);
      return { file: file(d.file, 'disk image'), iface };
    }),
    extraQemuArgs: o.extraQemuArgs ?? [],
    qemuArgumentsFor: o.qemuArgumentsFor,
    guestRam: o.guestRam,
  };
}

/** Paths of the sockets and files a capture run uses. */
export interface CapturePaths {
  readonly varsCopy: string;
  readonly swtpmCtrl: string;
  readonly qmp: string;
  readonly trace: string;
}

/** The QEMU command line (without the binary) for `o`. */
export function qemuArguments(o: ResolvedCaptureOptions, p: CapturePaths): string[] {
  const args = ['-machine', o.smm ? `${o.machine},smm=on` : o.machine, '-m', String(o.memoryMiB), '-smp', String(o.cpus)];
  if (o.smm) args.push('-global', 'driver=cfi.pflash01,property=secure,value=on');
  if (!o.s3) args.push('-global', `${o.machine === 'q35' ? 'ICH9-LPC' : 'PIIX4_PM'}.disable_s3=1`);
  if (o.firmware.kind === 'pflash') {
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${o.firmware.code}`);
    args.push('-drive', `if=pflash,format=raw,unit=1,file=${p.varsCopy}`);
  } else {
    args.push('-bios', o.firmware.bios);
  }
  args.push(
    '-chardev', `socket,id=chrtpm,path=${p.swtpmCtrl}`,
    '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm',
    '-device', `${o.tpmInterface === 'crb' ? 'tpm-crb' : 'tpm-tis'},tpmdev=tpm0`,
    // No NIC: its iPXE option ROM would add a PCR2 driver event. The default CD-ROM stays, as in
    // the reference boot (docs/edk2-dxe.md §12: Boot0001 is the DVD-ROM).
    '-net', 'none',
    '-display', 'none',
    '-monitor', 'none',
    '-serial', 'stdio',
    '-qmp', `unix:${p.qmp},server=on,wait=off`
  );
  if (o.traceMmio) args.push('-trace', `enable=tpm_${o.tpmInterface}_*,file=${p.trace}`);
  args.push(...diskQemuArguments(o.machine, o.disks), ...o.extraQemuArgs);
  return args;
}

/** The swtpm command line (without the binary) that QEMU's tpm-emulator backend attaches to. */
export function swtpmArguments(stateDir: string, ctrlPath: string, logPath: string): string[] {
  return [
    'socket', '--tpm2',
    '--tpmstate', `dir=${stateDir}`,
    '--ctrl', `type=unixio,path=${ctrlPath}`,
    '--log', `file=${logPath},level=20`,
  ];
}

/** The swtpm_setup command line that makes a TPM 2.0 state with only `banks` allocated. */
export function swtpmSetupArguments(stateDir: string, banks: readonly BankName[]): string[] {
  return ['--tpm2', '--tpm-state', stateDir, '--pcr-banks', banks.join(','), '--overwrite'];
}

/**
 * Guest-physical RAM ranges [start, end) for `memoryMiB` on `machine`: the RAM below the 32-bit PCI
 * hole from 0, the rest from 4 GiB (QEMU 7.2's split, {@link ramLayout}).
 */
export function ramRanges(machine: 'q35' | 'pc', memoryMiB: number): Array<readonly [number, number]> {
  const layout = ramLayout(MachineDescription.parse({ machine, memoryMiB }));
  const out: Array<readonly [number, number]> = [[0, layout.belowFourG]];
  if (layout.aboveFourG > 0n) out.push([0x100000000, 0x100000000 + Number(layout.aboveFourG)]);
  return out;
}
