import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SecOutput } from '@tcg2sim/platform-ovmf';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { UsageError } from '../errors.ts';

/** The flags of `tcg2sim predict`. */
export interface PredictOptions {
  readonly code?: string;
  readonly vars?: string;
  readonly bios?: string;
  readonly machine?: string;
  readonly memory?: string;
  readonly cpus?: string;
  readonly smm?: boolean;
  readonly tpmInterface?: string;
  readonly tpm?: string;
  readonly banks?: string;
  readonly disk?: string;
  readonly nic?: string[];
  readonly optionRomDir?: string;
  readonly imageBufferAddress?: string;
  readonly scenario?: string;
  readonly logOut?: string;
  readonly tcg2Config?: string;
  readonly tpmAutoDetection?: boolean;
  readonly json?: boolean;
  readonly yaml?: boolean;
}

/** A firmware image read, and its SEC decompression started, before the simulator is loaded. */
export interface EarlyFirmware {
  /** The path as given on the command line. */
  readonly path: string;
  readonly bytes: Uint8Array;
  /** decompressMemFvsAsync(bytes): the LZMA decoding runs on libuv's thread pool. */
  readonly sec: Promise<SecOutput>;
}

/**
 * Most of the time of `predict` on a real image goes to decoding FVMAIN_COMPACT (LZMA, ~13 MiB)
 * and to loading the simulator's code. They do not depend on each other: when the image is named
 * on the command line (--bios or --code, no --scenario file), it is read and its decoding started
 * on the thread pool first (only SEC's modules are loaded for that), then the rest of the code
 * loads meanwhile. runPredict uses this work only if the scenario names the same file; a file
 * that cannot be read is left for runPredict to report.
 */
async function startEarly(o: PredictOptions): Promise<EarlyFirmware | undefined> {
  if (o.scenario !== undefined) return undefined;
  const path = o.bios ?? o.code;
  if (path === undefined) return undefined;
  const fromBin = takeBinEarly(path);
  if (fromBin !== undefined) {
    const [{ decompressMemFvsAsync }, { adoptLzmaDecode }] = await Promise.all([import('@tcg2sim/platform-ovmf/sec'), import('@tcg2sim/uefi/fv')]);
    adoptLzmaDecode(fromBin.data, fromBin.out);
    const sec = decompressMemFvsAsync(fromBin.image);
    sec.catch(() => undefined);
    return { path, bytes: fromBin.image, sec };
  }
  // The file is read on the thread pool while SEC's modules load.
  const [file, { decompressMemFvsAsync }] = await Promise.all([readFile(path).catch(() => undefined), import('@tcg2sim/platform-ovmf/sec')]);
  if (file === undefined) return undefined;
  // A plain Uint8Array over the file's own memory (readFile allocates it for this file alone).
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const sec = decompressMemFvsAsync(bytes);
  sec.catch(() => undefined); // settled by simulateBoot, or dropped when the scenario is rejected
  return { path, bytes, sec };
}

/** What bin/tcg2sim.js read and started before the CLI loaded (its startEarlyDecode). */
interface BinEarly {
  readonly path: string;
  readonly image: Uint8Array;
  /** The LZMA section data inside `image` whose decoding `out` is. */
  readonly data: Uint8Array;
  readonly out: Promise<Uint8Array>;
}

const BIN_EARLY = Symbol.for('tcg2sim.earlyFirmware');

/** The bin's early read and decode of `path` (taken once), if it started one for this path. */
function takeBinEarly(path: string): BinEarly | undefined {
  const g = globalThis as { [BIN_EARLY]?: BinEarly | undefined };
  const e = g[BIN_EARLY];
  g[BIN_EARLY] = undefined; // taken once: the image is not kept alive by the global
  if (e?.path !== path || !(e.image instanceof Uint8Array) || !(e.data instanceof Uint8Array) || e.data.buffer !== e.image.buffer) return undefined;
  return e;
}

/** `tcg2sim predict`: simulate a measured boot and print its event log and PCRs. */
export function registerPredict(program: Command, io: CliIo, setStatus: SetStatus): void {
  program
    .command('predict')
    .description('simulate a measured boot of OVMF and predict its event log and PCRs (default: the embedded firmware)')
    .option('--code <file>', 'OVMF_CODE*.fd (with --vars)')
    .option('--vars <file>', 'OVMF_VARS*.fd variable store (read only)')
    .option('--bios <file>', 'a combined OVMF.fd image')
    .option('--machine <type>', 'QEMU machine: q35 or pc (default q35)')
    .option('--memory <MiB>', 'guest RAM in MiB (default 512)')
    .option('--cpus <n>', 'vCPUs (default 1)')
    .option('--smm', 'machine with SMM (-machine q35,smm=on), needed by SMM builds')
    .option('--tpm-interface <kind>', 'tis or crb (default tis)')
    .option('--tpm <backend>', 'soft (in-process) or swtpm (default soft)')
    .option('--image-buffer-address <addr>', "EFI_IMAGE_LOAD_EVENT ImageLocationInMemory (DXE allocator state; default: the per-build calibration)")
    .option('--banks <list>', 'PCR banks the TPM has active, e.g. sha256 or sha1,sha256 (default all four)')
    .option('--disk <file>', 'a raw GPT disk image attached as -drive if=virtio,format=raw: BDS boots its \\EFI\\BOOT\\BOOTX64.EFI')
    .option('--nic <model>', 'a NIC (-netdev user -device MODEL): virtio-net-pci, e1000 or e1000e; repeat for more', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--option-rom-dir <dir>', "where the NICs' option ROM files are (default: QEMU's data directories)")
    .option('--scenario <file>', 'a JSON or YAML scenario; flags override its fields')
    .option('--log-out <file>', 'write the binary event log (crypto-agile) to FILE')
    .option('--tcg2-config <variant>', "Tcg2ConfigPei: ovmf (Debian's image, default) or generic (SecurityPkg's, reads TCG2_CONFIGURATION from --vars)")
    .option('--no-tpm-auto-detection', 'generic Tcg2ConfigPei with PcdTpmAutoDetection FALSE (the variable alone selects the TPM)')
    .option('--json', 'JSON output: pcrs, tpmPcrs, events')
    .option('--yaml', 'YAML output in tpm2_eventlog layout')
    .action(async (o: PredictOptions) => {
      if (o.json === true && o.yaml === true) throw new UsageError('--json and --yaml are exclusive');
      const early = await startEarly(o);
      const { runPredict } = await import('./predict-run.ts');
      await runPredict(o, io, setStatus, early);
    });
}
