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
