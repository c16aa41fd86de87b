import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { EFI_TCG2_FLAG } from '@tcg2sim/tcg2-dxe';
import { peImageDigests } from '@tcg2sim/uefi';
import { dig, startDxe, tinyPe } from './support.ts';

describe('HashLogExtendEvent(PE_COFF_IMAGE) against pesign', function () {
  const tmp = tempDir('tcg2sim-dxe-pe-');
  before(function () {
    requirePrerequisites(this, { tools: ['pesign'] });
  });
  after(() => tmp.remove());

  it('extends the SHA-256 Authenticode digest pesign computes for the same PE32+ file', async function () {
    for (const [subsystem, fill] of [[10, 0xc3], [11, 0x00], [12, 0x7f]] as const) {
      const pe = tinyPe(subsystem, fill);
      const file = join(tmp.path, `img-${subsystem}.efi`);
      writeFileSync(file, pe);
      const out = execFileSync('pesign', ['-h', '-d', 'sha256', '-i', file], { encoding: 'utf8' });
      const pesignHash = /hash: ([0-9a-f]{64})/.exec(out)?.[1];
      const { dxe, tpm } = startDxe(0x02);
      const st = await dxe.hashLogExtendEvent(EFI_TCG2_FLAG.PE_COFF_IMAGE, pe, { pcrIndex: 4, eventType: 0x80000003, eventData: new Uint8Array(4) }, (img, algs) => peImageDigests(img, algs));
      expect(st).to.equal('EFI_SUCCESS');
      expect(dig(tpm.extends[0]?.digests, 0x0b)).to.equal(pesignHash);
    }
  });
});
