/**
 * parseFlashImageAsync (LZMA decoded on libuv's thread pool) gives exactly parseFlashImage's
 * result: the same tree and decompressed bytes on Debian's OVMF images and on built images with
 * several, nested and LZMA-F86 sections, and the same error (class, code, offset) on mutated
 * images and exhausted budgets.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';
import {
  EFI_FV_FILETYPE, EFI_GUIDED_SECTION, EFI_SECTION, FvError, MAX_ASYNC_SECTIONS, SECTION_GUID, guidDefinedSection, leafSection, lzmaCompress,
  adoptLzmaDecode, lzmaDecompressAsync, lzmaDecompress, lzmaSection, parseFlashImage, parseFlashImageAsync, sectionExtractors, sectionStream,
} from '@tcg2sim/uefi';
import type { FlashImage, FvParseOptions } from '@tcg2sim/uefi';
import { DecodeError } from '@tcg2sim/binary-codec';
import { volume } from './fv-builder.ts';

const G1 = '11111111-2222-3333-4444-555555555555';

/**
 * The whole parse result as text: every byte array as (buffer number in order of first sight,
 * offset, length), then the SHA-256 of each buffer (each hashed once: nodes share buffers).
 */
function summary(f: FlashImage): string {
  const buffers = new Map<ArrayBufferLike, number>();
  const tree = JSON.stringify(f, (_k, v: unknown) => {
    if (v instanceof Uint8Array) {
      let id = buffers.get(v.buffer);
      if (id === undefined) buffers.set(v.buffer, (id = buffers.size));
      return `#${id}@${v.byteOffset}+${v.length}`;
    }
    if (typeof v === 'bigint') return `${v}n`;
    return v;
  });
  const hashes = [...buffers.keys()].map((b) => createHash('sha256').update(new Uint8Array(b)).digest('hex'));
  return `${tree}\n${hashes.join('\n')}`;
}

type Outcome = { readonly ok: true; readonly summary: string } | { readonly ok: false; readonly error: string };

function describeError(e: unknown): string {
  if (e instanceof FvError) return `FvError ${e.code} ${e.structure} @${e.offset}${e.inDecompressed ? ' (decompressed)' : ''}`;
  if (e instanceof DecodeError) return `DecodeError ${e.code} @${e.offset}`;
  return `other ${String(e)}`;
}

function syncOutcome(image: Uint8Array, o?: FvParseOptions): Outcome {
  try {
    return { ok: true, summary: summary(parseFlashImage(image, o)) };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}

async function asyncOutcome(image: Uint8Array, o?: FvParseOptions): Promise<Outcome> {
  try {
    return { ok: true, summary: summary(await parseFlashImageAsync(image, o)) };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}

const raw = (n: number, fill: number): Uint8Array => leafSection(EFI_SECTION.RAW, new Uint8Array(n).fill(fill));

/** A volume with two LZMA sections, one nested in an LZMA section, and an LZMA-F86 section. */
function builtImage(): Uint8Array {
  const inner = lzmaSection([raw(3000, 0x11)]);
  // LZMA-F86 over bytes without E8/E9 opcodes: the BCJ decoder leaves them as they are.
  const f86 = guidDefinedSection(SECTION_GUID.LZMA_F86, EFI_GUIDED_SECTION.PROCESSING_REQUIRED, lzmaCompress(sectionStream([raw(500, 0x22)])));
  return volume({
    files: [
      { guid: G1, type: EFI_FV_FILETYPE.FREEFORM, data: sectionStream([lzmaSection([raw(2000, 0x33), inner]), lzmaSection([raw(100, 0x44)]), f86]) },
    ],
    free: 64,
  });
}

describe('parseFlashImageAsync', () => {
  it('gives parseFlashImage\'s tree and bytes for a volume with several, nested and LZMA-F86 sections', async () => {
    const image = builtImage();
    const expected = syncOutcome(image);
    expect(expected.ok).to.equal(true);
    expect(await asyncOutcome(image)).to.deep.equal(expected);
  });

  it(`decodes inline past ${MAX_ASYNC_SECTIONS} sections, with the same result`, async () => {
    const many = Array.from({ length: MAX_ASYNC_SECTIONS + 3 }, (_, i) => lzmaSection([raw(64 + i, i)]));
    const image = volume({ files: [{ guid: G1, type: EFI_FV_FILETYPE.FREEFORM, data: sectionStream(many) }] });
    const expected = syncOutcome(image);
    expect(expected.ok).to.equal(true);
    expect(await asyncOutcome(image)).to.deep.equal(expected);
  });

  it('rejects with the same error when the decompression budget is too small', async () => {
    const image = builtImage();
    const o = { limits: { maxDecompressedBytes: 2500 } };
    const expected = syncOutcome(image, o);
    expect(expected).to.deep.include({ ok: false });
    expect(expected.ok ? '' : expected.error).to.match(/^FvError LIMIT_EXCEEDED/);
    expect(await asyncOutcome(image, o)).to.deep.equal(expected);
  });

  it('uses a caller-supplied LZMA extractor as given, inline (again on each re-parse)', async () => {
    let calls = 0;
    const extractors = sectionExtractors({
      guided: new Map([[SECTION_GUID.LZMA, (input: { data: Uint8Array }, maxOut: number) => {
        calls++;
        return { content: lzmaDecompress(input.data, maxOut), decompressed: true };
      }]]),
    });
    const image = builtImage();
    const expected = syncOutcome(image, { extractors });
    expect(calls).to.equal(3);
    calls = 0;
    expect(await asyncOutcome(image, { extractors })).to.deep.equal(expected);
    // The LZMA-F86 section is still decoded off the thread: one re-parse, the custom one runs twice.
    expect(calls).to.equal(6);
  });

  it('rejects a corrupt LZMA stream with the same DECOMPRESSION_FAILED error at the same section', async () => {
    const image = builtImage();
    image.fill(0x5a, 0x100, 0x140);
    const o = { verifyChecksums: false };
    const expected = syncOutcome(image, o);
    expect(expected.ok ? '' : expected.error).to.match(/^FvError DECOMPRESSION_FAILED/);
    expect(await asyncOutcome(image, o)).to.deep.equal(expected);
  });

  it('gives the same outcome as parseFlashImage on mutated images (result or error class, code, offset)', async () => {
    const image = builtImage();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: image.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (flips, verifyChecksums) => {
          const m = image.slice();
          for (const [at, x] of flips) m[at] = (m[at] ?? 0) ^ x;
          expect(await asyncOutcome(m, { verifyChecksums })).to.deep.equal(syncOutcome(m, { verifyChecksums }));
        }
      ),
      { numRuns: 80 }
    );
  });

  it('lzmaDecompressAsync settles like lzmaDecompress: same bytes, or a DecodeError with the same code', async () => {
    const data = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
    const packed = lzmaCompress(data);
    expect(await lzmaDecompressAsync(packed, 1 << 20)).to.deep.equal(lzmaDecompress(packed, 1 << 20));
    const corrupt = packed.slice();
    corrupt.fill(0xff, 20, 60);
    const syncErr = (() => {
      try {
        return lzmaDecompress(corrupt, 1 << 20);
      } catch (e) {
        return e;
      }
    })();
    const asyncErr = await lzmaDecompressAsync(corrupt, 1 << 20).catch((e: unknown) => e);
    expect(syncErr).to.be.instanceOf(DecodeError);
    expect(asyncErr).to.be.instanceOf(DecodeError);
    expect((asyncErr as DecodeError).code).to.equal((syncErr as DecodeError).code);
    const small = await lzmaDecompressAsync(packed, 100).catch((e: unknown) => e);
    expect(small).to.be.instanceOf(DecodeError);
    expect((small as DecodeError).code).to.equal('LIMIT_EXCEEDED');
  });

  it('lzmaDecompressAsync adopts a decode of exactly the same bytes once (adoptLzmaDecode), and settles as it would have', async () => {
    const data = new Uint8Array(4096).map((_, i) => (i * 13) & 0xff);
    const packed = lzmaCompress(data);
    const image = new Uint8Array(packed.length + 32);
    image.set(packed, 16);
    const view = image.subarray(16, 16 + packed.length);
    // A stand-in decode: adopted only for this buffer, offset and length, and only once.
    const stand = new Uint8Array(data.length).fill(0xa5);
    adoptLzmaDecode(view, Promise.resolve(stand));
    expect(await lzmaDecompressAsync(image.subarray(16, 16 + packed.length).slice(), 1 << 20)).to.deep.equal(data);
    expect(await lzmaDecompressAsync(packed, 1 << 20)).to.deep.equal(data);
    expect(await lzmaDecompressAsync(view, 1 << 20)).to.deep.equal(stand);
    expect(await lzmaDecompressAsync(view, 1 << 20)).to.deep.equal(data);
    // The header is still checked first; a rejected decode gives lzmaDecompress's DecodeError code.
    adoptLzmaDecode(view, Promise.resolve(stand));
    const limited = await lzmaDecompressAsync(view, 100).catch((e: unknown) => e);
    expect(limited).to.be.instanceOf(DecodeError);
    expect((limited as DecodeError).code).to.equal('LIMIT_EXCEEDED');
    const other = new Uint8Array(packed);
    adoptLzmaDecode(other, Promise.reject(new Error('corrupt input data')));
    const rejected = await lzmaDecompressAsync(other, 1 << 20).catch((e: unknown) => e);
    expect(rejected).to.be.instanceOf(DecodeError);
    expect((rejected as DecodeError).code).to.equal('BAD_VALUE');
    const short = new Uint8Array(packed);
    adoptLzmaDecode(short, Promise.resolve(data.subarray(1)));
    const wrongSize = await lzmaDecompressAsync(short, 1 << 20).catch((e: unknown) => e);
    expect(wrongSize).to.be.instanceOf(DecodeError);
    expect((wrongSize as DecodeError).code).to.equal('BAD_VALUE');
  });

  describe("on Debian's OVMF images", function () {
    this.timeout(20_000);
    const names = ['OVMF_CODE_4M.fd', 'OVMF_CODE.fd', 'OVMF_CODE_4M.secboot.fd'];
    before(function () {
      requirePrerequisites(this, { files: names.map((n) => join(OVMF_DIR, n)) });
    });
    for (const name of names) {
      it(`${name}: the same tree and decompressed bytes as parseFlashImage`, async () => {
        const image = new Uint8Array(readFileSync(join(OVMF_DIR, name)));
        const expected = syncOutcome(image);
        expect(expected.ok).to.equal(true);
        expect(await asyncOutcome(image)).to.deep.equal(expected);
      });
    }
  });
});
