import { expect } from 'chai';
import fc from 'fast-check';
import { DecodeError, fromHex, toHex } from '@tcg2sim/binary-codec';
import {
  LOAD_OPTION, decodeLoadOption, encodeLoadOption, makeLoadOption, devicePathFromText, devicePathToText,
} from '@tcg2sim/uefi';
import { OVMF_Q35_VARIABLES, SHELL_IMAGE_DEVICE_PATH } from './vectors/ovmf-variables.js';
import { expectErrorCode } from '@tcg2sim/test-support';

const expectDecodeError = (fn: () => unknown, code: string): DecodeError => expectErrorCode(fn, DecodeError, code);

const REAL: { name: keyof typeof OVMF_Q35_VARIABLES; attributes: number; description: string; paths: string[]; optionalData: string }[] = [
  {
    name: 'Boot0000', attributes: LOAD_OPTION.ACTIVE | LOAD_OPTION.HIDDEN | LOAD_OPTION.CATEGORY_APP, description: 'UiApp',
    paths: ['Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)/FvFile(462CAA21-7614-4503-836E-8AB6F4662331)'], optionalData: '',
  },
  {
    name: 'Boot0001', attributes: LOAD_OPTION.ACTIVE, description: 'UEFI QEMU DVD-ROM QM00005 ',
    paths: ['PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x2,0xFFFF,0x0)'], optionalData: '4eac0881119f594d850ee21a522c59b2',
  },
  {
    name: 'Boot0002', attributes: LOAD_OPTION.ACTIVE, description: 'EFI Internal Shell',
    paths: ['Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)/FvFile(7C04A583-9E3E-4F1C-AD65-E05268D0B4D1)'], optionalData: '',
  },
];

describe('EFI_LOAD_OPTION: the Boot#### variables OVMF writes', () => {
  for (const v of REAL) {
    it(`${v.name} "${v.description}" decodes and re-encodes byte for byte`, () => {
      const bytes = fromHex(OVMF_Q35_VARIABLES[v.name]);
      const o = decodeLoadOption(bytes);
      expect(o.attributes).to.equal(v.attributes);
      expect(o.description).to.equal(v.description);
      expect(o.filePathList.map((p) => devicePathToText(p))).to.deep.equal(v.paths);
      expect(toHex(o.optionalData)).to.equal(v.optionalData);
      expect(toHex(encodeLoadOption(o))).to.equal(toHex(bytes));
    });
    it(`${v.name} is rebuilt exactly from its description and device path text`, () => {
      const built = makeLoadOption({
        attributes: v.attributes, description: v.description, filePaths: v.paths.map((t) => devicePathFromText(t)),
        optionalData: fromHex(v.optionalData),
      });
      expect(toHex(encodeLoadOption(built))).to.equal(OVMF_Q35_VARIABLES[v.name]);
    });
  }

  it('the Shell option\'s FilePathList is the device path of the Shell\'s image-load event (§12.4)', () => {
    const o = decodeLoadOption(fromHex(OVMF_Q35_VARIABLES.Boot0002));
    expect(toHex(o.filePathListRaw)).to.equal(SHELL_IMAGE_DEVICE_PATH);
    expect(o.filePathListRaw.length).to.equal(44);
  });

  it('keeps the raw description bytes, terminator included', () => {
    const o = decodeLoadOption(fromHex(OVMF_Q35_VARIABLES.Boot0000));
    expect(toHex(o.descriptionRaw)).to.equal(toHex(Buffer.from('UiApp\0', 'utf16le')));
  });
});

describe('EFI_LOAD_OPTION: malformed input', () => {
  const shell = fromHex(OVMF_Q35_VARIABLES.Boot0002);
  it('refuses a truncated header', () => {
    expectDecodeError(() => decodeLoadOption(shell.subarray(0, 5)), 'SHORT_BUFFER');
  });
  it('refuses a description without its NUL', () => {
    const e = expectDecodeError(() => decodeLoadOption(fromHex('01000000040041004200')), 'SHORT_BUFFER');
    expect(e.path).to.deep.equal(['EFI_LOAD_OPTION', 'description']);
  });
  it('refuses a FilePathListLength past the end', () => {
    const b = shell.slice();
    b[4] = 0xff;
    const e = expectDecodeError(() => decodeLoadOption(b), 'SHORT_BUFFER');
    expect(e.path).to.deep.equal(['EFI_LOAD_OPTION', 'filePathListLength']);
    expect(e.offset).to.equal(4);
  });
  it('refuses an empty FilePathList', () => {
    expectDecodeError(() => decodeLoadOption(fromHex('0100000000004100000000')), 'BAD_VALUE');
  });
  it('refuses a FilePathList whose device path is malformed', () => {
    const b = shell.slice();
    b[6 + 38 + 2] = 2; // first node's length 0x0014 -> 0x0002
    const e = expectDecodeError(() => decodeLoadOption(b), 'BAD_VALUE');
    expect(e.path.slice(0, 2)).to.deep.equal(['EFI_LOAD_OPTION', 'filePathList']);
  });
  it('refuses a FilePathListLength that cuts a device path short', () => {
    // FilePathListLength 0x2C -> 0x18 would cut the path mid-node: a DecodeError, not garbage.
    const b = shell.slice();
    b[4] = 0x18;
    expectDecodeError(() => decodeLoadOption(b), 'SHORT_BUFFER');
  });
  it('never throws anything but DecodeError on mutated options (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat({ max: shell.length - 1 }), v: fc.nat({ max: 255 }) }), { maxLength: 4 }), fc.nat({ max: shell.length }), (muts, len) => {
        const b = shell.slice(0, len);
        for (const m of muts) if (m.at < b.length) b[m.at] = m.v;
        try {
          const o = decodeLoadOption(b);
          expect(toHex(encodeLoadOption(o))).to.equal(toHex(b));
        } catch (e) {
          expect(e).to.be.instanceOf(DecodeError);
        }
      }),
      { numRuns: 500, seed: 8 }
    );
  });
});

describe('EFI_LOAD_OPTION: round trip (property)', () => {
  it('decode(encode(option)) gives the same fields and bytes', () => {
    const paths = fc.constantFrom(
      'PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)', 'Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)/FvFile(7C04A583-9E3E-4F1C-AD65-E05268D0B4D1)',
      'PciRoot(0x0)/Pci(0x3,0x0)/HD(1,GPT,0A0B0C0D-1111-2222-3333-444455556666,0x800,0x100000)/\\EFI\\BOOT\\BOOTX64.EFI', '',
    );
    fc.assert(
      fc.property(fc.nat(), fc.string({ maxLength: 30 }).filter((s) => !s.includes('\0')), fc.array(paths, { minLength: 1, maxLength: 3 }), fc.uint8Array({ maxLength: 40 }), (attributes, description, ps, optionalData) => {
        const o = makeLoadOption({ attributes, description, filePaths: ps.map((t) => devicePathFromText(t)), optionalData });
        const bytes = encodeLoadOption(o);
        const back = decodeLoadOption(bytes);
        expect(back.attributes).to.equal(attributes);
        expect(back.description).to.equal(description);
        expect(back.filePathList.map((p) => devicePathToText(p))).to.deep.equal(ps);
        expect(toHex(back.optionalData)).to.equal(toHex(optionalData));
        expect(toHex(encodeLoadOption(back))).to.equal(toHex(bytes));
      }),
      { numRuns: 200, seed: 9 }
    );
  });
});
