/** The in-process CLI harness the cli specs share: main() with its output captured. */
import { main } from '@tcg2sim/cli';
import type { CliIo } from '@tcg2sim/cli';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EV, EventLogBuilder } from '@tcg2sim/event-log';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { buildEfiApplication, tempDir } from '@tcg2sim/test-support';

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

/** A temporary directory with two small inputs the CLI reads: a one-event SHA-256 log and an EFI application. */
export interface LogAndEfi {
  readonly path: string;
  /** `log.bin`: a crypto-agile log with one EV_SEPARATOR in PCR7. */
  readonly log: string;
  /** `app.efi`: buildEfiApplication()'s image. */
  readonly efi: string;
  remove(): void;
}

/** Makes a {@link LogAndEfi} directory named `prefix…`. */
export function logAndEfiFiles(prefix: string): LogAndEfi {
  const dir = tempDir(prefix);
  const log = join(dir.path, 'log.bin');
  const b = new EventLogBuilder({ algs: [TPM_ALG_HASH.SHA256] });
  b.add({ pcrIndex: 7, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });
  writeFileSync(log, b.encode());
  const efi = join(dir.path, 'app.efi');
  writeFileSync(efi, buildEfiApplication());
  return { path: dir.path, log, efi, remove: () => dir.remove() };
}
