import type { Command } from 'commander';
import type { CliIo } from '../context.ts';
import type { ExitCode } from '../errors.ts';

/** Sets the process exit status from a command action. */
export type SetStatus = (s: ExitCode) => void;

type Register = (program: Command, io: CliIo, setStatus: SetStatus) => void;

/**
 * Each command in its own module, loaded only when it runs: a command pays for the packages it
 * uses, not for every other command's (the CLI's start-up time is part of every benchmark).
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  predict: async () => (await import('./predict.ts')).registerPredict,
  eventlog: async () => (await import('./eventlog.ts')).registerEventlog,
  fv: async () => (await import('./fv.ts')).registerFv,
  vars: async () => (await import('./vars.ts')).registerVars,
  tpm: async () => (await import('./tpm.ts')).registerTpm,
  capture: async () => (await import('./capture.ts')).registerCapture,
  acpi: async () => (await import('./acpi.ts')).registerAcpi,
  config: async () => (await import('./config.ts')).registerConfig,
  pe: async () => (await import('./pe.ts')).registerPe,
  verify: async () => (await import('./verify.ts')).registerVerify,
};

/**
 * Adds the subcommands to `program`: only the one named in `argv` when there is one, else all
 * of them (for `--help`, `help` and usage errors).
 */
export async function registerCommands(program: Command, io: CliIo, setStatus: SetStatus, argv: readonly string[]): Promise<void> {
  const name = argv[2];
  const loader = name === undefined ? undefined : COMMANDS[name];
  const selected = loader === undefined ? Object.values(COMMANDS) : [loader];
  for (const load of selected) (await load())(program, io, setStatus);
}
