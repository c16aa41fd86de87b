import type { Command } from 'commander';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { CommandFailure } from '../errors.ts';

/** `tcg2sim eventlog`: not built yet (placeholder until its issue lands). */
export function registerEventlog(program: Command, _io: CliIo, _setStatus: SetStatus): void {
  program
    .command('eventlog')
    .description('(not built yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new CommandFailure('tcg2sim eventlog is not built yet');
    });
}
