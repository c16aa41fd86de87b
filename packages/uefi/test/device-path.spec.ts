import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError, fromHex, toHex } from '@tcg2sim/binary-codec';
import {
  decodeDevicePath, decodeDevicePathList, devicePathFromText, devicePathToText, encodeDevicePath, devicePathNodeToText,
} from '@tcg2sim/uefi';
import type { DevicePathNode } from '@tcg2sim/uefi';
import { OVMF_Q35_VARIABLES, SHELL_IMAGE_DEVICE_PATH } from './vectors/ovmf-variables.js';
import { EDK2_UNIT_TEST_VECTORS, END, G, NODE_VECTORS, PATH_VECTORS, SHORTCUT_VECTORS } from './vectors/device-paths.js';
import { expectErrorCode } from '@tcg2sim/test-support';

describe('device path nodes: the vectors of EDK II\'s DevicePathLib unit test', () => {
  for (const v of EDK2_UNIT_TEST_VECTORS) {
    it(`${v.name}: ${v.text}`, () => {
      const bin = fromHex(v.hex + END);
      expect(devicePathToText(decodeDevicePath(bin))).to.equal(v.text);
      expect(toHex(devicePathFromText(v.text).raw)).to.equal(toHex(bin));
    });
  }
  it('PciRoot(0x0)/Pci(0x0,0x2)/Pci(0x0,0x0)/USB(0x0,0x2) (the whole-path vector)', () => {
    const hex = '02010c00d041030a00000000' + '010106000200' + '010106000000' + '030506000002' + END;
    expect(devicePathToText(decodeDevicePath(fromHex(hex)))).to.equal('PciRoot(0x0)/Pci(0x0,0x2)/Pci(0x0,0x0)/USB(0x0,0x2)');
    expect(toHex(devicePathFromText('PciRoot(0x0)/Pci(0x0,0x2)/Pci(0x0,0x0)/USB(0x0,0x2)').raw)).to.equal(hex);
  });
});

const expectDecodeError = (fn: () => unknown, code: string): DecodeError => expectErrorCode(fn, DecodeError, code);

describe('device path nodes: binary <-> EDK II text', () => {
  for (const v of NODE_VECTORS) {
    it(`${v.name}: ${v.text}`, () => {
      const bin = fromHex(v.hex + END);
      expect(devicePathToText(decodeDevicePath(bin))).to.equal(v.text);
      expect(toHex(devicePathFromText(v.text).raw)).to.equal(toHex(bin));
    });
  }
});

describe('device path nodes: AllowShortcuts = TRUE forms', () => {
  for (const v of SHORTCUT_VECTORS) {
    it(`${v.name}: ${v.text}`, () => {
      const bin = fromHex(v.hex + END);
      expect(devicePathToText(decodeDevicePath(bin), { allowShortcuts: true })).to.equal(v.text);
      expect(devicePathToText(decodeDevicePath(bin))).to.match(/^VenMsg\(/);
      expect(toHex(devicePathFromText(v.text).raw)).to.equal(toHex(bin));
    });
  }
});

describe('device paths: binary <-> EDK II text', () => {
  for (const v of PATH_VECTORS) {
    it(v.name, () => {
      const bin = fromHex(v.hex);
      const p = decodeDevicePath(bin);
      expect(p.raw.length).to.equal(bin.length);
      expect(devicePathToText(p)).to.equal(v.text);
      expect(toHex(devicePathFromText(v.text).raw)).to.equal(v.hex);
    });
  }

  it('accepts instances separated by "," as well as EDK II\'s own ",/"', () => {
    const v = PATH_VECTORS.find((x) => x.name.startsWith('OVMF ConOut'))!;
    expect(toHex(devicePathFromText(v.text.replace(',/', ',')).raw)).to.equal(v.hex);
  });

  it('accepts decimal and lower-case hex numbers in text, as EDK II Strtoi does', () => {
    expect(toHex(devicePathFromText('PciRoot(0)/Pci(31,0x2)/Sata(0x0,0xffff,0)').raw)).to.equal(
      toHex(devicePathFromText('PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)').raw));
  });

  it('decodes a FilePathList of several paths', () => {
    const two = fromHex(SHELL_IMAGE_DEVICE_PATH + OVMF_Q35_VARIABLES.ErrOut);
    expect(decodeDevicePathList(two).map((p) => devicePathToText(p))).to.deep.equal([
      'Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)/FvFile(7C04A583-9E3E-4F1C-AD65-E05268D0B4D1)',
      'PciRoot(0x0)/Pci(0x1F,0x0)/Serial(0x0)/Uart(115200,8,N,1)/VenMsg(E0C14753-F9BE-11D2-9A0C-0090273FC14D)',
    ]);
  });
});

describe('device paths: malformed input', () => {
  it('refuses a node length below 4 (it would never advance)', () => {
    const e = expectDecodeError(() => decodeDevicePath(fromHex('0101030002' + END)), 'BAD_VALUE');
    expect(e.offset).to.equal(2);
    expect(e.path).to.deep.equal(['EFI_DEVICE_PATH_PROTOCOL', 0, 'length']);
  });
  it('refuses a node running past the end, and a path without End', () => {
    expectDecodeError(() => decodeDevicePath(fromHex('01010900021f')), 'SHORT_BUFFER');
    expectDecodeError(() => decodeDevicePath(fromHex('01010600021f')), 'SHORT_BUFFER');
    expectDecodeError(() => decodeDevicePath(fromHex('7fff04')), 'SHORT_BUFFER');
  });
  it('refuses bytes after the End node where a single path is expected', () => {
    expectDecodeError(() => decodeDevicePath(fromHex(END + '00')), 'TRAILING_BYTES');
  });
  it('caps the node count', () => {
    const many = fromHex('01010600021f'.repeat(20) + END);
    expectDecodeError(() => decodeDevicePath(many, { maxNodes: 10 }), 'LIMIT_EXCEEDED');
    expect(decodeDevicePath(many, { maxNodes: 20 }).nodes).to.have.length(20);
  });
  it('refuses malformed text arguments with BAD_VALUE and the node name', () => {
    for (const [t, node] of [['Pci(0x100,0x0)', 'Pci'], ['Pci(0x1)', 'Pci'], ['HD(1,GPT,nope,0x1,0x2)', 'HD'], ['Fv(xyz)', 'Fv'], ['VenHw(' + G + ',ABC)', 'VenHw'], ['Path(1)', 'Path']] as const) {
      const e = expectDecodeError(() => devicePathFromText(t), 'BAD_VALUE');
      expect(e.path).to.deep.equal(['DevicePathText', node]);
    }
  });
  it('never throws anything but DecodeError on random bytes, and terminates (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          const list = decodeDevicePathList(b);
          for (const p of list) devicePathToText(p);
        } catch (e) {
          expect(e).to.be.instanceOf(DecodeError);
        }
      }),
      { numRuns: 500, seed: 5 }
    );
  });
});

describe('device paths: round trip through text (property)', () => {
  const g = fc.uint8Array({ minLength: 16, maxLength: 16 });
  const node: fc.Arbitrary<DevicePathNode> = fc.oneof(
    // Arbitrary nodes of any type (End excluded as a node type here; it is the separator).
    fc.record({ type: fc.integer({ min: 0, max: 0x7e }), subType: fc.nat({ max: 255 }), data: fc.uint8Array({ maxLength: 40 }) }),
    // Known layouts with random field values, so the named forms are exercised.
    fc.record({ type: fc.constant(1), subType: fc.integer({ min: 1, max: 6 }), data: fc.uint8Array({ minLength: 1, maxLength: 30 }) }),
    fc.record({ type: fc.constant(2), subType: fc.constantFrom(1, 3), data: fc.uint8Array({ minLength: 4, maxLength: 12 }) }),
    fc.tuple(fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.array(fc.constantFrom('', 'PNP0A03', 'UID0', 'a,b', 'x y'), { minLength: 0, maxLength: 4 }))
      .map(([head, strs]) => ({ type: 2, subType: 2, data: Uint8Array.from([...head, ...Buffer.from(strs.map((x) => `${x}\0`).join(''), 'latin1')]) })),
    fc.record({ type: fc.constant(3), subType: fc.integer({ min: 1, max: 24 }), data: fc.uint8Array({ maxLength: 60 }) }),
    fc.record({ type: fc.constant(4), subType: fc.integer({ min: 1, max: 8 }), data: fc.uint8Array({ maxLength: 44 }) }),
    g.map((guid) => ({ type: 4, subType: 6, data: guid })),
    fc.tuple(fc.nat({ max: 0x1f }), fc.nat({ max: 7 })).map(([d, f]) => ({ type: 1, subType: 1, data: Uint8Array.of(f, d) })),
    fc.string({ maxLength: 20 }).map((s) => ({ type: 4, subType: 4, data: Buffer.from(`${s}\0`, 'utf16le') })),
    fc.record({ type: fc.constant(0x7f), subType: fc.constant(1), data: fc.constant(new Uint8Array()) }),
    // End-typed nodes other than End Entire, with or without data (an End Instance with data is
    // not a plain separator, so it prints generically).
    fc.record({ type: fc.constant(0x7f), subType: fc.nat({ max: 0xfe }), data: fc.uint8Array({ maxLength: 4 }) }),
  );
  it('devicePathFromText(devicePathToText(p)) has the bytes of p', () => {
    fc.assert(
      fc.property(fc.array(node, { maxLength: 6 }), (nodes) => {
        const bin = encodeDevicePath(nodes);
        const p = decodeDevicePath(bin);
        for (const allowShortcuts of [false, true]) {
          const text = devicePathToText(p, { allowShortcuts });
          expect(toHex(devicePathFromText(text).raw), text).to.equal(toHex(bin));
        }
      }),
      { numRuns: 1500, seed: 6 }
    );
  });
  it('prints each node on its own the same way as within a path', () => {
    const n = decodeDevicePath(fromHex(SHELL_IMAGE_DEVICE_PATH)).nodes[1]!;
    expect(devicePathNodeToText(n)).to.equal('FvFile(7C04A583-9E3E-4F1C-AD65-E05268D0B4D1)');
  });
});
