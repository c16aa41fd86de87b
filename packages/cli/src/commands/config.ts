import type { Command } from 'commander';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';

/** `tcg2sim config show|set FILE`: placeholder until the store module lands. */
export function registerConfig(_program: Command, _io: CliIo, _setStatus: SetStatus): void {
  // filled in below
}
