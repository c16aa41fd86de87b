/**
 * {@link parseFlashImage} with LZMA decompression off the main thread. OVMF's FVMAIN_COMPACT is
 * one LZMA section of ~13 MiB: decoding it is most of the time a parse takes, and the main
 * thread can do other work meanwhile (load code, start the TPM).
 *
 * The parser itself stays synchronous. A parse runs with the built-in LZMA extractors replaced by
 * ones that look their input up in the results decoded so far; an input not decoded yet stops the
 * parse, is decoded on libuv's thread pool (@napi-rs/lzma's async API), and the parse starts
 * again. Every pass reads the same bytes in the same order with the same budget, so the result
 * (tree, errors, limits) is exactly {@link parseFlashImage}'s.
 */
import { bcjX86Decode } from '../compress/bcj-x86.ts';
import { lzmaDecompressAsync } from '../compress/lzma.ts';
import { SECTION_GUID } from './constants.ts';
import { BUILTIN_GUIDED_EXTRACTORS, sectionExtractors } from './extractors.ts';
import type { GuidedSectionExtractor, GuidedSectionOutput } from './extractors.ts';
import { parseFlashImage } from './flash.ts';
import type { FlashImage } from './flash.ts';
import type { FvParseOptions } from './context.ts';

/**
 * Sections decoded off the main thread at most; later ones are decoded inline (each deferral
 * costs a re-parse of what precedes it, so hostile images with many sections stay linear).
 */
export const MAX_ASYNC_SECTIONS = 8;

/** The async twin of each built-in extractor that has one. */
const ASYNC_TWINS: ReadonlyMap<string, (data: Uint8Array, maxOut: number) => Promise<Uint8Array>> = new Map([
  [SECTION_GUID.LZMA, (data: Uint8Array, maxOut: number) => lzmaDecompressAsync(data, maxOut)],
  [SECTION_GUID.LZMA_F86, async (data: Uint8Array, maxOut: number) => bcjX86Decode(await lzmaDecompressAsync(data, maxOut))],
]);

/** Thrown through the parser (not a Tcg2Error, so no layer wraps it) to stop a pass. */
class Deferred extends Error {
  override readonly name = 'Deferred';
  readonly guid: string;
  readonly data: Uint8Array;
  readonly maxOut: number;
  constructor(guid: string, data: Uint8Array, maxOut: number) {
    super(`section ${guid} is decoded asynchronously`);
    this.guid = guid;
    this.data = data;
    this.maxOut = maxOut;
  }
}

type Settled = { readonly ok: true; readonly out: GuidedSectionOutput } | { readonly ok: false; readonly err: unknown };

/** Decoded sections by identity: the same GUID over the same bytes of the same buffer. */
class Results {
  readonly #byBuffer = new Map<ArrayBufferLike, Map<string, Settled>>();
  #count = 0;

  get count(): number {
    return this.#count;
  }

  get(guid: string, data: Uint8Array): Settled | undefined {
    return this.#byBuffer.get(data.buffer)?.get(`${guid}:${data.byteOffset}:${data.length}`);
  }

  set(guid: string, data: Uint8Array, settled: Settled): void {
    let m = this.#byBuffer.get(data.buffer);
    if (m === undefined) {
      m = new Map<string, Settled>();
      this.#byBuffer.set(data.buffer, m);
    }
    m.set(`${guid}:${data.byteOffset}:${data.length}`, settled);
    this.#count++;
  }
}

/**
 * Parses a flash image like {@link parseFlashImage}, decoding the built-in LZMA and LZMA-F86
 * sections on libuv's thread pool. Custom extractors in `options` are used as given (inline).
 * @throws the same FvError parseFlashImage throws on the same input (the promise rejects)
 */
export async function parseFlashImageAsync(image: Uint8Array, options: FvParseOptions = {}): Promise<FlashImage> {
  const base = options.extractors ?? sectionExtractors();
  const done = new Results();
  const guided = new Map(base.guided);
  for (const guid of ASYNC_TWINS.keys()) {
    const sync = base.guided.get(guid);
    if (sync === undefined || sync !== BUILTIN_GUIDED_EXTRACTORS.get(guid)) continue;
    const extractor: GuidedSectionExtractor = (input, maxOut) => {
      const hit = done.get(guid, input.data);
      if (hit !== undefined) {
        if (hit.ok) return hit.out;
        throw hit.err;
      }
      if (done.count >= MAX_ASYNC_SECTIONS) return sync(input, maxOut);
      throw new Deferred(guid, input.data, maxOut);
    };
    guided.set(guid, extractor);
  }
  const opts: FvParseOptions = { ...options, extractors: { ...base, guided } };
  for (;;) {
    try {
      return parseFlashImage(image, opts);
    } catch (err) {
      if (!(err instanceof Deferred)) throw err;
      const decode = ASYNC_TWINS.get(err.guid);
      if (decode === undefined) throw new Error(`no async extractor for ${err.guid}`);
      let settled: Settled;
      try {
        settled = { ok: true, out: { content: await decode(err.data, err.maxOut), decompressed: true } };
      } catch (e) {
        settled = { ok: false, err: e };
      }
      done.set(err.guid, err.data, settled);
    }
  }
}
