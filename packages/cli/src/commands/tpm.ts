/**
 * `tcg2sim tpm run --backend soft|swtpm --interface none|tis|crb --transcript FILE [--json]`:
 * sends each command of FILE (one hex command per line, `#` starts a comment) to a freshly
 * powered-on TPM and prints one hex response per line (or, with --json, a JSON array of hex
 * strings). TPM error responses are output like any other response; exit status 1 only when the
 * TPM could not be reached.
 */
import { readFile } from 'node:fs/promises';
import { Option } from 'commander';
import type { Command } from 'commander';
import { toHex } from '@tcg2sim/binary-codec';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { TpmBackendError } from '@tcg2sim/tpm-backends';
import { CommandFailure, EXIT, UsageError } from '../errors.ts';
import { BACKEND_KINDS, INTERFACE_KINDS, openTpm } from '../transport.ts';
import type { BackendKind, InterfaceKind } from '../transport.ts';

/** Largest command accepted from a transcript file (bytes). */
const MAX_COMMAND = 1 << 16;

/**
 * Parses a transcript file: one hex command per line, `#` to end of line is a comment, blank
 * lines ignored, whitespace inside a command allowed.
 * @throws UsageError naming the file and line of a bad command
 */
export function parseTranscript(text: string, file: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const hex = line.replace(/#.*$/, '').replace(/\s+/g, '');
    if (hex === '') return;
    if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) throw new UsageError(`${file}:${i + 1}: not a hex command`);
    if (hex.length / 2 > MAX_COMMAND) throw new UsageError(`${file}:${i + 1}: command longer than ${MAX_COMMAND} bytes`);
    out.push(Uint8Array.from(Buffer.from(hex, 'hex')));
  });
  return out;
}

interface RunOptions {
  readonly backend: BackendKind;
  readonly interface: InterfaceKind;
  readonly transcript: string;
  readonly json?: boolean;
  readonly locality: string;
  readonly banks?: string;
}

/** Registers `tcg2sim tpm` and its subcommands. */
export function registerTpm(program: Command, io: CliIo, setStatus: SetStatus): void {
  const tpm = program.command('tpm').description('talk to a TPM (soft or swtpm) directly');
  tpm
    .command('run')
    .description('send the hex commands of a transcript file to a fresh TPM and print the responses')
    .addOption(new Option('--backend <kind>', 'TPM backend').choices(BACKEND_KINDS).default('soft'))
    .addOption(new Option('--interface <kind>', 'register interface in front of the TPM').choices(INTERFACE_KINDS).default('none'))
    .requiredOption('--transcript <file>', 'file with one hex command per line (# comments)')
    .option('--locality <n>', 'locality to send the commands at (0-4)', '0')
    .option('--banks <list>', 'PCR banks to activate, e.g. sha256,sha384 (swtpm)')
    .option('--json', 'print a JSON array of hex responses')
    .action(async (opts: RunOptions) => {
      const commands = parseTranscript(await readFile(opts.transcript, 'utf8'), opts.transcript);
      if (!/^[0-4]$/.test(opts.locality)) throw new UsageError(`--locality must be 0-4, got ${opts.locality}`);
      const tpmDev = await openTpm({
        backend: opts.backend,
        iface: opts.interface,
        locality: Number(opts.locality),
        ...(opts.banks === undefined ? {} : { pcrBanks: opts.banks.split(',').map((s) => s.trim()).filter((s) => s !== '') }),
      });
      const responses: string[] = [];
      try {
        for (const c of commands) responses.push(toHex(await tpmDev.transport.submit(c)));
      } catch (e) {
        if (e instanceof TpmBackendError) throw new CommandFailure(`${opts.backend} TPM: ${e.message}`, { cause: e });
        throw e;
      } finally {
        await tpmDev.close();
      }
      io.out(opts.json === true ? `${JSON.stringify(responses)}\n` : responses.map((r) => `${r}\n`).join(''));
      setStatus(EXIT.OK);
    });
}
