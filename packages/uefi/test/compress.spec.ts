import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError } from '@tcg2sim/binary-codec';
import { requirePrerequisites, tempDir, thrownError } from '@tcg2sim/test-support';
import {
  bcjX86Convert, bcjX86Decode, bcjX86Encode, brotliSectionDecompress, lzmaDecompress, readBrotliSectionHeader, readLzmaHeader,
} from '@tcg2sim/uefi';
import { brotliSection, lzmaAlone } from './packers.ts';

const decodeError = (fn: () => unknown): DecodeError => thrownError(fn, DecodeError);

/** Deterministic bytes dense in E8/E9 opcodes and 00/FF operand bytes (every filter path). */
function branchy(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const r = x >>> 16;
    out[i] = r % 7 === 0 ? 0xe8 | (r & 1) : r % 3 === 0 ? (r & 2 ? 0xff : 0x00) : r & 0xff;
  }
  return out;
}

describe('x86 BCJ filter', () => {
  describe('against xz (raw x86 filter, start offset 0) @integration', () => {
    before(function () {
      requirePrerequisites(this, { tools: ['xz'] });
    });
    for (const [name, data] of [['branch-dense bytes', branchy(100_000, 7)], ['a short buffer', branchy(40, 3)]] as const) {
      it(`encodes and decodes ${name} exactly as xz --x86 does`, () => {
        const tmp = tempDir();
        try {
          const inPath = join(tmp.path, 'in');
          writeFileSync(inPath, data);
          const packed = execFileSync('xz', ['--format=raw', '--x86', '--lzma2=preset=0', '-c', inPath]);
          writeFileSync(join(tmp.path, 'packed'), packed);
          // Decoding without the x86 filter gives the filtered bytes as xz produced them.
          const filtered = new Uint8Array(execFileSync('xz', ['-d', '--format=raw', '--lzma2=preset=0', '-c', join(tmp.path, 'packed')]));
          if (data.length > 1000) expect(filtered).to.not.deep.equal(data);
          expect(bcjX86Encode(data.slice())).to.deep.equal(filtered);
          expect(bcjX86Decode(filtered.slice())).to.deep.equal(data);
        } finally {
          tmp.remove();
        }
      });
    }
  });

  it('converts a CALL rel32 to an absolute address and back (ip 0)', () => {
    // E8 at 0x10 with displacement 0x100: target 0x10 + 5 + 0x100 = 0x115.
    const code = new Uint8Array(32);
    code.set([0xe8, 0x00, 0x01, 0x00, 0x00], 0x10);
    const enc = bcjX86Encode(code.slice());
    expect([...enc.subarray(0x10, 0x15)]).to.deep.equal([0xe8, 0x15, 0x01, 0x00, 0x00]);
    expect(bcjX86Decode(enc)).to.deep.equal(code);
  });

  it('leaves the last four bytes and buffers under five bytes alone', () => {
    const tail = new Uint8Array([1, 2, 3, 0xe8, 0, 0, 0]);
    expect(bcjX86Encode(tail.slice())).to.deep.equal(tail);
    expect(bcjX86Convert(new Uint8Array([0xe8, 0, 0, 0]), 0, true)).to.equal(0);
  });

  it('decodes what it encodes, for any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 0x7fffffff }), (bytes, ip) => {
        const enc = bytes.slice();
        bcjX86Convert(enc, ip, true);
        bcjX86Convert(enc, ip, false);
        expect(enc).to.deep.equal(bytes);
      }),
      { numRuns: 300 }
    );
  });
});

describe('LZMA (EDK II .lzma streams)', () => {
  it('reads the header and decompresses to the announced size', () => {
    const data = new TextEncoder().encode('EFI_SECTION_PE32 '.repeat(50));
    const packed = lzmaAlone(data);
    expect(readLzmaHeader(packed, 1 << 20)).to.include({ lc: 3, lp: 0, pb: 2, uncompressedSize: data.length });
    expect(lzmaDecompress(packed, 1 << 20)).to.deep.equal(data);
  });

  it('refuses a stream whose announced size exceeds maxOut, unknown sizes included', () => {
    const packed = lzmaAlone(new Uint8Array(1000));
    expect(decodeError(() => lzmaDecompress(packed, 999)).code).to.equal('LIMIT_EXCEEDED');
    new DataView(packed.buffer, packed.byteOffset).setBigUint64(5, 0xffffffffffffffffn, true);
    expect(decodeError(() => lzmaDecompress(packed, 1 << 30)).code).to.equal('LIMIT_EXCEEDED');
  });

  it('rejects a bad properties byte, a short header and a stream shorter than announced', () => {
    const packed = lzmaAlone(new Uint8Array(1000).fill(1));
    expect(decodeError(() => lzmaDecompress(packed.map((b, i) => (i === 0 ? 225 : b)), 1 << 20)).code).to.equal('BAD_VALUE');
    expect(decodeError(() => lzmaDecompress(packed.subarray(0, 12), 1 << 20)).code).to.equal('SHORT_BUFFER');
    const longer = packed.slice();
    new DataView(longer.buffer).setBigUint64(5, 1001n, true);
    expect(decodeError(() => lzmaDecompress(longer, 1 << 20)).code).to.equal('BAD_VALUE');
  });
});

describe('Brotli (EDK II BrotliCompress sections)', () => {
  it('reads the 16-byte size header and decompresses', () => {
    const data = new TextEncoder().encode('Tcg2Dxe '.repeat(100));
    const body = brotliSection(data);
    expect(readBrotliSectionHeader(body, 1 << 20)).to.deep.equal({ decompressedSize: data.length, scratchSize: 0x2000n });
    expect(brotliSectionDecompress(body, 1 << 20)).to.deep.equal(data);
  });

  it('refuses a size above maxOut and a stream that is longer or shorter than announced', () => {
    const data = new Uint8Array(5000).fill(7);
    const body = brotliSection(data);
    expect(decodeError(() => brotliSectionDecompress(body, 4999)).code).to.equal('LIMIT_EXCEEDED');
    for (const size of [4999n, 5001n]) {
      const lie = body.slice();
      new DataView(lie.buffer).setBigUint64(0, size, true);
      expect(decodeError(() => brotliSectionDecompress(lie, 1 << 20)).code).to.equal('BAD_VALUE');
    }
  });

  it('decodes a body written by the brotli command line tool behind the EDK II header @integration', function () {
    requirePrerequisites(this, { tools: ['brotli'] });
    const tmp = tempDir();
    try {
      const data = branchy(20_000, 11);
      writeFileSync(join(tmp.path, 'in'), data);
      execFileSync('brotli', ['-q', '9', '-o', join(tmp.path, 'in.br'), join(tmp.path, 'in')]);
      const stream = readFileSync(join(tmp.path, 'in.br'));
      const body = new Uint8Array(16 + stream.length);
      new DataView(body.buffer).setBigUint64(0, BigInt(data.length), true);
      body.set(stream, 16);
      expect(brotliSectionDecompress(body, 1 << 20)).to.deep.equal(data);
    } finally {
      tmp.remove();
    }
  });
});
