import { expect } from 'chai';
import { findCcAttrReadFlag, hasCpuidAddressWidth, isCombinedImageStore, releaseFloorOfBds } from '@tcg2sim/platform-ovmf';

// The image facts read for docs/distro-builds-2024.md, on synthetic encodings; the real images'
// boots are checked by packages/cli/test/distro-builds-2024.spec.ts and
// test/distro-profiles-2024.spec.ts.

/** disp32 little-endian. */
function d32(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
}

/**
 * The cached-attribute code as the 202505+ DEBUG build has it (X64, RIP-relative), placed at 0x40:
 * cmp byte [F], 0; jne; call GetPcdPpi; mov ecx, 8; call [rax+0x20]; mov byte [F], 1;
 * mov [V], rax; add rsp, 0x20; cmp word [V], 0x102.
 */
function ccAttrCode(flag: number, value: number, compareWith = 0x0102): Uint8Array {
  const at = 0x40;
  const code: number[] = [];
  /** disp32 of an instruction of `len` bytes that starts now, to `target`. */
  const rel = (len: number, target: number): number[] => d32(target - (at + code.length + len));
  code.push(0x80, 0x3d, ...rel(7, flag), 0x00);
  code.push(0x75, 0x23, 0xe8, 0, 0, 0, 0, 0xb9, 8, 0, 0, 0, 0xff, 0x50, 0x20);
  code.push(0xc6, 0x05, ...rel(7, flag), 0x01);
  code.push(0x48, 0x89, 0x05, ...rel(7, value));
  code.push(0x48, 0x83, 0xc4, 0x20);
  code.push(0x66, 0x81, 0x3d, ...rel(9, value), compareWith & 0xff, compareWith >> 8);
  const img = new Uint8Array(0x400);
  img.set(code, at);
  return img;
}

describe('image facts of the 2024 round\'s builds', () => {
  it('findCcAttrReadFlag: the read flag of a cached PcdConfidentialComputingGuestAttr, corroborated by the SEV-SNP compare', () => {
    const img = ccAttrCode(0x300, 0x308);
    expect(findCcAttrReadFlag(img, { start: 0x200, end: 0x400 })).to.equal(0x300);
    // Outside .data, or compared with anything but CCAttrAmdSevSnp: not that global.
    expect(findCcAttrReadFlag(img, { start: 0x380, end: 0x400 })).to.equal(undefined);
    expect(findCcAttrReadFlag(ccAttrCode(0x300, 0x308, 0x0101), { start: 0x200, end: 0x400 })).to.equal(undefined);
    expect(findCcAttrReadFlag(new Uint8Array(0x400), { start: 0, end: 0x400 })).to.equal(undefined);
  });

  it('releaseFloorOfBds: L"EFI Firmware Setup" means edk2-stable202505 or later; nothing else bounds it', () => {
    const text = Buffer.from('EFI Firmware Setup\0', 'utf16le');
    const img = new Uint8Array(0x100);
    img.set(text, 0x20);
    expect(releaseFloorOfBds(img)?.release).to.equal(202505);
    expect(releaseFloorOfBds(new Uint8Array(0x100))).to.equal(undefined);
    expect(releaseFloorOfBds(Uint8Array.from(Buffer.from('EFI Firmware Setup', 'utf16le')))).to.equal(undefined);
  });

  it('isCombinedImageStore: the store is the image itself (-bios), not a separate VARS file', () => {
    const code = Uint8Array.from([1, 2, 3, 4]);
    expect(isCombinedImageStore(code, code)).to.equal(true);
    expect(isCombinedImageStore(code, Uint8Array.from([1, 2, 3, 4]))).to.equal(true);
    expect(isCombinedImageStore(code, Uint8Array.from([1, 2, 3, 5]))).to.equal(false);
    expect(isCombinedImageStore(code, Uint8Array.from([1, 2, 3]))).to.equal(false);
    expect(isCombinedImageStore(code, undefined)).to.equal(false);
  });

  it('hasCpuidAddressWidth: the 47-bit clamp counts, a DEBUG build\'s ASSERT line number 47 does not (si-stultum)', () => {
    const at = (code: number[]): Uint8Array => {
      const img = new Uint8Array(0x100);
      img.set(code, 0x20);
      return img;
    };
    const movEdx47 = [0xba, 0x2f, 0, 0, 0];
    // DebugAssert (File, 47, Description): lea r8, [rip+d]; mov edx, 47; lea rcx, [rip+d]; call
    expect(hasCpuidAddressWidth(at([0x4c, 0x8d, 0x05, 1, 2, 0, 0, ...movEdx47, 0x48, 0x8d, 0x0d, 3, 4, 0, 0, 0xe8, 0, 0, 0, 0]))).to.equal(false);
    expect(hasCpuidAddressWidth(at([0x90, 0x90, ...movEdx47, 0x48, 0x8d, 0x0d, 3, 4, 0, 0]))).to.equal(false);
    // the clamp: mov edx, 47 between other code; mov ebx, 47; cmp al, 47
    expect(hasCpuidAddressWidth(at([0x39, 0xc2, 0x76, 0x05, ...movEdx47, 0x89, 0xd0]))).to.equal(true);
    expect(hasCpuidAddressWidth(at([0x4c, 0x8d, 0x05, 1, 2, 0, 0, 0xbb, 0x2f, 0, 0, 0, 0x48, 0x8d, 0x0d, 3, 4, 0, 0]))).to.equal(true);
    expect(hasCpuidAddressWidth(at([0x3c, 0x2f, 0x76, 0x0c]))).to.equal(true);
  });
});
