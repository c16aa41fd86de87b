/** @tcg2sim/cli: the tcg2sim command-line tool, runnable in-process for tests. */
export { main } from './main.ts';
export { EXIT, UsageError, CommandFailure } from './errors.ts';
export type { ExitCode } from './errors.ts';
export type { CliIo } from './context.ts';
