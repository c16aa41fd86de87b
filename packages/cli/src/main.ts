import { statSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { Tcg2Error } from '@tcg2sim/binary-codec';
import { EXIT, UsageError, CommandFailure } from './errors.ts';
import type { ExitCode } from './errors.ts';
import type { CliIo } from './context.ts';
import { registerCommands } from './commands/index.ts';
import { cannotRead, fileErrorCode, flagNaming } from './files.ts';
import { HELP, valueFlags } from './help.ts';

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  ...(process.stderr.isTTY ? { errTty: process.stderr } : {}),
  // picocolors colours whenever CI is set, pipes included: decide here, from the stream itself.
  outColor: process.stdout.isTTY && process.env['NO_COLOR'] === undefined,
};

/**
 * Runs the tcg2sim CLI on `argv` (process.argv form: node, script, args…) and returns the exit
 * status: 0 success, 1 simulated-boot failure or detected mismatch, 2 bad usage or input.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<ExitCode> {
  let status: ExitCode = EXIT.OK;
  const program = new Command('tcg2sim')
    .description('TPM 2.0 measured boot as EDK II (OVMF) does it: predict event logs and PCRs without booting')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s), outputError: () => undefined })
    .showHelpAfterError(false)
    .configureHelp(HELP);
  await registerCommands(
    program,
    io,
    (s) => {
      status = s;
    },
    argv
  );
  try {
    await program.parseAsync([...argv]);
    return status;
  } catch (err) {
    return reportError(fileError(err, argv, program), io);
  }
}

/**
 * A file a command could not read, as one line naming the flag that named it: commands that
 * read their inputs with plain readFileSync leave Node's error to this.
 */
function fileError(err: unknown, argv: readonly string[], program: Command): unknown {
  if (fileErrorCode(err) === undefined || !(err instanceof Error)) return err;
  // readSync of a directory fails without naming it: the one directory on the command line.
  const path = 'path' in err && typeof err.path === 'string' ? err.path : fileErrorCode(err) === 'EISDIR' ? onlyDirectory(argv.slice(3)) : undefined;
  if (path === undefined) return err;
  const flags = valueFlags(program);
  return cannotRead(flagNaming(argv.slice(2), path, (f) => flags.has(f)), path, err);
}

function onlyDirectory(args: readonly string[]): string | undefined {
  const dirs = args.filter((a) => {
    try {
      return statSync(a).isDirectory();
    } catch {
      return false;
    }
  });
  return dirs.length === 1 ? dirs[0] : undefined;
}

function reportError(err: unknown, io: CliIo): ExitCode {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return EXIT.OK;
    }
    io.err(`tcg2sim: ${err.message.replace(/^error: /, '')}\n`);
    return EXIT.USAGE;
  }
  if (err instanceof CommandFailure) {
    io.err(`tcg2sim: ${err.message}\n`);
    return EXIT.FAILURE;
  }
  if (err instanceof UsageError || err instanceof Tcg2Error) {
    io.err(`tcg2sim: ${err.message}\n`);
    return EXIT.USAGE;
  }
  throw err;
}
