import type { ExitCode } from './errors.ts';

/** Where a command writes, so tests can run commands in-process and capture the output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** stderr when it is a terminal (progress displays redraw there); absent otherwise. */
  readonly errTty?: NodeJS.WritableStream;
}

/** A command's action: returns the exit status. Throwing UsageError/DecodeError gives 2. */
export type CommandAction = (io: CliIo) => Promise<ExitCode>;
