/**
 * A small encoder for the UEFI / Tiano compressed format (UEFI 2.9 §19), written to make test
 * fixtures and synthetic firmware volumes. Greedy LZ77 with hash chains, one set of Huffman codes
 * per block (lengths limited to 16 bits). It produces valid streams for both variants; it does
 * not try to match EDK II's compressor byte for byte or in ratio.
 */
import { TIANO, TIANO_VARIANT } from './tiano.ts';
import type { TianoVariant } from './tiano.ts';

/** Encoder settings. */
export interface TianoCompressOptions {
  /** `efi` (default; PBIT 4, 8 KiB window) or `tiano` (PBIT 5, 512 KiB window). */
  readonly variant?: TianoVariant;
  /** Search for matches (default true); false gives a literal-only stream. */
  readonly matches?: boolean;
  /** Symbols per block, 1..65535 (default 16384). */
  readonly blockSymbols?: number;
  /** Hash-chain candidates examined per position (default 32). */
  readonly chainLimit?: number;
}

class BitOut {
  #buf = new Uint8Array(1024);
  #len = 0;
  #acc = 0;
  #n = 0;

  put(n: number, v: number): void {
    for (let i = n - 1; i >= 0; i--) {
      this.#acc = (this.#acc << 1) | (Math.floor(v / 2 ** i) & 1);
      if (++this.#n === 8) {
        if (this.#len === this.#buf.length) {
          const next = new Uint8Array(this.#buf.length * 2);
          next.set(this.#buf);
          this.#buf = next;
        }
        this.#buf[this.#len++] = this.#acc;
        this.#acc = 0;
        this.#n = 0;
      }
    }
  }

  finish(): Uint8Array {
    if (this.#n > 0) this.put(8 - this.#n, 0);
    return this.#buf.slice(0, this.#len);
  }
}

/** Huffman code lengths for `freq`, none longer than `limit` (frequencies are flattened until they fit). */
export function huffmanLengths(freq: readonly number[], limit: number = TIANO.MAX_CODE_LENGTH): Uint8Array {
  const n = freq.length;
  const lengths = new Uint8Array(n);
  let f = freq.map((x) => x);
  for (;;) {
    const used = f.map((x, i) => ({ x, i })).filter((e) => e.x > 0);
    if (used.length < 2) {
      for (const e of used) lengths[e.i] = 0;
      return lengths;
    }
    // Two-queue Huffman: leaves sorted by weight, internal nodes created in non-decreasing order.
    used.sort((a, b) => a.x - b.x || a.i - b.i);
    const parent: number[] = [];
    const weight: number[] = used.map((e) => e.x);
    let leaf = 0;
    let node = used.length;
    const take = (): number => {
      if (leaf < used.length && (node >= weight.length || (weight[leaf] ?? 0) <= (weight[node] ?? 0))) return leaf++;
      return node++;
    };
    while (weight.length - node + (used.length - leaf) > 1) {
      const a = take();
      const b = take();
      const id = weight.length;
      weight.push((weight[a] ?? 0) + (weight[b] ?? 0));
      parent[a] = id;
      parent[b] = id;
    }
    const depth = new Array<number>(weight.length).fill(0);
    for (let id = weight.length - 2; id >= 0; id--) depth[id] = (depth[parent[id] ?? 0] ?? 0) + 1;
    let max = 0;
    used.forEach((e, k) => {
      lengths[e.i] = depth[k] ?? 0;
      max = Math.max(max, depth[k] ?? 0);
    });
    if (max <= limit) return lengths;
    f = f.map((x) => (x > 0 ? (x >> 1) | 1 : 0));
  }
}

/** Canonical codes for `lengths` (shorter first, then by symbol), matching the decoder. */
function canonicalCodes(lengths: Uint8Array): Uint32Array {
  const count = new Array<number>(TIANO.MAX_CODE_LENGTH + 1).fill(0);
  for (const l of lengths) if (l > 0) count[l] = (count[l] ?? 0) + 1;
  const next = new Array<number>(TIANO.MAX_CODE_LENGTH + 2).fill(0);
  let code = 0;
  for (let bits = 1; bits <= TIANO.MAX_CODE_LENGTH; bits++) {
    code = (code + (bits > 1 ? (count[bits - 1] ?? 0) : 0)) * 2;
    next[bits] = code;
  }
  const codes = new Uint32Array(lengths.length);
  lengths.forEach((l, s) => {
    if (l === 0) return;
    const c = next[l] ?? 0;
    codes[s] = c;
    next[l] = c + 1;
  });
  return codes;
}

function trimmed(lengths: Uint8Array): number {
  let n = lengths.length;
  while (n > 0 && lengths[n - 1] === 0) n--;
  return n;
}

function distinct(freq: readonly number[]): number[] {
  const out: number[] = [];
  freq.forEach((x, i) => {
    if (x > 0) out.push(i);
  });
  return out;
}

/** Writes extra-set or position-set lengths: count, then each length (7+ in unary), zero run after `special`. */
function writePtLengths(w: BitOut, lengths: Uint8Array, nbit: number, special: number | undefined): void {
  const n = trimmed(lengths);
  w.put(nbit, n);
  let i = 0;
  while (i < n) {
    const l = lengths[i++] ?? 0;
    if (l <= 6) w.put(3, l);
    else {
      w.put(3, 7);
      for (let k = 7; k < l; k++) w.put(1, 1);
      w.put(1, 0);
    }
    if (i === special) {
      let z = 0;
      while (i < 6 && i < n && lengths[i] === 0) {
        i++;
        z++;
      }
      w.put(2, z);
    }
  }
}

/** Position symbol of a match distance − 1: its bit length. */
function positionSymbol(d: number): number {
  return d === 0 ? 0 : 32 - Math.clz32(d);
}

/** Greedy LZ77: C symbols and distances − 1 (−1 for literals). */
function tokenize(data: Uint8Array, windowBits: number, matches: boolean, chainLimit: number): { sym: Int32Array; dist: Int32Array; count: number } {
  const sym = new Int32Array(data.length);
  const dist = new Int32Array(data.length);
  let count = 0;
  const HBITS = 15;
  const head = new Int32Array(1 << HBITS).fill(-1);
  const prev = new Int32Array(data.length).fill(-1);
  const maxDist = 2 ** windowBits; // distance − 1 < 2^windowBits
  const hashAt = (i: number): number => (((data[i] ?? 0) << 10) ^ ((data[i + 1] ?? 0) << 5) ^ (data[i + 2] ?? 0)) & ((1 << HBITS) - 1);
  const insert = (i: number): void => {
    if (i + 3 > data.length) return;
    const h = hashAt(i);
    prev[i] = head[h] ?? -1;
    head[h] = i;
  };
  let i = 0;
  while (i < data.length) {
    let bestLen = 0;
    let bestFrom = 0;
    if (matches && i + TIANO.THRESHOLD <= data.length) {
      const limit = Math.min(TIANO.MAXMATCH, data.length - i);
      let cand = head[hashAt(i)] ?? -1;
      for (let tries = 0; cand >= 0 && i - cand <= maxDist && tries < chainLimit; tries++) {
        let l = 0;
        while (l < limit && data[cand + l] === data[i + l]) l++;
        if (l > bestLen) {
          bestLen = l;
          bestFrom = cand;
          if (l === limit) break;
        }
        cand = prev[cand] ?? -1;
      }
    }
    if (bestLen >= TIANO.THRESHOLD) {
      sym[count] = bestLen - TIANO.THRESHOLD + 256;
      dist[count++] = i - bestFrom - 1;
      for (let k = 0; k < bestLen; k++) insert(i + k);
      i += bestLen;
    } else {
      sym[count] = data[i] ?? 0;
      dist[count++] = -1;
      insert(i);
      i++;
    }
  }
  return { sym, dist, count };
}

function writeBlock(w: BitOut, sym: Int32Array, dist: Int32Array, from: number, to: number, pbit: number): void {
  const cFreq = new Array<number>(TIANO.NC).fill(0);
  const pFreq = new Array<number>(TIANO.MAXNP).fill(0);
  for (let k = from; k < to; k++) {
    const s = sym[k] ?? 0;
    cFreq[s] = (cFreq[s] ?? 0) + 1;
    const d = dist[k] ?? -1;
    if (d >= 0) {
      const p = positionSymbol(d);
      pFreq[p] = (pFreq[p] ?? 0) + 1;
    }
  }
  w.put(16, to - from);

  const cUsed = distinct(cFreq);
  const cLen = huffmanLengths(cFreq);
  if (cUsed.length === 1) {
    w.put(TIANO.TBIT, 0);
    w.put(TIANO.TBIT, 0);
    w.put(TIANO.CBIT, 0);
    w.put(TIANO.CBIT, cUsed[0] ?? 0);
  } else {
    // Char&Len lengths as extra-set symbols: 0 = one zero, 1 = 3..18 zeros, 2 = 20.. zeros, k+2 = length k.
    const n = trimmed(cLen);
    const ptSyms: [number, number, number][] = []; // symbol, extra bit count, extra value
    for (let i = 0; i < n; ) {
      const l = cLen[i] ?? 0;
      if (l !== 0) {
        ptSyms.push([l + 2, 0, 0]);
        i++;
        continue;
      }
      let z = 0;
      while (i < n && cLen[i] === 0) {
        i++;
        z++;
      }
      if (z <= 2) for (let k = 0; k < z; k++) ptSyms.push([0, 0, 0]);
      else if (z <= 18) ptSyms.push([1, 4, z - 3]);
      else if (z === 19) ptSyms.push([0, 0, 0], [1, 4, 15]);
      else ptSyms.push([2, TIANO.CBIT, z - 20]);
    }
    const tFreq = new Array<number>(TIANO.NT).fill(0);
    for (const [s] of ptSyms) tFreq[s] = (tFreq[s] ?? 0) + 1;
    const tUsed = distinct(tFreq);
    const tLen = huffmanLengths(tFreq);
    if (tUsed.length === 1) {
      w.put(TIANO.TBIT, 0);
      w.put(TIANO.TBIT, tUsed[0] ?? 0);
    } else {
      writePtLengths(w, tLen, TIANO.TBIT, 3);
    }
    const tCode = canonicalCodes(tLen);
    w.put(TIANO.CBIT, n);
    for (const [s, eb, ev] of ptSyms) {
      w.put(tLen[s] ?? 0, tCode[s] ?? 0);
      if (eb > 0) w.put(eb, ev);
    }
  }

  const pUsed = distinct(pFreq);
  const pLen = huffmanLengths(pFreq);
  if (pUsed.length <= 1) {
    w.put(pbit, 0);
    w.put(pbit, pUsed[0] ?? 0);
  } else {
    writePtLengths(w, pLen, pbit, undefined);
  }
  const cCode = canonicalCodes(cLen);
  const pCode = canonicalCodes(pLen);
  for (let k = from; k < to; k++) {
    const s = sym[k] ?? 0;
    w.put(cLen[s] ?? 0, cCode[s] ?? 0);
    const d = dist[k] ?? -1;
    if (d < 0) continue;
    const p = positionSymbol(d);
    w.put(pLen[p] ?? 0, pCode[p] ?? 0);
    if (p > 1) w.put(p - 1, d - 2 ** (p - 1));
  }
}

/**
 * Compresses `data` into the UEFI / Tiano format: UINT32 CompressedSize, UINT32 OriginalSize,
 * then the bit stream. `tianoDecompress(tianoCompress(x, { variant }), x.length, variant)` is `x`.
 */
export function tianoCompress(data: Uint8Array, options: TianoCompressOptions = {}): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('"data" expected Uint8Array');
  if (data.length > 0xffffffff) throw new RangeError('"data" longer than 4 GiB');
  const variant = options.variant ?? 'efi';
  const blockSymbols = options.blockSymbols ?? 16384;
  if (!Number.isInteger(blockSymbols) || blockSymbols < 1 || blockSymbols > 0xffff) {
    throw new RangeError(`"blockSymbols" expected 1..65535, got ${blockSymbols}`);
  }
  const { pbit, windowBits } = TIANO_VARIANT[variant];
  const { sym, dist, count } = tokenize(data, windowBits, options.matches ?? true, options.chainLimit ?? 32);
  const w = new BitOut();
  for (let from = 0; from < count; from += blockSymbols) writeBlock(w, sym, dist, from, Math.min(count, from + blockSymbols), pbit);
  const body = w.finish();
  const out = new Uint8Array(8 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length, true);
  dv.setUint32(4, data.length, true);
  out.set(body, 8);
  return out;
}
