/**
 * The PE32/PE32+ writer: images pass EDK II's loader checks (checkPeImageLoadable), parse back
 * with the fields written, and pesign (Debian's own Authenticode implementation) computes the
 * digest we compute.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { toHex } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import {
  buildPeImage, checkPeImageLoadable, IMAGE_FILE_MACHINE, IMAGE_SCN, IMAGE_SUBSYSTEM, imageInfo, minimalEfiImage, parsePeImage,
  peImageDigests, RETURN_EFI_SUCCESS_CODE, sectionName,
} from '@tcg2sim/uefi';
import type { PeBuildSection } from '@tcg2sim/uefi';

const sectionArb = fc.record({
  name: fc.constantFrom('.text', '.data', '.rdata', 'x'),
  data: fc.uint8Array({ maxLength: 3000 }),
  characteristics: fc.constantFrom(IMAGE_SCN.CNT_CODE | IMAGE_SCN.MEM_EXECUTE | IMAGE_SCN.MEM_READ, IMAGE_SCN.CNT_INITIALIZED_DATA | IMAGE_SCN.MEM_READ),
});

describe('PE image writer', () => {
  it('writes an X64 EFI application (PE32+, subsystem 10) that EDK II would load, entry point on the code', () => {
    const image = minimalEfiImage();
    const pe = parsePeImage(image);
    checkPeImageLoadable(pe, image.length);
    expect(pe.format).to.equal('pe32+');
    expect(pe.fileHeader.machine).to.equal(IMAGE_FILE_MACHINE.X64);
    expect(pe.optionalHeader.subsystem).to.equal(IMAGE_SUBSYSTEM.EFI_APPLICATION);
    expect(imageInfo(pe).machine).to.equal(IMAGE_FILE_MACHINE.X64);
    const text = pe.sections[0];
    expect(text && sectionName(text)).to.equal('.text');
    expect(pe.optionalHeader.addressOfEntryPoint).to.equal(text?.virtualAddress);
    const raw = text?.pointerToRawData ?? 0;
    expect(image.subarray(raw, raw + 3)).to.deep.equal(RETURN_EFI_SUCCESS_CODE);
    expect(pe.optionalHeader.sizeOfImage % pe.optionalHeader.sectionAlignment).to.equal(0);
  });

  it('writes an IA32 PE32 image when asked, and different data gives a different digest', () => {
    const a = minimalEfiImage({ format: 'pe32', subsystem: IMAGE_SUBSYSTEM.EFI_BOOT_SERVICE_DRIVER, data: Uint8Array.of(1) });
    const pe = parsePeImage(a);
    checkPeImageLoadable(pe, a.length);
    expect(pe.format).to.equal('pe32');
    expect(pe.fileHeader.machine).to.equal(IMAGE_FILE_MACHINE.I386);
    const b = minimalEfiImage({ format: 'pe32', subsystem: IMAGE_SUBSYSTEM.EFI_BOOT_SERVICE_DRIVER, data: Uint8Array.of(2) });
    const d = (x: Uint8Array): string => toHex(peImageDigests(x, [TPM_ALG_HASH.SHA256])[0]?.digest ?? new Uint8Array());
    expect(d(a)).to.not.equal(d(b));
  });

  it('every image with any sections passes the loader checks and parses back its sections (property)', () => {
    fc.assert(
      fc.property(fc.array(sectionArb, { minLength: 1, maxLength: 5 }), fc.constantFrom('pe32' as const, 'pe32+' as const), (sections: PeBuildSection[], format) => {
        const image = buildPeImage({ format, sections });
        const pe = parsePeImage(image);
        checkPeImageLoadable(pe, image.length);
        expect(pe.sections.map((s) => sectionName(s))).to.deep.equal(sections.map((s) => s.name));
        pe.sections.forEach((s, i) => {
          const want = sections[i]?.data ?? new Uint8Array();
          expect(image.subarray(s.pointerToRawData, s.pointerToRawData + want.length)).to.deep.equal(want);
        });
      }),
      { numRuns: 50 }
    );
  });

  it('refuses an empty section list and a section name longer than 8 characters', () => {
    expect(() => buildPeImage({ sections: [] })).to.throw(RangeError);
    expect(() => buildPeImage({ sections: [{ name: '.toolongname', data: new Uint8Array(1), characteristics: 0 }] })).to.throw(RangeError);
  });
});

describe('PE image writer against pesign @integration', function () {
  this.timeout(60_000);
  let tmp: { path: string; remove: () => void } | undefined;
  before(function () {
    requirePrerequisites(this, { tools: ['pesign'] });
    tmp = tempDir('tcg2sim-pe-build-');
  });
  after(() => tmp?.remove());

  const pesign = (file: string, digest: 'sha1' | 'sha256'): string => {
    const out = execFileSync('pesign', ['-h', '-d', digest, '-i', file], { encoding: 'utf8' });
    return /hash:\s*([0-9a-f]+)/.exec(out)?.[1] ?? `no hash in ${out}`;
  };

  it('pesign computes our sha256 and sha1 image digests for written images (minimal ones and 12 random ones)', () => {
    const images = [minimalEfiImage(), minimalEfiImage({ format: 'pe32', data: Uint8Array.of(7, 7) })];
    fc.sample(fc.array(sectionArb, { minLength: 1, maxLength: 4 }), { numRuns: 12, seed: 42 }).forEach((sections) => {
      images.push(buildPeImage({ sections }));
    });
    images.forEach((image, i) => {
      const file = join(tmp?.path ?? '.', `img${i}.efi`);
      writeFileSync(file, image);
      const ours = peImageDigests(image, [TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA1]).map((d) => toHex(d.digest));
      expect([pesign(file, 'sha256'), pesign(file, 'sha1')], `image ${i}`).to.deep.equal(ours);
    });
  });
});
