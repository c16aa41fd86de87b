/** @tcg2sim/cli: the tcg2sim command-line tool, runnable in-process for tests. */
export { main } from './main.ts';
export { EXIT, UsageError, CommandFailure } from './errors.ts';
export type { ExitCode } from './errors.ts';
export type { CliIo } from './context.ts';
// tcg2sim fv: the JSON form of the firmware volume tree and its per-section hook
export { fvJsonNode, FV_SECTION_ANNOTATORS, authenticodeAnnotator, readFv, TE_AUTHENTICODE_REASON } from './commands/fv.ts';
export type { FvJsonNode, FvSectionAnnotator, LoadedFv } from './commands/fv.ts';
