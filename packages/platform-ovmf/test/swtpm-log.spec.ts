import { expect } from 'chai';
import fc from 'fast-check';
import { parseSwtpmLog, tpmCommandStream } from '@tcg2sim/platform-ovmf';

// The start of a real swtpm 0.7.1 `--log level=20` file from a QEMU 7.2 + OVMF boot (tpm-tis):
// QEMU's version probe, CMD_INIT, CMD_SET_LOCALITY(0), the TPM 1.2 GetTicks probe of Tcg2ConfigPei,
// then TPM2_Startup(CLEAR) and TPM2_GetCapability(PCRS) split over two hex lines.
const SAMPLE = [
  ' SWTPM_IO_Read: length 10',
  ' 80 01 00 00 00 0A 00 00 01 81 ',
  ' SWTPM_IO_Write: length 10',
  ' 80 01 00 00 00 0A 00 00 01 01 ',
  ' Ctrl Cmd: length 8',
  ' 00 00 00 02 00 00 00 00 ',
  ' Ctrl Rsp: length 4',
  ' 00 00 00 00 ',
  ' Ctrl Cmd: length 8',
  ' 00 00 00 05 00 00 00 00 ',
  ' Ctrl Rsp: length 4',
  ' 00 00 00 00 ',
  ' SWTPM_IO_Read: length 10',
  ' 00 C1 00 00 00 0A 00 00 00 F1 ',
  ' SWTPM_IO_Write: length 10',
  ' 80 01 00 00 00 0A 00 00 00 84 ',
  ' Ctrl Cmd: length 8',
  ' 00 00 00 05 03 00 00 00 ',
  ' Ctrl Rsp: length 4',
  ' 00 00 00 00 ',
  ' SWTPM_IO_Read: length 12',
  ' 80 01 00 00 00 0C 00 00 01 44 00 00 ',
  ' SWTPM_IO_Write: length 10',
  ' 80 01 00 00 00 0A 00 00 00 00 ',
  ' SWTPM_IO_Read: length 22',
  ' 80 01 00 00 00 16 00 00 01 7A 00 00 00 05 00 00 ',
  ' 00 00 00 00 00 01 ',
  '',
].join('\n');

describe('swtpm log (level 20)', () => {
  it('splits the log into data and control messages with their bytes', () => {
    const m = parseSwtpmLog(SAMPLE);
    expect(m.map((x) => x.kind)).to.deep.equal([
      'data-command', 'data-response', 'ctrl-command', 'ctrl-response', 'ctrl-command', 'ctrl-response',
      'data-command', 'data-response', 'ctrl-command', 'ctrl-response', 'data-command', 'data-response', 'data-command',
    ]);
    expect(m[12]?.bytes.length).to.equal(22);
  });

  it('pairs each command with its response and tags it with the locality QEMU set', () => {
    const s = tpmCommandStream(parseSwtpmLog(SAMPLE));
    expect(s.map((r) => [r.commandCode, r.responseCode, r.locality])).to.deep.equal([
      [0x181, 0x101, 0],
      [0xf1, 0x84, 0],
      [0x144, 0, 3],
      [0x17a, undefined, 3],
    ]);
    expect(s[2]).to.deep.include({ command: '80010000000c000001440000', response: '80010000000a00000000', name: 'TPM2_Startup' });
    expect(s.map((r) => r.origin)).to.deep.equal(['qemu-probe', 'firmware', 'firmware', 'firmware']);
    expect(s[1]?.ctrlBefore).to.deep.equal(['0000000200000000', '0000000500000000']);
    expect(s[3]).to.not.have.property('response');
  });

  it('survives arbitrary text without throwing', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...SAMPLE.split('\n')), fc.string()), { maxLength: 40 }), (lines) => {
        const s = tpmCommandStream(parseSwtpmLog(lines.join('\n')));
        for (const r of s) expect(r.command.length % 2).to.equal(0);
      }),
      { numRuns: 200 }
    );
  });
});
