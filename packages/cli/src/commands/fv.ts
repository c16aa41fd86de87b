import type { Command } from 'commander';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { CommandFailure } from '../errors.ts';

/** `tcg2sim fv`: not built yet (placeholder until its issue lands). */
export function registerFv(program: Command, _io: CliIo, _setStatus: SetStatus): void {
  program
    .command('fv')
    .description('(not built yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new CommandFailure('tcg2sim fv is not built yet');
    });
}
