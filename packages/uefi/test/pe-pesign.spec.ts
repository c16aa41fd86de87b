/**
 * Truth for the EDK II image digest: Debian's `pesign -h` (its own Authenticode implementation;
 * it prints sha256 by default and sha1 with `-d sha1`, and knows no other digest). Every PE32
 * section of the Debian OVMF images (extracted with UEFIExtract, independent of our FV parser),
 * the EFI drivers inside QEMU's iPXE option ROMs, and random well-formed images are compared.
 * For sha384/sha512/sm3, which pesign cannot print, the sha256 match shows our byte ranges are
 * the ones pesign hashes; the other banks are then checked to be those same bytes hashed.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TPM_ALG_HASH, hash } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { peImageDigests, peImageHashRanges, parsePeImage, imageInfo, IMAGE_FILE_MACHINE } from '@tcg2sim/uefi';
import { buildPe } from './helpers/pe-builder.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ALL: readonly TpmAlgHash[] = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512, TPM_ALG_HASH.SM3_256];

function pesign(file: string, digest: 'sha1' | 'sha256'): string {
  const out = execFileSync('pesign', ['-h', '-d', digest, '-i', file], { encoding: 'utf8' });
  const m = /hash:\s*([0-9a-f]+)/.exec(out);
  if (!m?.[1]) throw new Error(`pesign printed no hash for ${file}: ${out}`);
  return m[1];
}

/** pesign's sha256 and sha1 of a file. */
interface PesignHashes {
  readonly sha256: string;
  readonly sha1: string;
}

/**
 * `pesign -h` (sha256, then `-d sha1`) of every file: the same commands as {@link pesign}, run by
 * one shell per half of the list (two at once, for two CPUs) rather than one process per call
 * from this (large) process. Each output line is attributed by a marker line before each call.
 */
async function pesignAll(files: readonly string[]): Promise<Map<string, PesignHashes>> {
  const script = 'for f do for d in sha256 sha1; do printf "@@ %s %s\\n" "$d" "$f"; pesign -h -d "$d" -i "$f" || echo "pesign failed"; done; done';
  const half = Math.ceil(files.length / 2);
  const parts = [files.slice(0, half), files.slice(half)].filter((p) => p.length > 0);
  const outs = await Promise.all(parts.map((part) => new Promise<string>((resolve, reject) => {
    execFile('sh', ['-c', script, 'sh', ...part], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`pesign batch failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  })));
  const found = new Map<string, { sha256?: string; sha1?: string }>();
  for (const out of outs) {
    let at: { digest: 'sha256' | 'sha1'; file: string } | undefined;
    for (const line of out.split('\n')) {
      const marker = /^@@ (sha256|sha1) (.*)$/.exec(line);
      if (marker !== null) {
        at = { digest: marker[1] as 'sha256' | 'sha1', file: marker[2]! };
        continue;
      }
      const m = /hash:\s*([0-9a-f]+)/.exec(line);
      if (m?.[1] === undefined || at === undefined) continue;
      const entry = found.get(at.file) ?? {};
      if (entry[at.digest] !== undefined) throw new Error(`pesign printed two ${at.digest} hashes for ${at.file}`);
      entry[at.digest] = m[1];
      found.set(at.file, entry);
    }
  }
  const result = new Map<string, PesignHashes>();
  for (const f of files) {
    const e = found.get(f);
    if (e?.sha256 === undefined || e.sha1 === undefined) throw new Error(`pesign printed no hash for ${f}`);
    result.set(f, { sha256: e.sha256, sha1: e.sha1 });
  }
  return result;
}

/** Every `<n> PE32 image section/body.bin` under a UEFIExtract dump directory. */
function collectPe32Bodies(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (!statSync(p).isDirectory()) continue;
      if (/ PE32 image section$/.test(e)) out.push(join(p, 'body.bin'));
      walk(p);
    }
  };
  walk(dir);
  return out;
}

function compareWithPesign(file: string, truth?: PesignHashes): void {
  const data = new Uint8Array(readFileSync(file));
  const got = peImageDigests(data, ALL);
  const byAlg = new Map(got.map((d) => [d.alg, hex(d.digest)]));
  expect(byAlg.get(TPM_ALG_HASH.SHA256), `${file} sha256`).to.equal(truth?.sha256 ?? pesign(file, 'sha256'));
  expect(byAlg.get(TPM_ALG_HASH.SHA1), `${file} sha1`).to.equal(truth?.sha1 ?? pesign(file, 'sha1'));
  const joined = Buffer.concat(peImageHashRanges(data).map((r) => data.subarray(r.start, r.end)));
  for (const alg of [TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512, TPM_ALG_HASH.SM3_256]) {
    expect(byAlg.get(alg)).to.equal(hex(hash(alg, joined)));
  }
}

const IMAGES: { file: string; count: number }[] = [
  { file: '/usr/share/OVMF/OVMF_CODE_4M.fd', count: 124 },
  { file: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', count: 136 },
  { file: '/usr/share/ovmf/OVMF.fd', count: 127 },
];
const ROMS = ['/usr/lib/ipxe/qemu/efi-virtio.rom', '/usr/lib/ipxe/qemu/efi-e1000.rom'];

describe('EDK II PE/COFF image hash against pesign @integration', function () {
  this.timeout(120_000);
  let tmp: { path: string; remove: () => void } | undefined;
  before(function () {
    requirePrerequisites(this, { tools: ['pesign', 'UEFIExtract'], files: [...IMAGES.map((i) => i.file), ...ROMS] });
    tmp = tempDir('tcg2sim-pe-');
  });
  after(() => tmp?.remove());

  for (const { file, count } of IMAGES) {
    it(`matches pesign for all ${count} PE32 images in ${basename(file)}`, async () => {
      const work = join(tmp!.path, basename(file));
      copyFileSync(file, work);
      execFileSync('UEFIExtract', [work, 'all'], { stdio: 'ignore' });
      const bodies = collectPe32Bodies(`${work}.dump`);
      expect(bodies).to.have.length(count);
      const truth = await pesignAll(bodies);
      const machines = new Set<number>();
      for (const b of bodies) {
        compareWithPesign(b, truth.get(b));
        machines.add(imageInfo(parsePeImage(new Uint8Array(readFileSync(b)))).machine);
      }
      // The 4M images have an IA32 PEI and an X64 DXE: both PE32 and PE32+ were covered.
      if (file.includes('_4M')) expect([...machines].sort()).to.deep.equal([IMAGE_FILE_MACHINE.I386, IMAGE_FILE_MACHINE.X64]);
    });
  }

  for (const rom of ROMS) {
    it(`matches pesign for the x64 EFI driver inside ${basename(rom)} (iPXE, not built by EDK II)`, () => {
      const d = readFileSync(rom);
      // PCI expansion ROM images: 0x55AA, PCIR pointer at 0x18, image length in 512-byte units at
      // PCIR+0x10, code type 3 = EFI, EFI image header offset at +0x16 (PCI Firmware 3.0 §5.1; UEFI 2.9 §14.4.2).
      let off = 0;
      let pe: Uint8Array | undefined;
      while (off + 0x1a <= d.length && d.readUInt16LE(off) === 0xaa55) {
        const pcir = off + d.readUInt16LE(off + 0x18);
        const len = d.readUInt16LE(pcir + 0x10) * 512;
        if (d[pcir + 0x14] === 3) {
          expect(d.readUInt16LE(off + 0x0c), 'not compressed').to.equal(0);
          pe = new Uint8Array(d.subarray(off + d.readUInt16LE(off + 0x16), off + len));
          break;
        }
        off += len;
      }
      expect(pe).to.not.equal(undefined);
      const f = join(tmp!.path, `${basename(rom)}.efi`);
      writeFileSync(f, pe!);
      expect(imageInfo(parsePeImage(pe!)).machine).to.equal(IMAGE_FILE_MACHINE.X64);
      compareWithPesign(f);
    });
  }

  it('matches pesign on random well-formed images (sections, trailing data, certificates, directory counts)', () => {
    const section = fc.record({ name: fc.constantFrom('.text', '.data', '.reloc', '.rdata'), data: fc.uint8Array({ minLength: 0, maxLength: 600 }) });
    let n = 0;
    fc.assert(
      fc.property(
        fc.constantFrom('pe32' as const, 'pe32+' as const),
        fc.array(section, { minLength: 1, maxLength: 5 }),
        fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 200 }), { nil: undefined }),
        fc.integer({ min: 5, max: 16 }),
        fc.nat(),
        (format, sections, trailing, certificate, dirs, checkSum) => {
          const img = buildPe({
            format, sections, checkSum, numberOfRvaAndSizes: dirs,
            ...(trailing ? { trailing } : {}), ...(certificate ? { certificate } : {}),
          });
          const f = join(tmp!.path, `random-${n++}.efi`);
          writeFileSync(f, img);
          compareWithPesign(f);
        }
      ),
      { numRuns: 40, seed: 7 }
    );
  });

  it('agrees with pesign when sections leave holes: trailing data starts at SUM, overlapping a section', () => {
    const sections = [{ name: '.text', data: Uint8Array.of(1) }, { name: '.data', data: Uint8Array.of(2) }];
    const img = buildPe({ format: 'pe32+', sections, gaps: true });
    const f = join(tmp!.path, 'holes.efi');
    writeFileSync(f, img);
    const ranges = peImageHashRanges(img);
    // SUM = SizeOfHeaders + 1 + 1: EDK II hashes [SUM, end) even though it overlaps the second
    // section (docs/edk2-dxe.md §7 step 9); pesign does the same.
    expect(ranges[ranges.length - 1]).to.deep.equal({ start: 0x202, end: img.length });
    compareWithPesign(f);
  });

  it('sorts sections by PointerToRawData as EDK II does, where pesign keeps table order', () => {
    // pesign hashes sections in section-table order; EDK II (and the Authenticode spec) sort by
    // PointerToRawData. Images whose raw data is in table order (all real ones above) agree.
    const sections = [{ name: '.text', data: Uint8Array.of(1) }, { name: '.data', data: Uint8Array.of(2) }];
    const img = buildPe({ format: 'pe32+', sections, placement: [1, 0] });
    const f = join(tmp!.path, 'reordered.efi');
    writeFileSync(f, img);
    const secs = parsePeImage(img).sections;
    const ranges = peImageHashRanges(img);
    expect(ranges.slice(-2)).to.deep.equal([
      { start: secs[1]!.pointerToRawData, end: secs[1]!.pointerToRawData + 0x20 },
      { start: secs[0]!.pointerToRawData, end: secs[0]!.pointerToRawData + 0x20 },
    ]);
    expect(hex(peImageDigests(img, [TPM_ALG_HASH.SHA256])[0]!.digest)).to.not.equal(pesign(f, 'sha256'));
    // pesign's value is the same ranges with the two sections in table order.
    const tableOrder = [...ranges.slice(0, -2).map((r) => img.subarray(r.start, r.end)), ...secs.map((s) => img.subarray(s.pointerToRawData, s.pointerToRawData + s.sizeOfRawData))];
    expect(hex(hash(TPM_ALG_HASH.SHA256, Buffer.concat(tableOrder)))).to.equal(pesign(f, 'sha256'));
  });
});
