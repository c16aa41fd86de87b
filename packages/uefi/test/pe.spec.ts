import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH, hash } from '@tcg2sim/hash-lib';
import {
  parsePeImage, parseTeImage, parseEfiImage, efiImageInfo, imageInfo, peImageHashRanges, peImageDigests,
  sectionsInHashOrder, sectionName, teSectionFileOffset, EFITeImageHeader, ImageSectionHeader,
  IMAGE_FILE_MACHINE,
} from '@tcg2sim/uefi';
import type { ImageSectionHeader as SectionHeader } from '@tcg2sim/uefi';
import { encode } from '@tcg2sim/binary-codec';
import { buildPe } from './helpers/pe-builder.js';
import { expectErrorCode } from '@tcg2sim/test-support';

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sha256 = (d: Uint8Array): string => hex(peImageDigests(d, [TPM_ALG_HASH.SHA256])[0]!.digest);

function expectDecodeError(fn: () => unknown, code: string, field?: string): DecodeError {
  const d = expectErrorCode(fn, DecodeError, code);
  if (field !== undefined) expect(d.path).to.include(field);
  return d;
}

const base = { sections: [{ name: '.text', data: bytes(0x300, 1) }, { name: '.data', data: bytes(0x120, 2) }] };

describe('PE/COFF headers', () => {
  it('parses a PE32+ image: DOS header, file header, optional header, directories, sections', () => {
    const f = buildPe({ format: 'pe32+', ...base, imageBase: 0x1234_5678_9000n, subsystem: 11 });
    const img = parsePeImage(f);
    expect(img.format).to.equal('pe32+');
    expect(img.dosHeader?.eLfanew).to.equal(0x80);
    expect(img.peHeaderOffset).to.equal(0x80);
    expect(img.optionalHeaderOffset).to.equal(0x98);
    expect(img.fileHeader.machine).to.equal(IMAGE_FILE_MACHINE.X64);
    expect(img.fileHeader.sizeOfOptionalHeader).to.equal(112 + 128);
    expect(img.dataDirectories).to.have.length(16);
    expect(img.sections.map(sectionName)).to.deep.equal(['.text', '.data']);
    const info = imageInfo(img);
    expect(info.imageAddress).to.equal(0x1234_5678_9000n);
    expect(info.subsystem).to.equal(11);
    expect(info.sizeOfHeaders).to.equal(0x200);
  });

  it('parses a PE32 image with 32-bit ImageBase and BaseOfData', () => {
    const img = parsePeImage(buildPe({ format: 'pe32', ...base, imageBase: 0xfffcc094n }));
    expect(img.format).to.equal('pe32');
    if (img.format !== 'pe32') return;
    expect(img.optionalHeader.imageBase).to.equal(0xfffcc094);
    expect(img.optionalHeader.baseOfData).to.equal(img.optionalHeader.baseOfCode);
    expect(imageInfo(img).imageAddress).to.equal(0xfffcc094n);
  });

  it('parses a PE header at offset 0 when there is no MZ header', () => {
    const f = buildPe({ format: 'pe32+', ...base });
    const bare = f.subarray(0x80);
    const img = parsePeImage(bare);
    expect(img.dosHeader).to.equal(undefined);
    expect(img.peHeaderOffset).to.equal(0);
  });

  it('parses a TE header and maps section offsets through StrippedSize', () => {
    const sec: SectionHeader = {
      name: new Uint8Array([0x2e, 0x74, 0x65, 0x78, 0x74, 0, 0, 0]), virtualSize: 0x100, virtualAddress: 0x240,
      sizeOfRawData: 0x100, pointerToRawData: 0x240, pointerToRelocations: 0, pointerToLinenumbers: 0,
      numberOfRelocations: 0, numberOfLinenumbers: 0, characteristics: 0x60000020,
    };
    const hdr = encode(EFITeImageHeader, {
      signature: 0x5a56, machine: 0x14c, numberOfSections: 1, subsystem: 11, strippedSize: 0x1d8,
      addressOfEntryPoint: 0x250, baseOfCode: 0x240, imageBase: 0xfff00000n,
      baseRelocationDirectory: { virtualAddress: 0, size: 0 }, debugDirectory: { virtualAddress: 0, size: 0 },
    });
    const f = new Uint8Array(0x40 + 40 + 0x100);
    f.set(hdr, 0);
    f.set(encode(ImageSectionHeader, sec), 40);
    const img = parseEfiImage(f);
    expect(img.format).to.equal('te');
    if (img.format !== 'te') return;
    expect(img.teHeader.strippedSize).to.equal(0x1d8);
    expect(teSectionFileOffset(img, img.sections[0]!)).to.equal(0x240 - 0x1d8 + 40);
    const info = imageInfo(img);
    // EDK II: ImageAddress = ImageBase + StrippedSize - sizeof (EFI_TE_IMAGE_HEADER)
    expect(info.imageAddress).to.equal(0xfff00000n + 0x1d8n - 40n);
    expect(info.sizeOfHeaders).to.equal(40 + 0x240 - 0x1d8);
    // A TE image has no PE signature: EDK II's image hash refuses it.
    expectDecodeError(() => peImageDigests(f, [TPM_ALG_HASH.SHA256]), 'BAD_VALUE', 'signature');
    expectDecodeError(() => parseTeImage(f.subarray(0, 39)), 'SHORT_BUFFER');
  });

  it('rejects a bad PE signature, an unknown magic and too many data directories', () => {
    const f = buildPe({ format: 'pe32+', ...base });
    const g = f.slice();
    g[0x81] = 0x46;
    expectDecodeError(() => parsePeImage(g), 'BAD_VALUE', 'signature');
    const m = f.slice();
    m[0x98] = 0x07;
    expectDecodeError(() => parsePeImage(m), 'BAD_VALUE', 'magic');
    const n = f.slice();
    new DataView(n.buffer).setUint32(0x98 + 108, 17, true);
    expectDecodeError(() => parsePeImage(n), 'BAD_VALUE', 'numberOfRvaAndSizes');
    const l = f.slice();
    new DataView(l.buffer).setUint32(0x3c, 0xfffffff0, true);
    expectDecodeError(() => parsePeImage(l), 'SHORT_BUFFER', 'eLfanew');
  });

  it('reports truncation anywhere in the headers as SHORT_BUFFER', () => {
    const f = buildPe({ format: 'pe32', ...base });
    for (const cut of [1, 10, 0x40, 0x84, 0x98, 0x98 + 100, 0x98 + 96 + 128 + 30]) {
      expectDecodeError(() => parsePeImage(f.subarray(0, cut)), 'SHORT_BUFFER');
    }
  });
});

describe('efiImageInfo (the summary without decoding directories and sections)', () => {
  /** The full parse's summary or its error, to compare field by field. */
  const outcome = (f: () => unknown): unknown => {
    try {
      return { value: f() };
    } catch (e) {
      expect(e).to.be.instanceOf(DecodeError);
      const d = e as DecodeError;
      return { code: d.code, message: d.message, offset: d.offset, path: d.path };
    }
  };
  const same = (g: Uint8Array): void => {
    expect(outcome(() => efiImageInfo(g))).to.deep.equal(outcome(() => imageInfo(parseEfiImage(g))));
  };
  const le32 = (f: Uint8Array, at: number, v: number): Uint8Array => {
    const g = f.slice();
    new DataView(g.buffer).setUint32(at, v, true);
    return g;
  };
  const le16 = (f: Uint8Array, at: number, v: number): Uint8Array => {
    const g = f.slice();
    new DataView(g.buffer).setUint16(at, v, true);
    return g;
  };

  it('equals imageInfo(parseEfiImage()) for PE32, PE32+ and fewer directories, and at every truncation', () => {
    for (const spec of [{ format: 'pe32+' as const, ...base, subsystem: 11 }, { format: 'pe32' as const, ...base, subsystem: 12 }, { format: 'pe32+' as const, ...base, subsystem: 10, numberOfRvaAndSizes: 6 }]) {
      const f = buildPe(spec);
      expect(efiImageInfo(f)).to.deep.equal(imageInfo(parseEfiImage(f)));
      expect(efiImageInfo(f).subsystem).to.equal(spec.subsystem);
      for (let cut = 0; cut <= 0x300 && cut <= f.length; cut++) same(f.subarray(0, cut));
      same(f.subarray(0x80));
    }
  });

  it('throws what parseEfiImage throws for each header field that decides whether directories and sections fit', () => {
    const f = buildPe({ format: 'pe32+', ...base });
    const opt = 0x98;
    const cases = [
      le32(f, 0x3c, 0xfffffff0), le32(f, 0x3c, f.length - 4), le32(f, 0x3c, 0x3c), f.slice(0, 0x44),
      le32(f, 0x80, 0x4546), le16(f, opt, 0x107), le16(f, opt, 0x10b),
      le32(f, opt + 108, 17), le32(f, opt + 108, 16), le32(f, opt + 108, 0),
      le16(f, 0x94, 111), le16(f, 0x94, 112 + 127), le16(f, 0x94, 0xffff), le16(f, 0x94, 0),
      le16(f, 0x86, 0xffff), le16(f, 0x86, 0), le16(f, 0x86, Math.floor((f.length - (opt + 240)) / 40)), le16(f, 0x86, Math.floor((f.length - (opt + 240)) / 40) + 1),
    ];
    for (const g of cases) same(g);
  });

  it('equals imageInfo(parseEfiImage()) for a TE image and its truncations', () => {
    const hdr = encode(EFITeImageHeader, {
      signature: 0x5a56, machine: 0x14c, numberOfSections: 1, subsystem: 11, strippedSize: 0x1d8,
      addressOfEntryPoint: 0x250, baseOfCode: 0x240, imageBase: 0xfff00000n,
      baseRelocationDirectory: { virtualAddress: 0, size: 0 }, debugDirectory: { virtualAddress: 0, size: 0 },
    });
    const f = new Uint8Array(0x40 + 40 + 0x100);
    f.set(hdr, 0);
    expect(efiImageInfo(f).machine).to.equal(0x14c);
    for (let cut = 0; cut <= 90; cut++) same(f.subarray(0, cut));
  });

  it('equals imageInfo(parseEfiImage()) on mutated and truncated images (property)', () => {
    const f = buildPe({ format: 'pe32+', ...base, trailing: bytes(9, 9) });
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat({ max: 0x1a0 }), v: fc.nat({ max: 255 }) }), { maxLength: 4 }),
        fc.nat({ max: f.length }),
        (muts, len) => {
          const g = f.slice(0, len);
          for (const m of muts) if (m.at < g.length) g[m.at] = m.v;
          same(g);
        }
      ),
      { numRuns: 500, seed: 7 }
    );
  });
});

describe('EDK II PE/COFF image hash', () => {
  it('hashes exactly the documented ranges of a PE32+ image with 16 directories', () => {
    const f = buildPe({ format: 'pe32+', ...base, trailing: bytes(0x33, 9) });
    const O = 0x98;
    const ranges = peImageHashRanges(f);
    const img = parsePeImage(f);
    const s = img.sections;
    expect(ranges).to.deep.equal([
      { start: 0, end: O + 64 },
      { start: O + 68, end: O + 112 + 32 },
      { start: O + 112 + 40, end: 0x200 },
      { start: s[0]!.pointerToRawData, end: s[0]!.pointerToRawData + 0x300 },
      { start: s[1]!.pointerToRawData, end: s[1]!.pointerToRawData + 0x120 },
      { start: 0x200 + 0x300 + 0x120, end: f.length },
    ]);
  });

  it('skips the Security entry only when NumberOfRvaAndSizes > 4', () => {
    const f = buildPe({ format: 'pe32', ...base, numberOfRvaAndSizes: 4 });
    const O = 0x98;
    expect(peImageHashRanges(f).slice(0, 2)).to.deep.equal([{ start: 0, end: O + 64 }, { start: O + 68, end: 0x200 }]);
  });

  it('ignores the CheckSum and the Security directory entry, but not other header bytes', () => {
    const f = buildPe({ format: 'pe32+', ...base });
    const d0 = sha256(f);
    const c = f.slice();
    new DataView(c.buffer).setUint32(0x98 + 64, 0xdeadbeef, true);
    expect(sha256(c)).to.equal(d0);
    const h = f.slice();
    h[0x98 + 2] = (h[0x98 + 2] ?? 0) ^ 1; // MajorLinkerVersion
    expect(sha256(h)).to.not.equal(d0);
  });

  it('excludes a certificate table at the end of the file', () => {
    const plain = buildPe({ format: 'pe32+', ...base, trailing: bytes(5, 3) });
    const signed = buildPe({ format: 'pe32+', ...base, trailing: bytes(5, 3), certificate: bytes(100, 7) });
    // Same headers apart from the Security entry, same sections, same trailing bytes (plus padding
    // to 8 before the table): the digest covers the padding, so compare with the padded file.
    const padded = buildPe({ format: 'pe32+', ...base, trailing: Uint8Array.from([...bytes(5, 3), 0, 0, 0]) });
    expect(sha256(signed)).to.equal(sha256(padded));
    expect(sha256(signed)).to.not.equal(sha256(plain));
  });

  it('refuses a file shorter than SUM + certificate size (EFI_UNSUPPORTED in EDK II)', () => {
    const signed = buildPe({ format: 'pe32+', ...base, certificate: bytes(64, 7) });
    const dirAt = 0x98 + 112 + 32;
    const g = signed.slice();
    const dv = new DataView(g.buffer);
    // Claim a bigger certificate that still ends inside the file (passes the loader check) but
    // starts before SUM.
    dv.setUint32(dirAt, 0x200, true);
    dv.setUint32(dirAt + 4, g.length - 0x200, true);
    expectDecodeError(() => peImageHashRanges(g), 'UNSUPPORTED', 'securityDirectory');
  });

  it('hashes sections in PointerToRawData order, ties in table order (stable)', () => {
    const mk = (p: number, tag: number): SectionHeader => ({
      name: new Uint8Array(8).fill(tag), virtualSize: 0, virtualAddress: 0, sizeOfRawData: 1, pointerToRawData: p,
      pointerToRelocations: 0, pointerToLinenumbers: 0, numberOfRelocations: 0, numberOfLinenumbers: 0, characteristics: 0,
    });
    const order = sectionsInHashOrder([mk(0x400, 1), mk(0x200, 2), mk(0x400, 3), mk(0x200, 4), mk(0x300, 5)]);
    expect(order.map((s) => s.name[0])).to.deep.equal([2, 4, 5, 1, 3]);
    const f = buildPe({ format: 'pe32+', ...base, placement: [1, 0] });
    const r = peImageHashRanges(f);
    const img = parsePeImage(f);
    expect(r[3]!.start).to.equal(img.sections[1]!.pointerToRawData);
    expect(img.sections[1]!.pointerToRawData).to.be.lessThan(img.sections[0]!.pointerToRawData);
  });

  it('computes every bank over the same bytes', () => {
    const f = buildPe({ format: 'pe32', ...base, trailing: bytes(17, 4) });
    const joined = Buffer.concat(peImageHashRanges(f).map((r) => f.subarray(r.start, r.end)));
    const algs = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512, TPM_ALG_HASH.SM3_256] as const;
    const got = peImageDigests(f, algs);
    expect(got.map((d) => d.alg)).to.deep.equal([...algs]);
    for (const d of got) expect(hex(d.digest)).to.equal(hex(hash(d.alg, joined)));
  });

  it('applies the EDK II loader checks (machine, SizeOfOptionalHeader, SizeOfHeaders, sections)', () => {
    expectDecodeError(() => peImageHashRanges(buildPe({ format: 'pe32+', ...base, machine: 0x1c0 })), 'UNSUPPORTED', 'machine');
    const f = buildPe({ format: 'pe32+', ...base });
    const dv = (b: Uint8Array): DataView => new DataView(b.buffer);
    const a = f.slice();
    dv(a).setUint16(0x84 + 16, 112 + 128 + 8, true); // SizeOfOptionalHeader != fixed + 8n
    expectDecodeError(() => peImageHashRanges(a), 'UNSUPPORTED', 'sizeOfOptionalHeader');
    const b = f.slice();
    dv(b).setUint32(0x98 + 60, 0x100, true); // SizeOfHeaders inside the section table
    expectDecodeError(() => peImageHashRanges(b), 'UNSUPPORTED', 'sizeOfHeaders');
    const c = f.slice();
    const secTable = 0x98 + 112 + 128;
    dv(c).setUint32(secTable + 20, 0x100, true); // PointerToRawData inside the headers
    expectDecodeError(() => peImageHashRanges(c), 'UNSUPPORTED', 'sections.0');
    const d = f.slice();
    dv(d).setUint32(secTable + 16, 0x100000, true); // SizeOfRawData past the end of the file
    expectDecodeError(() => peImageHashRanges(d), 'UNSUPPORTED', 'sections.0');
    const e = f.slice();
    dv(e).setUint32(0x98 + 56, 0x200, true); // SizeOfImage <= SizeOfHeaders
    expectDecodeError(() => peImageHashRanges(e), 'UNSUPPORTED');
  });

  it('refuses a file shorter than the headers EDK II reads (64-byte DOS header + 264-byte NT header union)', () => {
    const f = buildPe({ format: 'pe32', sections: [], numberOfRvaAndSizes: 0, lfanew: 0x40 });
    // Shrink SizeOfHeaders to 0x120 and the file with it: consistent, but shorter than 0x40 + 264.
    const g = f.slice(0, 0x120);
    new DataView(g.buffer).setUint32(0x58 + 60, 0x120, true);
    expect(parsePeImage(g).sections).to.have.length(0);
    expectDecodeError(() => peImageHashRanges(g), 'UNSUPPORTED', 'signature');
    const h = f.slice();
    expect(peImageHashRanges(h)).to.have.length(2);
  });

  it('never throws anything but DecodeError on mutated or truncated images (property)', () => {
    const f = buildPe({ format: 'pe32+', ...base, certificate: bytes(40, 1), trailing: bytes(9, 9) });
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat({ max: 0x300 }), v: fc.nat({ max: 255 }) }), { maxLength: 6 }),
        fc.nat({ max: f.length }),
        (muts, len) => {
          const g = f.slice(0, Math.max(len, 1));
          for (const m of muts) if (m.at < g.length) g[m.at] = m.v;
          try {
            const ranges = peImageHashRanges(g);
            for (const r of ranges) expect(r.end).to.be.at.most(g.length);
          } catch (e) {
            expect(e).to.be.instanceOf(DecodeError);
          }
        }
      ),
      { numRuns: 300, seed: 42 }
    );
  });
});
