/**
 * MMIO tracing: every access on a bus, with width and value, in the order it happened. The
 * format mirrors QEMU's `-trace 'tpm_tis*'` lines closely enough to compare sequences.
 */
import type { MmioAccess, MmioBus } from './mmio.ts';

/** Records accesses while attached to a bus. */
export class MmioTrace {
  readonly #entries: MmioAccess[] = [];
  #detach: (() => void) | undefined;
  readonly #base: number;

  /**
   * @param base subtracted from addresses in {@link MmioTrace.format} (0xFED40000 by default).
   */
  constructor(base = 0xfed40000) {
    this.#base = base;
  }

  /** Starts recording on `bus` (stops recording on a previous bus first). */
  attach(bus: MmioBus): this {
    this.detach();
    this.#detach = bus.observe((a) => this.#entries.push(a));
    return this;
  }

  /** Stops recording. */
  detach(): void {
    this.#detach?.();
    this.#detach = undefined;
  }

  /** Everything recorded so far. */
  get entries(): readonly MmioAccess[] {
    return this.#entries;
  }

  /** Forgets what was recorded. */
  clear(): void {
    this.#entries.length = 0;
  }

  /**
   * One string per access: `W1 018=40`, `R4 030=00002100` (op, width in bytes, offset from the
   * base in hex, value in hex padded to the width).
   */
  format(): string[] {
    return this.#entries.map((a) => formatAccess(a, this.#base));
  }
}

/** Formats one access as `R1 019=ff` relative to `base`. */
export function formatAccess(a: MmioAccess, base = 0xfed40000): string {
  const off = (a.address - base).toString(16).padStart(3, '0');
  return `${a.op}${a.width} ${off}=${a.value.toString(16).padStart(a.width * 2, '0')}`;
}

/**
 * Collapses runs of identical consecutive lines into one line followed by `*`, so a polling loop
 * of any length compares equal to one of any other length (`R1 018=80`, `R1 018=80*`).
 */
export function collapseRepeats(lines: readonly string[]): string[] {
  const out: string[] = [];
  let prev: string | undefined;
  for (const l of lines) {
    if (l === prev) {
      const last = out.length - 1;
      if (!(out[last] ?? '').endsWith('*')) out[last] = `${l}*`;
      continue;
    }
    out.push(l);
    prev = l;
  }
  return out;
}
