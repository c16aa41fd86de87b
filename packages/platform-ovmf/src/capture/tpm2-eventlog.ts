/**
 * The independent check of a captured log: tpm2-tools' `tpm2_eventlog` parses it and replays the
 * PCRs (its YAML ends with a `pcrs:` section, `  sha256:` then `    0  : 0x…` lines), and those
 * must equal the PCRs read from the TPM.
 */
import { execFile } from 'node:child_process';
import { CaptureError } from './errors.ts';

/** What tpm2_eventlog made of a log. */
export interface Tpm2EventlogReplay {
  /** The tool's whole YAML output. */
  readonly yaml: string;
  /** Number of events it listed. */
  readonly eventCount: number;
  /** Replayed PCRs per bank, lowercase hex without 0x, by index. */
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Reads the `pcrs:` section of tpm2_eventlog's YAML (it is not safe to load as YAML: the hex values would become numbers). */
export function parseTpm2EventlogPcrs(yaml: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const at = yaml.search(/^pcrs:\s*$/m);
  if (at < 0) return out;
  let bank: Record<string, string> | undefined;
  for (const line of yaml.slice(at).split('\n').slice(1)) {
    const b = /^ {2}(\w+):\s*$/.exec(line);
    if (b) {
      bank = {};
      out[b[1] ?? ''] = bank;
      continue;
    }
    const v = /^ {4}(\d+)\s*:\s*0x([0-9a-fA-F]+)\s*$/.exec(line);
    if (v && bank) {
      bank[v[1] ?? ''] = (v[2] ?? '').toLowerCase();
      continue;
    }
    if (line.trim() !== '' && !line.startsWith(' ')) break;
  }
  return out;
}

/**
 * Runs `tpm2_eventlog FILE` and parses its replay.
 * @throws CaptureError('SPAWN_FAILED') when the tool is missing, ('LOG_NOT_FOUND') when it rejects the log.
 */
export function replayWithTpm2Eventlog(logFile: string, tool = 'tpm2_eventlog'): Promise<Tpm2EventlogReplay> {
  return new Promise((resolve, reject) => {
    execFile(tool, [logFile], { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const code = 'code' in err && err.code === 'ENOENT' ? 'SPAWN_FAILED' : 'LOG_NOT_FOUND';
        reject(new CaptureError(code, `${tool} ${logFile}: ${stderr.trim() || err.message}`, { cause: err }));
        return;
      }
      resolve({ yaml: stdout, eventCount: (stdout.match(/^- EventNum:/gm) ?? []).length, pcrs: parseTpm2EventlogPcrs(stdout) });
    });
  });
}

/** One PCR whose two values differ. */
export interface PcrMismatch {
  readonly bank: string;
  readonly index: string;
  readonly expected: string | undefined;
  readonly actual: string | undefined;
}

/**
 * Compares the PCRs both sides have for `indexes` in every bank of `tpm` (the bank list of the TPM
 * is the reference: a bank the log lacks is a mismatch).
 */
export function comparePcrs(
  tpm: Readonly<Record<string, Readonly<Record<string, string>>>>,
  replayed: Readonly<Record<string, Readonly<Record<string, string>>>>,
  indexes: readonly number[]
): PcrMismatch[] {
  const out: PcrMismatch[] = [];
  for (const [bank, values] of Object.entries(tpm)) {
    for (const i of indexes) {
      const expected = values[String(i)]?.toLowerCase();
      const actual = replayed[bank]?.[String(i)]?.toLowerCase();
      if (expected !== actual) out.push({ bank, index: String(i), expected, actual });
    }
  }
  return out;
}
