/** The in-process CLI harness the cli specs share: main() with its output captured. */
import { main } from '@tcg2sim/cli';
import type { CliIo } from '@tcg2sim/cli';

/** What one run of the CLI returned and printed. */
export interface CliRun {
  readonly status: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `tcg2sim ...args` in this process and returns its exit status, stdout and stderr. */
export async function runCli(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  };
  const status = await main(['node', 'tcg2sim', ...args], io);
  return { status, out, err };
}
