/**
 * Input files: a file the CLI cannot read is one line naming the flag (or argument) it came from
 * and why, `tcg2sim: cannot read --code /x/OVMF_CODE.fd: no such file`, exit status 2, never
 * Node's `ENOENT: no such file or directory, open …` text.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './errors.ts';

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
};

/** The errno code of a Node file-system error, when `err` is one this module explains. */
export function fileErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error) || !('code' in err) || typeof err.code !== 'string') return undefined;
  return err.code in REASONS ? err.code : undefined;
}

/**
 * `cannot read WHAT PATH: REASON` for a file-system error (WHAT: the flag, or empty); `cannot
 * write` for an output flag (`--out`, `--log-out`).
 */
export function cannotRead(what: string, path: string, err: unknown): UsageError {
  const code = fileErrorCode(err) ?? '';
  const reason = REASONS[code] ?? (err instanceof Error ? err.message : String(err));
  const verb = what === '--out' || what.endsWith('-out') ? 'write' : 'read';
  return new UsageError(`cannot ${verb} ${what === '' ? '' : `${what} `}${path}: ${reason}`, { cause: err });
}

/** readFileSync(path) as bytes; a file that cannot be read is a UsageError naming `what` (e.g. `--code`). */
export function readInput(path: string, what: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    if (fileErrorCode(err) !== undefined) throw cannotRead(what, path, err);
    throw err;
  }
}

/** readFileSync(path, 'utf8'), with {@link readInput}'s errors. */
export function readInputText(path: string, what: string): string {
  return new TextDecoder().decode(readInput(path, what));
}

/**
 * Which flag of the command line named `path` (`--code` for `--code PATH` or `--code=PATH`), or
 * '' when it was an argument or is not on the command line. `takesValue` says whether a flag
 * takes a value (a path after a boolean flag is an argument). For the errors of commands that
 * read their files themselves.
 */
export function flagNaming(argv: readonly string[], path: string, takesValue: (flag: string) => boolean): string {
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k] ?? '';
    if (a.startsWith('--') && a.endsWith(`=${path}`)) return a.slice(0, a.length - path.length - 1);
    if (a === path) {
      const prev = argv[k - 1] ?? '';
      return prev.startsWith('--') && takesValue(prev) ? prev : '';
    }
  }
  return '';
}
