import type { ExitCode } from './errors.ts';

/** Where a command writes, so tests can run commands in-process and capture the output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** stderr when it is a terminal (progress displays redraw there); absent otherwise. */
  readonly errTty?: NodeJS.WritableStream;
  /** True when stdout is a terminal and NO_COLOR is unset: only then is `out` text coloured. */
  readonly outColor?: boolean;
}

/** A command's action: returns the exit status. Throwing UsageError/DecodeError gives 2. */
export type CommandAction = (io: CliIo) => Promise<ExitCode>;
