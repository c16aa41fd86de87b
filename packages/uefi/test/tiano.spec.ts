import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError } from '@tcg2sim/binary-codec';
import { tianoCompress, tianoDecompress, tianoStreamSizes, huffmanLengths } from '@tcg2sim/uefi';
import type { TianoVariant } from '@tcg2sim/uefi';
import { expectErrorCode } from '@tcg2sim/test-support';

/** A stream from a string of '0'/'1' (spaces ignored), zero-padded to a byte, with its header. */
function handStream(bits: string, originalSize: number): Uint8Array {
  const b = bits.replace(/\s+/g, '');
  const body = new Uint8Array(Math.ceil(b.length / 8));
  for (let i = 0; i < b.length; i++) if (b[i] === '1') body[i >> 3]! |= 0x80 >> (i & 7);
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  new DataView(out.buffer).setUint32(4, originalSize, true);
  out.set(body, 8);
  return out;
}
const bin = (v: number, n: number): string => v.toString(2).padStart(n, '0');

const expectDecodeError = (fn: () => unknown, code: string): DecodeError => expectErrorCode(fn, DecodeError, code);

/**
 * "aaaa" as one literal and one match (length 3, distance 1), with real two-symbol Huffman codes
 * for the extra set (symbols 2 and 3) and the Char&Len set ('a' and 256), and a single-symbol
 * position set (0). Built bit by bit from the format description (UEFI 2.9 §19).
 */
function aaaaStream(pbit: number, ptLengths = '000 000 001 00 001'): Uint8Array {
  return handStream(
    bin(2, 16) + // BlockSize: 2 symbols
      bin(4, 5) + ptLengths + // extra set: n=4, lengths 0,0,1 | 2-bit zero run 0 | 1
      bin(257, 9) + // Char&Len set: 257 lengths
      '0' + bin(97 - 20, 9) + // symbol 2: 97 zeros (0x00..0x60)
      '1' + // symbol 3: length 1 for 'a' (0x61)
      '0' + bin(158 - 20, 9) + // symbol 2: 158 zeros (0x62..0xFF)
      '1' + // symbol 3: length 1 for 256 (match of 3)
      bin(0, pbit) + bin(0, pbit) + // position set: single symbol 0 (distance 1)
      '0' + // 'a'
      '1', // match 3, position symbol takes no bits
    4
  );
}

/**
 * Streams made by EDK II's own compressors (BaseTools EfiCompress.c, WNDBIT 13 / PBIT 4, and
 * TianoCompress.c, WNDBIT 19 / PBIT 5), compiled and run locally once on the inputs below; only
 * their output is kept here. In the same local run, 60 inputs (OVMF PE images, the iPXE ROM,
 * text, random and zero-filled data of 0 to 600 KiB) compressed by EDK II decoded correctly with
 * tianoDecompress, and EDK II's decompressor decoded tianoCompress's streams, in both variants.
 */
const EDK2_TEXT = Array.from({ length: 60 }, (_, i) => `EFI_SECTION_${i} quick brown fox ${i * i} `).join('');
const EDK2_VECTORS: { name: string; variant: TianoVariant; input: string; hex: string }[] = [
  { name: 'EfiCompress of "AAAAAAAA" x 90', variant: 'efi', input: 'AAAAAAAA'.repeat(90), hex: '0e000000d0020000000428044bfc16ebb60e40118000' },
  { name: 'TianoCompress of "AAAAAAAA" x 90', variant: 'tiano', input: 'AAAAAAAA'.repeat(90), hex: '0e000000d0020000000428044bfc16ebb60e40046000' },
  {
    name: 'EfiCompress of 2104 bytes of text', variant: 'efi', input: EDK2_TEXT,
    hex: '5b01000038080000010b6296add8ac4b80cf66592496db8c9a86e0fdc05c7d0504110745047fc39b8afaf7d677700005b196f977f3e9e3cbbbcb9f87fba536f9fbf6f4f7dbcfebafe7c6debd7ffb536fef7a6bde9bfbd75ef7dfdedaf7e37f7bcf3f5dfe08d7c0b1bfc15d7c0d9e06d3116603bebe0ae644c6be0be40a92464a024124a8e164988f9825188bf326a1296321142540554a93b8e164b0b7105c969944a382bf14c725d705d592ebb8e14d555f305ac97617328ac9762d90bac976a0bab25daf1c2c976dc41725db71289aba017692ee0175a4bb80a36357740ea6357941462c6af5053c341b4a0616a9f8c58334989185a6b5fb5c9895e4c8902f6dce086a0cce7045518697267b0c573933dc63cdfb609464e1ce09a80cee704e83384e7050b4107c99d5a8257933abd321f8a1c5b833c499d6bc70f2675b083e18e4004af12675c71ae2933b706783ae640af8b76cb6883ce645851fc1cc93fed43800',
  },
  {
    name: 'TianoCompress of 2104 bytes of text', variant: 'tiano', input: EDK2_TEXT,
    hex: '5b01000038080000010b6296add8ac4b80cf66592496db8c9a86e0fdc05c7d0504110745047fc39b8afaf7d677580002d8cb7cbbf9f4f1e5dde5cfc3fdd29b7cfdfb7a7bede7f5d7f3e36f5ebffda9b7f7bd35ef4dfdebaf7befef6d7bf1bfbde79faeff046be058dfe0aebe06cf036988b301df5f057322635f05f2054923250120925470b24c47cc128c45f9935094b1908a12a02aa549dc70b2585b882e4b4ca251c15f8a6392eb82eac975dc70a6aaaf982d64bb0b994564bb16c85d64bb505d592ed78e164bb6e20b92edb8944d5d00bb497700bad25dc051b1abba07531abca0a316357a829e1a0da5030b54fc62c19a4c48c2d35afdae4c4af2644817b6e7043506673822a8c34b933d862b9c99ee31e6fdb04a3270e704d406773827419c2738285a083e4cead412bc99d5e990fc50e2dc19e24ceb5e387933ad841f0c72002578933ae38d71499db833c1d732057c5bb65b441e7322c28fe0e649ff6a1c00',
  },
];

describe('Tiano / EFI decompression: streams from EDK II\'s compressors', () => {
  for (const v of EDK2_VECTORS) {
    it(`decodes ${v.name}`, () => {
      const s = Buffer.from(v.hex, 'hex');
      expect(Buffer.from(tianoDecompress(s, v.input.length, v.variant)).toString('latin1')).to.equal(v.input);
    });
  }
  it('does not give the input when a Tiano stream is decoded as EFI 1.1 (PBIT 5 read as 4)', () => {
    const v = EDK2_VECTORS[3]!;
    try {
      const wrong = tianoDecompress(Buffer.from(v.hex, 'hex'), v.input.length, 'efi');
      expect(Buffer.from(wrong).toString('latin1')).to.not.equal(v.input);
    } catch (e) {
      expect(e).to.be.instanceOf(DecodeError);
    }
  });
});

describe('Tiano / EFI decompression: hand-built streams', () => {
  it('decodes single-symbol sets coded with zero bits ("AAAA")', () => {
    const s = handStream(bin(4, 16) + bin(0, 5) + bin(0, 5) + bin(0, 9) + bin(0x41, 9) + bin(0, 4) + bin(0, 4), 4);
    expect(Buffer.from(tianoDecompress(s, 100)).toString()).to.equal('AAAA');
  });

  it('decodes a literal and a match with two-symbol codes, in both variants (PBIT 4 and 5)', () => {
    expect(Buffer.from(tianoDecompress(aaaaStream(4), 4, 'efi')).toString()).to.equal('aaaa');
    expect(Buffer.from(tianoDecompress(aaaaStream(5), 4, 'tiano')).toString()).to.equal('aaaa');
  });

  it('stops at OriginalSize in the middle of a match', () => {
    const s = aaaaStream(4);
    new DataView(s.buffer).setUint32(4, 2, true);
    expect(Buffer.from(tianoDecompress(s, 4)).toString()).to.equal('aa');
  });

  it('reads the sizes from the header', () => {
    expect(tianoStreamSizes(aaaaStream(4))).to.deep.equal({ compressedSize: aaaaStream(4).length - 8, originalSize: 4 });
  });

  it('refuses an incomplete Huffman code (BAD_VALUE)', () => {
    // Extra-set lengths 0,0,1,2: Kraft sum 3/4.
    expectDecodeError(() => tianoDecompress(aaaaStream(4, '000 000 001 00 010'), 4), 'BAD_VALUE');
  });

  it('refuses an over-subscribed Huffman code (BAD_VALUE)', () => {
    // Lengths 1,1,1 for symbols 0,2,3: Kraft sum 3/2.
    expectDecodeError(() => tianoDecompress(aaaaStream(4, '001 000 001 00 001'), 4), 'BAD_VALUE');
  });

  it('refuses a match reaching before the start of the output (BAD_VALUE)', () => {
    // The Char&Len set's single symbol is 256: the first symbol is a match.
    const s = handStream(bin(1, 16) + bin(0, 5) + bin(0, 5) + bin(0, 9) + bin(256, 9) + bin(0, 4) + bin(0, 4), 3);
    expectDecodeError(() => tianoDecompress(s, 3), 'BAD_VALUE');
  });

  it('refuses a single symbol outside its alphabet (BAD_VALUE)', () => {
    const s = handStream(bin(1, 16) + bin(0, 5) + bin(0, 5) + bin(0, 9) + bin(511, 9) + bin(0, 4) + bin(0, 4), 3);
    expectDecodeError(() => tianoDecompress(s, 3), 'BAD_VALUE');
  });

  it('checks OriginalSize against maxOutput before allocating (LIMIT_EXCEEDED)', () => {
    const s = handStream('', 0xffffffff);
    const e = expectDecodeError(() => tianoDecompress(s, 1 << 20), 'LIMIT_EXCEEDED');
    expect(e.path).to.deep.equal(['EFI_COMPRESSED_DATA', 'originalSize']);
  });

  it('refuses a short header and a CompressedSize beyond the data (SHORT_BUFFER)', () => {
    expectDecodeError(() => tianoDecompress(new Uint8Array(7), 10), 'SHORT_BUFFER');
    const s = aaaaStream(4);
    expectDecodeError(() => tianoDecompress(s.subarray(0, s.length - 1), 4), 'SHORT_BUFFER');
  });

  it('refuses a stream that ends long before the output is complete (SHORT_BUFFER)', () => {
    const big = tianoCompress(Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251));
    const cut = big.slice(0, 200);
    new DataView(cut.buffer).setUint32(0, 192, true);
    expectDecodeError(() => tianoDecompress(cut, 5000), 'SHORT_BUFFER');
  });

  it('rejects bad arguments as caller bugs', () => {
    expect(() => tianoDecompress(aaaaStream(4), -1)).to.throw(RangeError);
    expect(() => tianoDecompress('x' as unknown as Uint8Array, 4)).to.throw(TypeError);
  });
});

describe('Tiano / EFI compression round trips', () => {
  const variants: TianoVariant[] = ['efi', 'tiano'];
  // Data with structure, so the matcher finds matches at all distances.
  const structured = fc
    .array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.constantFrom(new TextEncoder().encode('EFI_SECTION_'), new Uint8Array(64))), { maxLength: 60 })
    .chain((parts) => fc.array(fc.nat({ max: Math.max(parts.length - 1, 0) }), { maxLength: 120 }).map((idx) => ({ parts, idx })))
    .map(({ parts, idx }) => Uint8Array.from(idx.flatMap((i) => [...(parts[i] ?? [])])));

  for (const variant of variants) {
    it(`decompress(compress(x)) = x, ${variant} variant, matches on, small blocks (property)`, () => {
      fc.assert(
        fc.property(structured, fc.integer({ min: 1, max: 300 }), (x, blockSymbols) => {
          const c = tianoCompress(x, { variant, blockSymbols });
          expect(tianoStreamSizes(c).originalSize).to.equal(x.length);
          expect(Buffer.from(tianoDecompress(c, x.length, variant)).equals(Buffer.from(x))).to.equal(true);
        }),
        { numRuns: 150, seed: 1 }
      );
    });
    it(`decompress(compress(x)) = x, ${variant} variant, literal-only streams (property)`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 3000 }), (x) => {
          const c = tianoCompress(x, { variant, matches: false });
          expect(Buffer.from(tianoDecompress(c, x.length, variant)).equals(Buffer.from(x))).to.equal(true);
        }),
        { numRuns: 60, seed: 2 }
      );
    });
  }

  it('uses long distances only in the Tiano variant (window 2^19 vs 2^13)', () => {
    const chunk = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff);
    const noise = Uint8Array.from({ length: 20000 }, (_, i) => (i * 2654435761) >>> 24);
    const x = Uint8Array.from([...chunk, ...noise, ...chunk]);
    const efi = tianoCompress(x, { variant: 'efi' });
    const tiano = tianoCompress(x, { variant: 'tiano' });
    expect(tiano.length).to.be.lessThan(efi.length - 1000);
    expect(Buffer.from(tianoDecompress(tiano, x.length, 'tiano')).equals(Buffer.from(x))).to.equal(true);
    expect(Buffer.from(tianoDecompress(efi, x.length, 'efi')).equals(Buffer.from(x))).to.equal(true);
  });

  it('compresses a long run to a few bytes and back', () => {
    const x = new Uint8Array(100_000).fill(0xff);
    const c = tianoCompress(x);
    expect(c.length).to.be.lessThan(2000);
    expect(tianoDecompress(c, x.length).every((b) => b === 0xff)).to.equal(true);
  });

  it('limits Huffman code lengths to 16 bits even for Fibonacci frequencies', () => {
    const fib = [1, 1];
    while (fib.length < 40) fib.push(fib[fib.length - 1]! + fib[fib.length - 2]!);
    const l = huffmanLengths(fib);
    expect(Math.max(...l)).to.be.at.most(16);
    let kraft = 0;
    for (const x of l) if (x > 0) kraft += 2 ** -x;
    expect(kraft).to.equal(1);
  });
});

describe('Tiano / EFI decompression of hostile input', () => {
  it('returns OriginalSize bytes or throws DecodeError on mutated streams, never hangs (property)', () => {
    const x = new TextEncoder().encode('The quick brown fox jumps over the lazy dog. '.repeat(40));
    const c = tianoCompress(x, { blockSymbols: 200 });
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat({ max: c.length - 1 }), v: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom<TianoVariant>('efi', 'tiano'),
        (muts, variant) => {
          const g = c.slice();
          for (const m of muts) g[m.at] = m.v;
          try {
            const out = tianoDecompress(g, 1 << 16, variant);
            expect(out.length).to.equal(tianoStreamSizes(g).originalSize);
          } catch (e) {
            expect(e).to.be.instanceOf(DecodeError);
          }
        }
      ),
      { numRuns: 400, seed: 3 }
    );
  });

  it('handles random bytes after a plausible header (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat({ max: 5000 }), (body, orig) => {
        const s = new Uint8Array(8 + body.length);
        new DataView(s.buffer).setUint32(0, body.length, true);
        new DataView(s.buffer).setUint32(4, orig, true);
        s.set(body, 8);
        try {
          expect(tianoDecompress(s, 5000).length).to.equal(orig);
        } catch (e) {
          expect(e).to.be.instanceOf(DecodeError);
        }
      }),
      { numRuns: 400, seed: 4 }
    );
  });
});
