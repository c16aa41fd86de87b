/**
 * Coverage-guided fuzzing of the hostile-input parsers with Jazzer.js (issue #5), for a bounded
 * time each, from seeds cut out of real images (Debian's OVMF) and the real-firmware vectors.
 * Needs the fuzz/ project built (fuzz/build.sh): skipped locally without it, failing in CI.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { fromHex } from '@tcg2sim/binary-codec';
import {
  buildEfiApplication, buildFatVolume, buildGptDisk, describeJazzerRun, ESP_TYPE_GUID, fuzzBundle, JAZZER_ADDON, ovmfImage,
  requirePrerequisites, runJazzer, sbsign, SNAKEOIL_CERT, snakeoilSigner,
} from '@tcg2sim/test-support';
import type { JazzerRun } from '@tcg2sim/test-support';
import {
  EFI_CERT_TYPE, EFI_IMAGE_SECURITY_DATABASE_GUID, EFI_SECTION, getVariable, lzmaCompress, parseFlashImage, parsePeImage,
  parseSignatureLists, readCertificateTable, securityDirectory, tianoCompress, walkFv,
} from '@tcg2sim/uefi';
import type { FvSection } from '@tcg2sim/uefi';
import { EDK2_UNIT_TEST_VECTORS, END, NODE_VECTORS, PATH_VECTORS } from './vectors/device-paths.ts';
import { OVMF_Q35_VARIABLES } from './vectors/ovmf-variables.ts';
import { everyCompressionVolume } from './packers.ts';

/**
 * Fuzzing time per target; the whole suite stays well under two minutes. TCG2SIM_FUZZ_SECONDS
 * runs longer (a local bug hunt).
 */
const SECONDS = Number(process.env['TCG2SIM_FUZZ_SECONDS'] ?? 8);

function file(name: string): Uint8Array {
  const p = ovmfImage(name);
  if (p === undefined) throw new Error(`missing /usr/share/OVMF/${name}`);
  return new Uint8Array(readFileSync(p));
}

/** Every section of the OVMF code image, decompressed volumes included. */
function ovmfSections(): FvSection[] {
  const flash = parseFlashImage(file('OVMF_CODE_4M.fd'));
  const out: FvSection[] = [];
  for (const v of flash.volumes) for (const n of walkFv(v)) if (n.kind === 'section') out.push(n);
  return out;
}

/** The `count` smallest bodies of the given section type, each at least `min` bytes. */
function smallestBodies(sections: readonly FvSection[], type: number, count: number, min = 0): Uint8Array[] {
  return sections
    .filter((s) => s.type === type && s.body.length >= min)
    .sort((a, b) => a.body.length - b.body.length)
    .slice(0, count)
    .map((s) => s.body.slice());
}

function prefixed(tag: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = tag;
  out.set(bytes, 1);
  return out;
}

function expectClean(run: JazzerRun): void {
  expect(run.exitCode, describeJazzerRun(run)).to.equal(0);
  expect(run.finding, describeJazzerRun(run)).to.equal(undefined);
  // Coverage feedback is live: the seeds were run instrumented and the fuzzer kept new inputs.
  expect(run.initialCoverage, describeJazzerRun(run)).to.be.greaterThan(0);
  expect(run.executions, describeJazzerRun(run)).to.be.greaterThan(0);
  expect(run.newUnits, describeJazzerRun(run)).to.be.greaterThan(0);
}

describe('Jazzer.js coverage-guided fuzzing of the UEFI parsers @integration', function () {
  this.timeout(Math.max(120_000, SECONDS * 3000));
  let sections: FvSection[];

  before(function () {
    requirePrerequisites(this, { files: [JAZZER_ADDON], hint: 'run fuzz/build.sh' });
    requirePrerequisites(this, { files: ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS.ms.fd'] });
    sections = ovmfSections();
  });

  /** Fuzzes a throwaway CommonJS target (`source`) written to a temp directory. */
  async function runPlanted(source: string, timeoutMs?: number): Promise<JazzerRun> {
    const dir = mkdtempSync(join(tmpdir(), 'tcg2sim-planted-'));
    try {
      const target = join(dir, 'planted.cjs');
      writeFileSync(target, source);
      return await runJazzer({ target, seeds: [Uint8Array.of(0)], seconds: 60, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('reports a planted crash with the input that triggers it (the harness can fail)', async () => {
    const run = await runPlanted("exports.fuzz = (d) => { if (d.length >= 4 && d.readUInt32LE(0) === 0x5a5a5546) throw new TypeError('planted'); };\n");
    expect(run.exitCode, describeJazzerRun(run)).to.equal(77);
    expect(run.finding?.kind).to.equal('crash');
    expect(run.finding && Buffer.from(run.finding.input.subarray(0, 4)).toString('latin1')).to.equal('FUZZ');
  });

  it('reports a planted hang as a timeout with the input that triggers it', async () => {
    const run = await runPlanted('exports.fuzz = (d) => { if (d.length > 0 && d[0] === 0x41) for (;;) {} };\n', 1000);
    expect(run.exitCode, describeJazzerRun(run)).to.equal(70);
    expect(run.finding?.kind).to.equal('timeout');
    expect(run.finding?.input[0]).to.equal(0x41);
  });

  it('firmware volumes: real OVMF volumes, mutated, parse or fail with typed errors', async () => {
    const flash = parseFlashImage(file('OVMF_CODE_4M.fd'));
    const small = flash.volumes.filter((v) => v.raw.length <= 256 * 1024).map((v) => v.raw.slice());
    const nv = file('OVMF_VARS.fd');
    const seeds = [...small, nv, everyCompressionVolume()];
    expect(small.length).to.be.greaterThan(0);
    expectClean(await runJazzer({ target: fuzzBundle('uefi', 'fv'), seeds, seconds: SECONDS, maxLen: 256 * 1024 }));
  });

  it('variable stores: the real OVMF stores, mutated, read and recover or fail with typed errors', async () => {
    const seeds = [file('OVMF_VARS.fd'), file('OVMF_VARS.ms.fd')];
    expectClean(await runJazzer({ target: fuzzBundle('uefi', 'varstore'), seeds, seconds: SECONDS }));
  });

  it('PE/TE images and the Authenticode hash: OVMF drivers, mutated, parse and hash or fail with typed errors', async () => {
    const seeds = [...smallestBodies(sections, EFI_SECTION.PE32, 4, 1024), ...smallestBodies(sections, EFI_SECTION.TE, 2, 256)];
    expect(seeds.length).to.be.greaterThan(3);
    expectClean(await runJazzer({ target: fuzzBundle('uefi', 'pe'), seeds, seconds: SECONDS }));
  });

  it('device paths: the EDK II vectors and OVMF paths, binary and text, mutated, decode or fail with typed errors', async () => {
    const binary = [...NODE_VECTORS, ...EDK2_UNIT_TEST_VECTORS, ...PATH_VECTORS].map((v) => {
      const hex = v.hex.toLowerCase().endsWith(END) ? v.hex : v.hex + END;
      return prefixed(0, fromHex(hex));
    });
    const texts = [...NODE_VECTORS, ...PATH_VECTORS].map((v) => prefixed(1, new TextEncoder().encode(v.text)));
    const paths = ['ConOut', 'ConIn', 'ErrOut'] as const;
    const ovmf = paths.map((k) => prefixed(0, fromHex(OVMF_Q35_VARIABLES[k])));
    expectClean(await runJazzer({ target: fuzzBundle('uefi', 'device-path'), seeds: [...binary, ...texts, ...ovmf], seconds: SECONDS }));
  });

  it('load options: the Boot#### OVMF writes, mutated, decode or fail with typed errors', async () => {
    const seeds = (['Boot0000', 'Boot0001', 'Boot0002'] as const).map((k) => fromHex(OVMF_Q35_VARIABLES[k]));
    expectClean(await runJazzer({ target: fuzzBundle('uefi', 'load-option'), seeds, seconds: SECONDS }));
  });

  it('decompressors: LZMA, EFI/Tiano and Brotli streams of OVMF code, mutated, decompress within bounds or fail with typed errors', async () => {
    const plain = smallestBodies(sections, EFI_SECTION.PE32, 2, 2048);
    const seeds = plain.flatMap((p) => {
      const brotli = brotliCompressSync(p);
      const body = new Uint8Array(16 + brotli.length);
      const v = new DataView(body.buffer);
      v.setBigUint64(0, BigInt(p.length), true);
      v.setBigUint64(8, 0x2000n, true);
      body.set(brotli, 16);
      return [
        prefixed(0, lzmaCompress(p)),
        prefixed(1, tianoCompress(p, { variant: 'efi' })),
        prefixed(2, tianoCompress(p, { variant: 'tiano' })),
        prefixed(3, body),
      ];
    });
    expectClean(await runJazzer({ target: fuzzBundle('uefi', 'decompress'), seeds, seconds: SECONDS }));
  });

  it('disks: small GPT disks with a FAT ESP holding an EFI application, mutated, read or fail with typed errors', async () => {
    const files = [{ path: 'EFI/BOOT/BOOTX64.EFI', data: buildEfiApplication() }];
    // Small on purpose (100-odd KiB), so that each execution is cheap: 8 entries, a 160-sector ESP.
    const first = 8;
    const last = first + 159;
    const seeds = [1, 4].map((sectorsPerCluster) => {
      const esp = buildFatVolume({ type: 'FAT12', sectors: last - first + 1, sectorsPerCluster, files, hiddenSectors: first });
      return buildGptDisk({
        totalSectors: last + 8, diskGuid: '5E2C8D10-7A3B-4C9E-8F21-0D1E2F3A4B5C', entryCount: 8,
        partitions: [{ typeGuid: ESP_TYPE_GUID, uniqueGuid: '0B4F3C2E-5D8A-4E21-9F11-6A7B8C9D0E1F', firstLba: first, lastLba: last, content: esp }],
      });
    });
    const volumes = [buildFatVolume({ type: 'FAT12', sectors: 128, files })];
    expectClean(await runJazzer({ target: fuzzBundle('uefi', 'disk'), seeds: [...seeds, ...volumes], seconds: SECONDS }));
  });

  it('Secure Boot: a signed image against db/dbx, the Microsoft db/dbx/KEK/PK and their certificates, mutated, verify or fail with typed errors', async function () {
    requirePrerequisites(this, { tools: ['sbsign'], files: [SNAKEOIL_CERT] });
    const dir = mkdtempSync(join(tmpdir(), 'tcg2sim-sb-'));
    let signed: Uint8Array;
    const app = buildEfiApplication();
    try {
      signed = sbsign(dir, app, snakeoilSigner(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const pe = parsePeImage(signed);
    const sec = securityDirectory(pe);
    const pkcs7 = sec === undefined ? [] : readCertificateTable(signed, sec).entries.flatMap((e) => (e.authData === undefined ? [] : [e.authData.slice()]));
    expect(pkcs7.length).to.equal(1);
    const ms = file('OVMF_VARS.ms.fd');
    const GLOBAL = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';
    const lists = [
      getVariable(ms, 'db', EFI_IMAGE_SECURITY_DATABASE_GUID), getVariable(ms, 'dbx', EFI_IMAGE_SECURITY_DATABASE_GUID),
      getVariable(ms, 'KEK', GLOBAL), getVariable(ms, 'PK', GLOBAL),
    ].flatMap((v) => (v === undefined ? [] : [v.data]));
    expect(lists.length).to.equal(4);
    const certs = lists.flatMap((l) =>
      parseSignatureLists(l).filter((sl) => sl.header.signatureType === EFI_CERT_TYPE.X509).flatMap((sl) => sl.entries.map((e) => e.data.slice()))
    );
    expect(certs.length).to.be.greaterThan(2);
    const seeds = [
      prefixed(0, signed), prefixed(0, app),
      ...lists.map((l) => prefixed(1, l)),
      ...pkcs7.map((p) => prefixed(2, p)),
      ...certs.map((c) => prefixed(3, c)),
    ];
    expectClean(await runJazzer({ target: fuzzBundle('uefi', 'secure-boot'), seeds, seconds: SECONDS }));
  });
});
