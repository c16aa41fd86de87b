/** A run reads each NIC option ROM file once (romReader), however many boots use it. */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@tcg2sim/test-support';
import { loadNics, romReader } from '../src/nics.ts';

describe('romReader: one read of each option ROM file per run', () => {
  const tmp = tempDir('tcg2sim-rom-reader-');
  after(() => {
    tmp.remove();
  });

  it('the boots of one run share the first read; a new run reads the file again', () => {
    const rom = join(tmp.path, 'efi-e1000.rom');
    writeFileSync(rom, Uint8Array.of(0x55, 0xaa, 1));
    const read = romReader();
    const a = loadNics('q35', ['e1000'], tmp.path, 0, read)?.[0]?.optionRom;
    writeFileSync(rom, Uint8Array.of(0x55, 0xaa, 2, 3, 4));
    const b = loadNics('pc', ['e1000'], tmp.path, 0, read)?.[0]?.optionRom;
    expect(b).to.equal(a);
    expect([...(b?.bar ?? [])]).to.deep.equal([0x55, 0xaa, 1, 0]);
    expect(b?.file).to.equal(rom);
    const fresh = loadNics('q35', ['e1000'], tmp.path, 0, romReader())?.[0]?.optionRom;
    expect([...(fresh?.bar ?? [])]).to.deep.equal([0x55, 0xaa, 2, 3, 4, 0, 0, 0]);
    // without a reader each boot reads the file
    expect(loadNics('q35', ['e1000'], tmp.path)?.[0]?.optionRom).not.to.equal(fresh);
  });

  it('a file that cannot be read is not remembered: each boot reports it', () => {
    const read = romReader();
    const missing = join(tmp.path, 'none.rom');
    expect(() => read(missing)).to.throw(/cannot read the option ROM/);
    writeFileSync(missing, Uint8Array.of(1));
    expect(read(missing).fileSize).to.equal(1);
  });
});
