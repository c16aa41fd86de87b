/**
 * Splitting a command line into words the way a POSIX shell does for a simple command, for the
 * forms QEMU command lines are found in: libvirt's per-VM log (`LC_ALL=C PATH=… /usr/bin/qemu-… \`
 * with backslash-newline continuations and single-quoted JSON), `virsh domxml-to-native` (one
 * line), a hand-written shell line, or /proc/PID/cmdline (NUL-separated words).
 *
 * Written here rather than taken from npm: `shell-quote` turns a backslash-newline into an empty
 * word and expands `$VAR` to the empty string, both of which silently change a command line.
 * Nothing is expanded here: `$`, backticks, globs in brackets and shell operators outside quotes
 * are an error naming their offset, never a guess.
 */
import { QemuConfigError } from './errors.ts';

/** One word and the offset in the input where it starts. */
export interface ShellWord {
  readonly text: string;
  readonly offset: number;
}

/** Largest command line taken (libvirt's are a few KiB). */
export const MAX_COMMAND_LINE = 1 << 20;
/** Most words taken. */
export const MAX_WORDS = 65_536;

const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '`']);
const SPACE = new Set([' ', '\t', '\n', '\r']);

function fail(message: string, offset: number): never {
  throw new QemuConfigError('BAD_SHELL', `offset ${offset}: ${message}`, { offset });
}

/**
 * `ps -o args` output: the words joined by single spaces, nothing quoted, so libvirt's JSON
 * arguments appear as `-device {"driver":…}` with bare double quotes, which no shell line has
 * (a shell would strip them). Such text, without any single quote, is split at whitespace.
 */
function looksLikePs(text: string): boolean {
  return !text.includes("'") && /(^|\s)\{"/.test(text);
}

function splitSpaces(text: string): ShellWord[] {
  const out: ShellWord[] = [];
  for (const m of text.matchAll(/\S+/g)) out.push({ text: m[0], offset: m.index });
  return out;
}

/** Splits `/proc/PID/cmdline` contents (words each ended by NUL). */
function splitNul(text: string): ShellWord[] {
  const out: ShellWord[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === '\0') {
      if (i > start) out.push({ text: text.slice(start, i), offset: start });
      start = i + 1;
    }
  }
  return out;
}

/**
 * The words of `text`. Quotes: '…' literal; "…" with \\ escaping only $ ` " \\ and newline;
 * a backslash outside quotes escapes the next character, and backslash-newline joins lines.
 * `#` at the start of a word comments to the end of the line. Input with a NUL is taken as
 * /proc/PID/cmdline, and input with a bare `{"` word and no single quote as `ps` output.
 * @throws QemuConfigError('BAD_SHELL' | 'LIMIT_EXCEEDED')
 */
export function splitShellWords(text: string): ShellWord[] {
  if (text.length > MAX_COMMAND_LINE) throw new QemuConfigError('LIMIT_EXCEEDED', `command line of ${text.length} characters (at most ${MAX_COMMAND_LINE})`);
  if (text.includes('\0')) return limit(splitNul(text));
  if (looksLikePs(text)) return limit(splitSpaces(text));
  const out: ShellWord[] = [];
  let word = '';
  let start = -1; // offset of the current word, -1 between words
  let i = 0;
  const begin = (): void => {
    if (start < 0) start = i;
  };
  while (i < text.length) {
    const c = text.charAt(i);
    if (SPACE.has(c)) {
      if (start >= 0) {
        out.push({ text: word, offset: start });
        if (out.length > MAX_WORDS) fail(`more than ${MAX_WORDS} words`, i);
        word = '';
        start = -1;
      }
      i++;
    } else if (c === '\\') {
      const next = text.charAt(i + 1);
      if (next === '') fail('backslash at the end of the input', i);
      if (next === '\n') {
        i += 2; // line continuation: nothing
      } else if (next === '\r' && text.charAt(i + 2) === '\n') {
        i += 3;
      } else {
        begin();
        word += next;
        i += 2;
      }
    } else if (c === "'") {
      begin();
      const end = text.indexOf("'", i + 1);
      if (end < 0) fail('unterminated single quote', i);
      word += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      begin();
      const open = i;
      i++;
      for (;;) {
        if (i >= text.length) fail('unterminated double quote', open);
        const d = text.charAt(i);
        if (d === '"') break;
        if (d === '$' || d === '`') fail(`${d} inside double quotes would be expanded by a shell; tcg2sim does not expand it`, i);
        if (d === '\\') {
          const e = text.charAt(i + 1);
          if (e === '\n') {
            i += 2;
            continue;
          }
          if (e === '$' || e === '`' || e === '"' || e === '\\') {
            word += e;
            i += 2;
            continue;
          }
        }
        word += d;
        i++;
      }
      i++;
    } else if (c === '#' && start < 0) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '$') {
      fail('$ would be expanded by a shell; tcg2sim does not expand it (quote it)', i);
    } else if (OPERATORS.has(c)) {
      fail(`shell operator ${c} (only one simple command is taken; quote it if it is part of an argument)`, i);
    } else {
      begin();
      word += c;
      i++;
    }
  }
  if (start >= 0) out.push({ text: word, offset: start });
  return limit(out);
}

function limit(words: ShellWord[]): ShellWord[] {
  if (words.length > MAX_WORDS) throw new QemuConfigError('LIMIT_EXCEEDED', `more than ${MAX_WORDS} words`);
  return words;
}

/** A command: leading `NAME=value` environment assignments, the program, its arguments. */
export interface ShellCommand {
  readonly env: ReadonlyMap<string, string>;
  readonly program: ShellWord;
  readonly args: readonly ShellWord[];
}

/**
 * Splits `text` and separates environment assignments (libvirt's log starts with `LC_ALL=C
 * PATH=… HOME=…`) from the program. A leading `env` program word is skipped too.
 * @throws QemuConfigError('BAD_SHELL') when there is no program
 */
export function parseShellCommand(text: string): ShellCommand {
  const words = splitShellWords(text);
  const env = new Map<string, string>();
  let i = 0;
  if (words[0]?.text === 'env') i++;
  for (; i < words.length; i++) {
    const w = words[i];
    if (w === undefined) break;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(w.text);
    if (m?.[1] === undefined) break;
    env.set(m[1], w.text.slice(m[0].length));
  }
  const program = words[i];
  if (program === undefined) throw new QemuConfigError('BAD_SHELL', 'no program in the command line (it starts with the QEMU binary, e.g. /usr/bin/qemu-system-x86_64)', { offset: text.length });
  return { env, program, args: words.slice(i + 1) };
}
