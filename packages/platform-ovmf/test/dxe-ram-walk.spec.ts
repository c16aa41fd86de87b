import { expect } from 'chai';
import fc from 'fast-check';
import { encode, guidFromString } from '@tcg2sim/binary-codec';
import {
  DxeLoadedImagePrivate, DxeMemoryMapEntry, DxePoolHead, DxePoolTail, FvFilePathNode, dxeLoadedImages, dxeMemoryMap, dxePoolAllocations,
} from '@tcg2sim/platform-ovmf';

const MMAP = 0x70616d6dn;
const SHELL = '7C04A583-9E3E-4F1C-AD65-E05268D0B4D1';

function mapEntry(forwardLink: number, backLink: number, type: number, start: bigint, end: bigint): Uint8Array {
  return encode(DxeMemoryMapEntry, {
    signature: MMAP, forwardLink: BigInt(forwardLink), backLink: BigInt(backLink), fromPages: 1, reserved: new Uint8Array(3), type, start, end, virtualStart: 0n, attribute: 0xfn,
  });
}

/** 64 KiB of RAM holding a 3-entry memory map (list head at 0x100), a stale entry, one image, and pools. */
function syntheticRam(): Uint8Array {
  const ram = new Uint8Array(0x10000);
  const put = (at: number, b: Uint8Array): void => ram.set(b, at);
  // head 0x100 (LIST_ENTRY) -> 0x208 -> 0x308 -> 0x408 -> head; entries at 0x200, 0x300, 0x400
  put(0x100, encode(DxePoolTail, { signature: 0, reserved: 0, size: 0x208n }));
  put(0x200, mapEntry(0x308, 0x100, 7, 0n, 0x7fffn));
  put(0x300, mapEntry(0x408, 0x208, 3, 0x8000n, 0xbfffn));
  put(0x400, mapEntry(0x100, 0x308, 4, 0xc000n, 0xffffn));
  put(0x500, mapEntry(0x600, 0x600, 6, 0n, 0xfffn)); // stale: links nowhere useful
  put(0x800, encode(DxeLoadedImagePrivate, {
    signature: 0x6972646cn, handle: 0x1000n, type: 0n, started: new Uint8Array(8), entryPoint: 0x8100n, revision: 0x1000, reserved0: 0, parentHandle: 0n, systemTable: 0n,
    deviceHandle: 0n, filePath: 0x900n, reserved: 0n, loadOptionsSize: 0, reserved1: 0, loadOptions: 0n, imageBase: 0x8000n, imageSize: 0x3080n, imageCodeType: 1, imageDataType: 2, unload: 0n,
  }));
  put(0x900, encode(FvFilePathNode, { type: 4, subType: 6, length: 20, guid: guidFromString(SHELL) }));
  // pools: one good (0x40 bytes), one whose tail disagrees
  put(0xc000, encode(DxePoolHead, { signature: 0x30646870, reserved: 0, type: 4, reserved1: 0, size: 0x40n }));
  put(0xc030, encode(DxePoolTail, { signature: 0x6c617470, reserved: 0, size: 0x40n }));
  put(0xd000, encode(DxePoolHead, { signature: 0x30646870, reserved: 0, type: 4, reserved1: 0, size: 0x40n }));
  put(0xd030, encode(DxePoolTail, { signature: 0x6c617470, reserved: 0, size: 0x50n }));
  return ram;
}

describe('dxe-ram-walk: the DXE core\'s memory map, loaded images and pools in a RAM dump', () => {
  it('follows the linked memory map from the entry at address 0 and leaves stale entries out', () => {
    expect(dxeMemoryMap(syntheticRam())).to.deep.equal([
      { start: 0n, end: 0x7fffn, type: 7 }, { start: 0x8000n, end: 0xbfffn, type: 3 }, { start: 0xc000n, end: 0xffffn, type: 4 },
    ]);
  });

  it('reads each loaded image with the FFS file it came from', () => {
    expect(dxeLoadedImages(syntheticRam())).to.deep.equal([{ imageBase: 0x8000n, imageSize: 0x3080n, codeType: 1, fileGuid: SHELL }]);
  });

  it('keeps only pools whose head and tail agree', () => {
    expect(dxePoolAllocations(syntheticRam(), 0, 0x10000)).to.deep.equal([{ head: 0xc000, size: 0x40, type: 4 }]);
  });

  it('never throws or loops on arbitrary bytes (mmap, ldri and phd0 signatures planted at random)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), fc.array(fc.nat(4095), { maxLength: 8 }), (bytes, at) => {
      const ram = new Uint8Array(bytes);
      const signatures = [[0x6d, 0x6d, 0x61, 0x70, 0, 0, 0, 0], [0x6c, 0x64, 0x72, 0x69, 0, 0, 0, 0], [0x70, 0x68, 0x64, 0x30]]; // mmap, ldri, phd0
      at.forEach((x, i) => {
        const a = x & ~7;
        if (a < ram.length) ram.set((signatures[i % 3] ?? []).slice(0, ram.length - a), a);
      });
      expect(() => { dxeMemoryMap(ram); dxeLoadedImages(ram); dxePoolAllocations(ram, 0, ram.length); }).not.to.throw();
    }), { numRuns: 200 });
  });
});
