/**
 * The differential corpus (packages/tpm-backends/test/corpus/*.txt, format in its README.md):
 * parsing, running a stream against a TpmBackend, and comparing two responses under an
 * expectation mode. Exported so every layer (direct backend, TIS, CRB) runs the same streams.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex } from '@tcg2sim/binary-codec';
import type { TpmBackend } from './backend.ts';

/** How two responses must agree. */
export type ExpectMode = 'exact' | 'rc-only';

/** One line of a corpus file. */
export type CorpusStep =
  | { readonly kind: 'init'; readonly line: number }
  | { readonly kind: 'locality'; readonly locality: number; readonly line: number }
  | { readonly kind: 'hcrtm'; readonly data: Uint8Array; readonly line: number }
  | { readonly kind: 'command'; readonly mode: ExpectMode; readonly command: Uint8Array; readonly line: number; readonly comment: string };

/** The directory holding the corpus files (packages/tpm-backends/test/corpus, from dist/src). */
export const CORPUS_DIR: string = fileURLToPath(new URL('../../test/corpus/', import.meta.url));

/** Names of the corpus files. */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.txt')).sort();
}

/**
 * Parse one corpus file.
 * @throws RangeError naming the file and line of a malformed line
 */
export function parseCorpus(text: string, file: string): CorpusStep[] {
  const steps: CorpusStep[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const hashAt = raw.indexOf('#');
    const comment = hashAt >= 0 ? raw.slice(hashAt + 1).trim() : '';
    const body = (hashAt >= 0 ? raw.slice(0, hashAt) : raw).trim();
    if (body === '') return;
    const [kw = '', ...rest] = body.split(/\s+/);
    const hex = rest.join('');
    const bad = (why: string): never => {
      throw new RangeError(`${file}:${line}: ${why}`);
    };
    const bytes = (): Uint8Array => (/^(?:[0-9a-fA-F]{2})*$/.test(hex) ? fromHex(hex) : bad('not hex'));
    switch (kw) {
      case '@init':
        steps.push({ kind: 'init', line });
        break;
      case '@locality': {
        const n = Number(rest[0]);
        if (!Number.isInteger(n) || n < 0 || n > 4) bad('locality must be 0-4');
        steps.push({ kind: 'locality', locality: n, line });
        break;
      }
      case '@hcrtm':
        steps.push({ kind: 'hcrtm', data: bytes(), line });
        break;
      case 'exact':
      case 'rc-only': {
        const command = bytes();
        if (command.length < 10) bad('command shorter than 10 bytes');
        steps.push({ kind: 'command', mode: kw, command, line, comment });
        break;
      }
      default:
        bad(`unknown keyword ${JSON.stringify(kw)}`);
    }
  });
  return steps;
}

/** Read and parse a corpus file by name. */
export function loadCorpus(name: string): CorpusStep[] {
  return parseCorpus(readFileSync(CORPUS_DIR + name, 'utf8'), name);
}

/** Tag and response code of a response (undefined when shorter than a header). */
export function tagAndRc(rsp: Uint8Array): [number, number] | undefined {
  if (rsp.length < 10) return undefined;
  const v = new DataView(rsp.buffer, rsp.byteOffset, rsp.byteLength);
  return [v.getUint16(0), v.getUint32(6)];
}

/** True when `a` and `b` agree under `mode`. */
export function responsesAgree(mode: ExpectMode, a: Uint8Array, b: Uint8Array): boolean {
  if (mode === 'exact') return a.length === b.length && a.every((x, i) => x === b[i]);
  const ta = tagAndRc(a);
  const tb = tagAndRc(b);
  return ta !== undefined && tb !== undefined && ta[0] === tb[0] && ta[1] === tb[1];
}

/** Run a corpus against a backend (fresh or not) and return one response per command step. */
export async function runCorpus(backend: TpmBackend, steps: readonly CorpusStep[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let locality = 0;
  for (const s of steps) {
    switch (s.kind) {
      case 'init':
        await backend.powerOn();
        break;
      case 'locality':
        locality = s.locality;
        break;
      case 'hcrtm':
        await backend.hcrtm(s.data);
        break;
      case 'command':
        out.push(await backend.transmit(s.command, locality));
        break;
    }
  }
  return out;
}
