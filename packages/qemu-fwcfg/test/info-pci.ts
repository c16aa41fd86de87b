/**
 * QEMU's HMP `info pci` text, as the captures saved it after real boots (test/vectors/ovmf-2025.02-pci/):
 * each function's mapped BARs (BAR6, the ROM, is unmapped after the boot), bridge buses and
 * windows. Shared by ovmf-pci.integration.spec.ts and qemu72-pci.spec.ts.
 */

export interface InfoPciEntry {
  readonly fn: string;
  readonly bars: Map<number, bigint>;
  readonly secondary?: number;
  readonly subordinate?: number;
  readonly windows: Map<string, { base: bigint; limit: bigint }>;
}

/** QEMU's `info pci` text: each function's mapped BARs (BAR6, the ROM, is unmapped after the boot), bridge buses and windows. */
export function parseInfoPci(text: string): InfoPciEntry[] {
  const out: InfoPciEntry[] = [];
  let cur: { fn: string; bars: Map<number, bigint>; secondary?: number; subordinate?: number; windows: Map<string, { base: bigint; limit: bigint }> } | undefined;
  const h = (n: string, w: number): string => Number(n).toString(16).padStart(w, '0');
  for (const line of text.split('\n')) {
    let m = /Bus\s+(\d+), device\s+(\d+), function (\d+):/.exec(line);
    if (m !== null) {
      cur = { fn: `${h(m[1] ?? '', 2)}:${h(m[2] ?? '', 2)}.${m[3] ?? ''}`, bars: new Map(), windows: new Map() };
      out.push(cur);
      continue;
    }
    if (cur === undefined) continue;
    if ((m = /secondary bus (\d+)/.exec(line)) !== null) cur.secondary = Number(m[1]);
    if ((m = /subordinate bus (\d+)/.exec(line)) !== null) cur.subordinate = Number(m[1]);
    if ((m = /^\s*(IO|memory|prefetchable memory) range \[0x([0-9a-f]+), 0x([0-9a-f]+)\]/.exec(line)) !== null) {
      const base = BigInt(`0x${m[2] ?? ''}`);
      const limit = BigInt(`0x${m[3] ?? ''}`);
      if (base <= limit) cur.windows.set(m[1] === 'IO' ? 'io' : m[1] === 'memory' ? 'mem32' : 'pmem', { base, limit });
    }
    if ((m = /BAR(\d): .* at 0x([0-9a-f]+) \[/.exec(line)) !== null && m[1] !== '6') cur.bars.set(Number(m[1]), BigInt(`0x${m[2] ?? ''}`));
  }
  return out;
}
