import { expect } from 'chai';
import { DecodeError, fromHex } from '@tcg2sim/binary-codec';
import { decodeDepex, depexOpText } from '@tcg2sim/uefi';

// gEfiPeiMemoryDiscoveredPpiGuid F894643D-C449-42D1-8EA8-85BDD8C65BDE in EFI_GUID byte order.
const MEM_DISCOVERED = '3d6494f849c4d1428ea885bdd8c65bde';

/** Valid expressions: hex as the PI spec encodes them, and the text UEFITool prints. */
const VALID: readonly { name: string; hex: string; text: string[] }[] = [
  { name: 'TRUE END (a module with no dependencies)', hex: '0608', text: ['TRUE', 'END'] },
  { name: 'PUSH guid END', hex: `02${MEM_DISCOVERED}08`, text: ['PUSH F894643D-C449-42D1-8EA8-85BDD8C65BDE', 'END'] },
  {
    name: 'PUSH a PUSH b AND NOT END',
    hex: `02${MEM_DISCOVERED}02${MEM_DISCOVERED}030508`,
    text: ['PUSH F894643D-C449-42D1-8EA8-85BDD8C65BDE', 'PUSH F894643D-C449-42D1-8EA8-85BDD8C65BDE', 'AND', 'NOT', 'END'],
  },
  { name: 'BEFORE guid END', hex: `00${MEM_DISCOVERED}08`, text: ['BEFORE F894643D-C449-42D1-8EA8-85BDD8C65BDE', 'END'] },
  { name: 'AFTER guid END', hex: `01${MEM_DISCOVERED}08`, text: ['AFTER F894643D-C449-42D1-8EA8-85BDD8C65BDE', 'END'] },
  { name: 'SOR TRUE FALSE OR END', hex: '0906070408', text: ['SOR', 'TRUE', 'FALSE', 'OR', 'END'] },
];

const INVALID: readonly { name: string; hex: string; code: string; offset: number }[] = [
  { name: 'an unknown opcode', hex: '0a08', code: 'BAD_VALUE', offset: 0 },
  { name: 'a GUID cut short', hex: '023d6494f8', code: 'SHORT_BUFFER', offset: 1 },
  { name: 'no END', hex: '0603', code: 'SHORT_BUFFER', offset: 2 },
  { name: 'bytes after END', hex: '060800', code: 'TRAILING_BYTES', offset: 2 },
  { name: 'nothing at all', hex: '', code: 'SHORT_BUFFER', offset: 0 },
];

describe('dependency expressions (PEI/DXE/MM_DEPEX)', () => {
  for (const v of VALID) {
    it(`decodes ${v.name}`, () => {
      expect(decodeDepex(fromHex(v.hex)).map(depexOpText)).to.deep.equal(v.text);
    });
  }
  for (const v of INVALID) {
    it(`rejects an expression with ${v.name} (${v.code})`, () => {
      try {
        decodeDepex(fromHex(v.hex));
        expect.fail('expected a DecodeError');
      } catch (err) {
        expect(err).to.be.instanceOf(DecodeError);
        expect((err as DecodeError).code).to.equal(v.code);
        expect((err as DecodeError).offset).to.equal(v.offset);
      }
    });
  }
});
