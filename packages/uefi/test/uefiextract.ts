import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { tempDir } from '@tcg2sim/test-support';
import { depexOpText, EFI_SECTION } from '@tcg2sim/uefi';
import type { FvNode } from '@tcg2sim/uefi';

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

/** UEFIExtract's subtype for each FFS file type (UEFITool's fileTypeToUString). */
const FILE_SUBTYPE: Readonly<Record<number, string>> = {
  0x01: 'Raw', 0x02: 'Freeform', 0x03: 'SEC core', 0x04: 'PEI core', 0x05: 'DXE core',
  0x06: 'PEI module', 0x07: 'DXE driver', 0x08: 'Combined PEI/DXE', 0x09: 'Application',
  0x0a: 'SMM module', 0x0b: 'Volume image', 0x0c: 'Combined SMM/DXE', 0x0d: 'SMM core',
  0x0e: 'MM standalone module', 0x0f: 'MM standalone core', 0xf0: 'Pad',
};
/** UEFIExtract's subtype for each section type (UEFITool's sectionTypeToUString). */
const SECTION_SUBTYPE: Readonly<Record<number, string>> = {
  0x01: 'Compressed', 0x02: 'GUID defined', 0x03: 'Disposable', 0x10: 'PE32 image',
  0x11: 'PIC image', 0x12: 'TE image', 0x13: 'DXE dependency', 0x14: 'Version', 0x15: 'UI',
  0x16: 'Compatibility16', 0x17: 'Volume image', 0x18: 'Freeform subtype GUID', 0x19: 'Raw',
  0x1b: 'PEI dependency', 0x1c: 'MM dependency',
};

/** EFI_SYSTEM_NV_DATA_FV_GUID: the variable store volume, which UEFIExtract shows as NVRAM. */
const NV_DATA_FV = 'FFF12B8D-7696-4C8B-A985-2747075B4F50';

/** One comparable line: what UEFIExtract prints for a node, derived from our tree. */
export function describe_(n: FvNode): string {
  const depth = n.depth + 1;
  const crc = crc32(n.raw).toString(16).toUpperCase().padStart(8, '0');
  switch (n.kind) {
    case 'volume': {
      const subtype = n.fileSystem === 'FFS3' ? 'FFSv3' : n.fileSystem === 'FFS2' ? 'FFSv2' : n.header.fileSystemGuid === NV_DATA_FV ? 'NVRAM' : 'Unknown';
      return `${depth} Volume ${subtype} ${n.guid} size=${n.raw.length} crc=${crc}`;
    }
    case 'file':
      return `${depth} File ${FILE_SUBTYPE[n.type] ?? '?'} ${n.type === 0xf0 ? 'Padding file' : n.guid} size=${n.size} crc=${crc}`;
    case 'section':
      return `${depth} Section ${SECTION_SUBTYPE[n.type] ?? '?'} size=${n.size} crc=${crc}`;
  }
}

/** UEFIExtract's report of `bytes` (written to a temp dir as `name`), in the comparable form. */
export function uefiExtractLines(bytes: Uint8Array, name: string): { lines: string[]; other: string[]; bases: (number | undefined)[] } {
  const tmp = tempDir();
  try {
    const copy = join(tmp.path, name);
    writeFileSync(copy, bytes);
    execFileSync('UEFIExtract', [copy, 'report'], { stdio: 'ignore' });
    const all = parseUefiExtractReport(readFileSync(`${copy}.report.txt`, 'utf8'));
    // The variable store inside an NVRAM volume (VSS/FTW stores) is not part of the FV tree.
    let nvramDepth: number | undefined;
    const report = all.filter((e) => {
      if (nvramDepth !== undefined && e.depth > nvramDepth) return false;
      nvramDepth = e.type === 'Volume' && e.subtype === 'NVRAM' ? e.depth : undefined;
      return true;
    });
    const nodes = report.filter((e) => e.type === 'Volume' || e.type === 'File' || e.type === 'Section');
    return {
      lines: nodes.map((e) => {
        const crc = e.crc32.toString(16).toUpperCase().padStart(8, '0');
        if (e.type === 'Section') return `${e.depth} Section ${e.subtype} size=${e.size} crc=${crc}`;
        return `${e.depth} ${e.type} ${e.subtype} ${e.name} size=${e.size} crc=${crc}`;
      }),
      other: report.filter((e) => !['Image', 'Volume', 'File', 'Section', 'Free space'].includes(e.type)).map((e) => `${e.type} ${e.subtype}`),
      bases: nodes.filter((e) => e.base !== undefined).map((e) => e.base),
    };
  } finally {
    tmp.remove();
  }
}

const h = (v: number, pad = 0): string => `${v.toString(16).toUpperCase().padStart(pad, '0')}h`;
const ok = (valid: boolean): string => (valid ? 'valid' : 'invalid');

/** The info.txt fields UEFIExtract writes for a node, derived from our node. */
export function infoFields(n: FvNode): Record<string, string> {
  const size = (full: number, header: number): Record<string, string> => ({
    'Full size': `${h(full)} (${full})`,
    'Header size': `${h(header)} (${header})`,
    'Body size': `${h(full - header)} (${full - header})`,
  });
  switch (n.kind) {
    case 'volume':
      return {
        Type: 'Volume',
        'FileSystem GUID': n.header.fileSystemGuid,
        ...size(n.raw.length, n.filesOffset),
        Revision: String(n.header.revision),
        Attributes: h(n.header.attributes, 8),
        'Erase polarity': String(n.erasePolarity),
        Checksum: `${h(n.header.checksum, 4)}, ${ok(n.headerChecksumValid)}`,
        ...(n.extHeader === undefined ? {} : { 'Volume GUID': n.extHeader.fvName }),
      };
    case 'file': {
      const ui = n.sections?.find((s) => s.userInterface !== undefined)?.userInterface;
      return {
        Type: 'File',
        ...(ui === undefined ? {} : { Text: ui }),
        'File GUID': n.guid,
        'Type#2': h(n.type, 2),
        Attributes: h(n.header.attributes, 2),
        ...size(n.size, n.headerSize),
        State: h(n.header.state, 2),
        'Header checksum': `${h(n.header.integrityCheckHeader, 2)}, ${ok(n.headerChecksumValid)}`,
        'Data checksum': `${h(n.header.integrityCheckFile, 2)}, ${ok(n.dataChecksumValid)}`,
      };
    }
    case 'section':
      return {
        Type: 'Section',
        'Type#2': h(n.type, 2),
        ...size(n.size, n.headerSize),
        ...(n.userInterface === undefined ? {} : { Text: n.userInterface }),
        ...(n.version === undefined ? {} : { 'Build number': String(n.version.buildNumber), 'Version string': n.version.text }),
        ...(n.type === EFI_SECTION.GUID_DEFINED && n.guid !== undefined
          ? { 'Section GUID': n.guid, Attributes: h(n.guidedAttributes ?? 0, 4), 'Data offset': h(n.headerSize) }
          : {}),
        ...(n.depex === undefined ? {} : { 'Parsed expression': n.depex.map(depexOpText).join('\n') }),
        ...(n.decompressed === undefined ? {} : { 'Decompressed size': `${h(n.decompressed.length)} (${n.decompressed.length})` }),
      };
  }
}

/** The same fields picked from a dump entry. */
export function pick(e: DumpEntry, keys: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(keys.map((k) => [k, e.info.get(k)]));
}
