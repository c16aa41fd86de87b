import { expect } from 'chai';
import { comparePcrs, parseTpm2EventlogPcrs } from '@tcg2sim/platform-ovmf';

// The tail of `tpm2_eventlog` 5.4 output for an OVMF log (two banks, PCRs 0 and 1 only).
const TAIL = [
  '- EventNum: 24',
  '  PCRIndex: 4',
  'pcrs:',
  '  sha1:',
  '    0  : 0x5ca4ef5fbe527bef22bfe4d3a1b9a36a71753de9',
  '    1  : 0x7799f7faec9f54d268592eec4a27efe693c4ce94',
  '  sha256:',
  '    0  : 0x177E29C417B6B61C7CF46ED30B4468931F58642527A268B556254E39B941EC6A',
  '    10 : 0x38cc739fefc308c7692dffc3d28b5c797f5a01b66eaad8cce47005daa15074e9',
  '',
].join('\n');

describe('tpm2_eventlog PCR replay', () => {
  it('reads the pcrs section as lowercase hex strings by bank and index', () => {
    expect(parseTpm2EventlogPcrs(TAIL)).to.deep.equal({
      sha1: { '0': '5ca4ef5fbe527bef22bfe4d3a1b9a36a71753de9', '1': '7799f7faec9f54d268592eec4a27efe693c4ce94' },
      sha256: { '0': '177e29c417b6b61c7cf46ed30b4468931f58642527a268b556254e39b941ec6a', '10': '38cc739fefc308c7692dffc3d28b5c797f5a01b66eaad8cce47005daa15074e9' },
    });
  });

  it('returns nothing for output without a pcrs section', () => {
    expect(parseTpm2EventlogPcrs('---\nversion: 1\nevents:\n')).to.deep.equal({});
  });

  it('lists every PCR that differs, and every PCR of a bank the replay lacks', () => {
    const tpm = { sha1: { '0': 'aa', '1': 'bb' }, sha384: { '0': 'cc' } };
    const replay = { sha1: { '0': 'AA', '1': 'bc' } };
    expect(comparePcrs(tpm, replay, [0, 1])).to.deep.equal([
      { bank: 'sha1', index: '1', expected: 'bb', actual: 'bc' },
      { bank: 'sha384', index: '0', expected: 'cc', actual: undefined },
    ]);
  });
});
