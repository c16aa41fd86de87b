import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads UEFIExtract's `report` output (uefitool-cli): one line per tree item,
 * `Type | Subtype | Base | Size | CRC32 | Name [| Text]`, the nesting given by the number of
 * dashes in front of the name.
 */
export interface ReportEntry {
  readonly type: string;
  readonly subtype: string;
  readonly base: number | undefined;
  readonly size: number;
  readonly crc32: number;
  readonly depth: number;
  readonly name: string;
  readonly text: string | undefined;
}

export function parseUefiExtractReport(text: string): ReportEntry[] {
  const out: ReportEntry[] = [];
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  for (const line of lines.slice(1)) {
    const cols = line.split('|').map((c) => c.trim());
    const [type = '', subtype = '', base = '', size = '', crc = '', nameCol = '', text] = cols;
    const m = /^(-*)\s*(.*)$/.exec(nameCol);
    out.push({
      type,
      subtype,
      base: base === 'N/A' ? undefined : parseInt(base, 16),
      size: parseInt(size, 16),
      crc32: parseInt(crc, 16),
      depth: m?.[1]?.length ?? 0,
      name: m?.[2] ?? '',
      text,
    });
  }
  return out;
}

/** One item of an `UEFIExtract FILE all` dump: its info.txt fields, in tree order. */
export interface DumpEntry {
  readonly depth: number;
  readonly info: ReadonlyMap<string, string>;
}

/**
 * Walks a `UEFIExtract FILE all` dump directory (`N name/` per item, info.txt inside, children
 * as numbered subdirectories) depth-first in item order.
 */
export function readUefiExtractDump(dir: string): DumpEntry[] {
  const out: DumpEntry[] = [];
  const visit = (d: string, depth: number): void => {
    const kids = readdirSync(d, { withFileTypes: true })
      .filter((e) => e.isDirectory() && /^\d+ /.test(e.name))
      .sort((a, b) => parseInt(a.name, 10) - parseInt(b.name, 10));
    for (const k of kids) {
      const path = join(d, k.name);
      const info = new Map<string, string>();
      const infoPath = join(path, 'info.txt');
      if (existsSync(infoPath)) {
        let last: string | undefined;
        for (const line of readFileSync(infoPath, 'utf8').split('\n')) {
          const m = /^([^:]+):\s*(.*)$/.exec(line);
          if (m?.[1] !== undefined && m[2] !== undefined) {
            last = info.has(m[1]) ? `${m[1]}#2` : m[1];
            info.set(last, m[2].trim());
          } else if (last !== undefined && line.trim() !== '') {
            // Continuation lines (ZeroVector bytes, the parsed dependency expression).
            const prev = info.get(last) ?? '';
            info.set(last, prev === '' ? line.trim() : `${prev}\n${line.trim()}`);
          }
        }
      }
      out.push({ depth, info });
      visit(path, depth + 1);
    }
  };
  visit(dir, 0);
  return out;
}
