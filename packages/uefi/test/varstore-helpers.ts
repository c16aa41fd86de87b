import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@tcg2sim/test-support';

/** One line of a UEFIExtract report (`UEFIExtract FILE report`). */
export interface ReportLine {
  readonly type: string;
  readonly subtype: string;
  readonly base: number;
  readonly size: number;
  readonly name: string;
}

/** Runs UEFIExtract on a copy of `image` and parses its report table. */
export function uefiExtractReport(image: Uint8Array | string): ReportLine[] {
  const dir = tempDir('tcg2sim-uefiextract-');
  try {
    const f = join(dir.path, 'image.fd');
    if (typeof image === 'string') copyFileSync(image, f);
    else writeFileSync(f, image);
    execFileSync('UEFIExtract', [f, 'report'], { stdio: 'ignore', timeout: 60_000 });
    const text = readFileSync(`${f}.report.txt`, 'utf8');
    return text.split('\n').slice(1).filter((l) => l.includes('|')).map((l) => {
      const c = l.split('|').map((x) => x.trim());
      return { type: c[0] ?? '', subtype: c[1] ?? '', base: parseInt(c[2] ?? '', 16), size: parseInt(c[3] ?? '', 16), name: c.slice(5).join(' | ').replace(/^-+\s*/, '') };
    });
  } finally {
    dir.remove();
  }
}
