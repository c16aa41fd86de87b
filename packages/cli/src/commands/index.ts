import type { Command } from 'commander';
import type { CliIo } from '../context.ts';
import type { ExitCode } from '../errors.ts';
import { registerPredict } from './predict.ts';
import { registerEventlog } from './eventlog.ts';
import { registerFv } from './fv.ts';
import { registerVars } from './vars.ts';
import { registerTpm } from './tpm.ts';
import { registerCapture } from './capture.ts';

/** Sets the process exit status from a command action. */
export type SetStatus = (s: ExitCode) => void;

/** Adds every subcommand to `program`. Each command lives in its own module. */
export function registerCommands(program: Command, io: CliIo, setStatus: SetStatus): void {
  registerPredict(program, io, setStatus);
  registerEventlog(program, io, setStatus);
  registerFv(program, io, setStatus);
  registerVars(program, io, setStatus);
  registerTpm(program, io, setStatus);
  registerCapture(program, io, setStatus);
}
