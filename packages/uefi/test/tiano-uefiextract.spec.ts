/**
 * An independent decoder for our encoder: UEFITool's UEFIExtract (its own EFI 1.1 / Tiano
 * decompressor) unpacks an EFI_SECTION_COMPRESSION (CompressionType 1 = EFI_STANDARD_COMPRESSION)
 * holding our stream, says which variant it recognised, and dumps the decompressed RAW section.
 * The Debian OVMF images contain no EFI_STANDARD_COMPRESSION section (they use LZMA), so there is
 * no real-firmware vector for the decoder on this machine.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { tianoCompress, tianoDecompress } from '@tcg2sim/uefi';
import type { TianoVariant } from '@tcg2sim/uefi';
import { compressionSection, firmwareVolume, section } from './helpers/fv-builder.js';

const ROM = '/usr/lib/ipxe/qemu/efi-virtio.rom';

function find(dir: string, pred: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (pred(p)) out.push(p);
    if (statSync(p).isDirectory()) out.push(...find(p, pred));
  }
  return out;
}

describe('Tiano / EFI compression checked by UEFIExtract @integration', function () {
  this.timeout(60_000);
  let tmp: { path: string; remove: () => void } | undefined;
  before(function () {
    requirePrerequisites(this, { tools: ['UEFIExtract'], files: [ROM] });
    tmp = tempDir('tcg2sim-tiano-');
  });
  after(() => tmp?.remove());

  const synthetic = (): Uint8Array => {
    const words = ['EFI_', 'SECTION', 'COMPRESSION', '\0\0\0\0', 'Tiano', '\xff\xff\xff\xff\xff\xff', 'DXE'];
    const parts: string[] = [];
    for (let i = 0; i < 30000; i++) parts.push(words[(i * 7 + (i >> 5)) % words.length] ?? '');
    return Uint8Array.from(parts.join(''), (ch) => ch.charCodeAt(0) & 0xff);
  };

  const cases: { name: string; data: () => Uint8Array }[] = [
    { name: 'the iPXE virtio option ROM', data: () => new Uint8Array(readFileSync(ROM)) },
    { name: 'structured synthetic data', data: synthetic },
  ];
  const variants: { variant: TianoVariant; algorithm: string }[] = [
    { variant: 'efi', algorithm: 'EFI 1.1' },
    { variant: 'tiano', algorithm: 'Tiano' },
  ];

  for (const { name, data } of cases) {
    for (const { variant, algorithm } of variants) {
      it(`UEFIExtract decodes our ${variant} stream of ${name} as ${algorithm}, byte for byte`, () => {
        const x = data();
        const raw = section(0x19, x);
        const stream = tianoCompress(raw, { variant });
        expect(stream.length).to.be.lessThan(raw.length);
        expect(Buffer.from(tianoDecompress(stream, raw.length, variant)).equals(Buffer.from(raw))).to.equal(true);
        const fv = join(tmp!.path, `${variant}-${name.replace(/\W+/g, '-')}.fd`);
        writeFileSync(fv, firmwareVolume('3B8C3A8F-7A6E-4C5E-9E2D-1F0A2B3C4D5E', compressionSection(raw.length, 1, stream)));
        execFileSync('UEFIExtract', [fv, 'all'], { stdio: 'ignore' });
        const compressed = find(`${fv}.dump`, (p) => / Compressed section$/.test(p));
        expect(compressed).to.have.length(1);
        const info = readFileSync(join(compressed[0]!, 'info.txt'), 'utf8');
        expect(info).to.match(new RegExp(`Compression algorithm: ${algorithm}\\s*$`, 'm'));
        const bodies = find(compressed[0]!, (p) => / Raw section$/.test(p));
        expect(bodies).to.have.length(1);
        expect(readFileSync(join(bodies[0]!, 'body.bin')).equals(Buffer.from(x))).to.equal(true);
      });
    }
  }
});
