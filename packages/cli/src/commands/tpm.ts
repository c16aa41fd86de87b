/**
 * `tcg2sim tpm run --backend soft|swtpm --interface none|tis|crb --transcript FILE [--json]`:
 * sends each command of FILE (one hex command per line, `#` starts a comment) to a freshly
 * powered-on TPM and prints one line per command: the hex response, or `error KIND: MESSAGE` when
 * the command could not be carried (with --json: `{responses: [hex | {error: {kind, message}}]}`).
 * TPM error responses are output like any other response. A transport error ends only its own
 * command: the firmware driver has already put the interface back (TIS commandReady, CRB goIdle,
 * as Tpm2DeviceLibDTpm does on every exit path) and the next command goes on.
 */
import { readFile } from 'node:fs/promises';
import { Option } from 'commander';
import type { Command } from 'commander';
import { toHex } from '@tcg2sim/binary-codec';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { TpmBackendError } from '@tcg2sim/tpm-backends';
import { ProtocolError } from '@tcg2sim/tpm2-device-lib';
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

/** What became of one command: its response, or why it could not be carried. */
export type RunOutcome = string | { readonly error: { readonly kind: string; readonly message: string } };

/**
 * The `{error}` entry of a command the transport could not carry: `kind` is the driver's
 * ProtocolError code (TIMEOUT_C, BAD_RESPONSE_TAG, …) or the backend's TpmBackendError code
 * (TRANSPORT, TIMEOUT, PROCESS_EXITED, CLOSED, …). Anything else is a bug and is rethrown.
 */
export function transportErrorOutcome(e: unknown): RunOutcome {
  // The CLI's register transport wraps the driver's ProtocolError in a CommandFailure.
  const inner = e instanceof CommandFailure && (e.cause instanceof ProtocolError || e.cause instanceof TpmBackendError) ? e.cause : e;
  if (inner instanceof ProtocolError) return { error: { kind: inner.code, message: inner.message } };
  // TpmBackendError messages start with their code, which `kind` already carries.
  if (inner instanceof TpmBackendError) return { error: { kind: inner.code, message: inner.message.replace(`${inner.code}: `, '') } };
  throw e;
}

const RUN_HELP = `
Output: one line per command: the hex response, or "error KIND: MESSAGE" for a command the
  transport could not carry (a TPM error response is a response, not an error).
JSON (--json): {responses: [hex | {error: {kind, message}}]}, one entry per command. kind is the
  firmware driver's error code (TIMEOUT_A/B/C/D, TIMEOUT_MAX, BAD_RESPONSE_TAG, BAD_RESPONSE_SIZE,
  LOCALITY_LOST, COMMAND_TOO_LARGE, DEVICE_ERROR, NO_DEVICE) or the backend's (TRANSPORT, TIMEOUT,
  PROCESS_EXITED, CLOSED). A transport error does not end the run: Tpm2DeviceLibDTpm leaves the
  interface ready for the next command on every exit path (TIS: commandReady, which aborts a
  half-sent command; CRB: goIdle, then cmdReady before the next one), and the next command is sent.
  Commands shorter than the 10-byte header: no backend delivers fewer than 10 bytes (swtpm's data
  channel cannot frame them; the soft backend refuses them the same way). --interface none: TRANSPORT.
  TIS: the FIFO waits for commandSize bytes (TIMEOUT_C) unless the bytes sent already reach it. CRB:
  commandSize bytes of the buffer are sent, stale bytes of the previous exchange included. Fewer than
  10 bytes reaching the backend get QEMU's fatal error response (tag 0x00C4, TPM_FAIL), which the
  driver refuses (BAD_RESPONSE_TAG).

Exit status: 0 when every command was answered; 1 when the TPM could not be started or at least one
command had a transport error (all commands are still sent and printed); 2 for bad usage or a bad
transcript line.
`;

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
    .option('--json', 'print {responses: [hex | {error: {kind, message}}]}')
    .addHelpText('after', RUN_HELP)
    .action(async (opts: RunOptions) => {
      const commands = parseTranscript(await readFile(opts.transcript, 'utf8'), opts.transcript);
      if (!/^[0-4]$/.test(opts.locality)) throw new UsageError(`--locality must be 0-4, got ${opts.locality}`);
      const tpmDev = await openTpm({
        backend: opts.backend,
        iface: opts.interface,
        locality: Number(opts.locality),
        ...(opts.banks === undefined ? {} : { pcrBanks: opts.banks.split(',').map((s) => s.trim()).filter((s) => s !== '') }),
      });
      const responses: RunOutcome[] = [];
      try {
        for (const c of commands) {
          try {
            responses.push(toHex(await tpmDev.transport.submit(c)));
          } catch (e) {
            responses.push(transportErrorOutcome(e));
          }
        }
      } finally {
        await tpmDev.close();
      }
      const line = (r: RunOutcome): string => (typeof r === 'string' ? r : `error ${r.error.kind}: ${r.error.message}`);
      io.out(opts.json === true ? `${JSON.stringify({ responses })}\n` : responses.map((r) => `${line(r)}\n`).join(''));
      setStatus(responses.every((r) => typeof r === 'string') ? EXIT.OK : EXIT.FAILURE);
    });
}
