import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { requirePrerequisites, skipOptional } from '@tcg2sim/test-support';
import {
  DEBIAN_2022_11_BUILD, MachineDescription, buildFactsFromPeiFv, decompressMemFvs, fourLevelTablePages, locateSmmRelocationSites, peiFvAtMeasurement, peiMemoryBounds, smmPeiPages,
} from '@tcg2sim/platform-ovmf';
import { FIRMWARE_CACHE } from './debian-firmware.ts';

// Truth: real boots (QEMU 7.2 + KVM, swtpm, `captureBoot`, q35,smm=on, Microsoft keys) of three
// SMM builds whose PlatformPei relocates SMBASE in PEI (SmmRelocationLib, edk2-stable202405 on):
// each boot's event log (test/vectors/smm-relocation) and the two PEI allocation addresses read
// from its guest RAM (boots.json `observed`: gPatchSmmInitStack and gcSmmInitIdtr's base).
interface Boot {
  readonly id: string;
  readonly image: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly observed: { readonly gPatchSmmInitStack: string; readonly gcSmmInitIdtrBase: string };
}
interface Vectors {
  readonly images: Readonly<Record<string, { readonly file: string; readonly source: string; readonly sha256: string; readonly ia32Dxe?: boolean }>>;
  readonly boots: readonly Boot[];
  readonly peiPageAllocations: Readonly<Record<string, readonly { readonly base: string; readonly length: string; readonly memoryType: number }[] | string>>;
}
const vectorDir = new URL('../../test/vectors/smm-relocation/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('boots.json', vectorDir), 'utf8')) as Vectors;
const hash = (alg: string, b: Uint8Array): string => createHash(alg).update(b).digest('hex');
const ALGS: Readonly<Record<number, string>> = { 0x0004: 'sha1', 0x000b: 'sha256', 0x000c: 'sha384', 0x000d: 'sha512' };

const secCache = new Map<string, ReturnType<typeof decompressMemFvs>>();
function secOf(file: string): ReturnType<typeof decompressMemFvs> {
  const hit = secCache.get(file);
  if (hit !== undefined) return hit;
  const sec = decompressMemFvs(readFileSync(file));
  secCache.set(file, sec);
  return sec;
}

/** The allocations a boot's observed addresses imply, through the PEI memory model. */
function allocationsOf(b: Boot, m: MachineDescription, ia32: boolean): { pagesBelowTop: number; idtPoolAboveBase: number } {
  const w = ia32 ? 4 : 8;
  const mem = peiMemoryBounds(m, !ia32);
  return {
    pagesBelowTop: mem.top - (Number(b.observed.gPatchSmmInitStack) + w - 4096),
    idtPoolAboveBase: Number(b.observed.gcSmmInitIdtrBase) - w - mem.base,
  };
}

describe('SmmRelocationLib in PlatformPei (202405+ SMM builds): PEIFV at measurement against real boots', function () {
  this.timeout(120_000);
  for (const b of vectors.boots) {
    const img = vectors.images[b.image];
    it(`${b.id}: ${b.image} q35,smm=on ${b.memoryMiB} MiB, ${b.cpus} CPU(s): every write found and (but sid) derived, PEIFV = the measured digest in every bank`, function () {
      if (img === undefined) throw new Error(`boots.json: no image ${b.image}`);
      const code = join(FIRMWARE_CACHE, img.file);
      // Debian's images are fetched by the set-up (missing in CI: a failure); the others come only from public repositories.
      if (img.source.startsWith('Debian')) requirePrerequisites(this, { files: [code], hint: img.source });
      else if (!existsSync(code)) skipOptional(this, `firmware ${code} absent (${img.source}; never committed)`);
      const sha = hash('sha256', readFileSync(code));
      if (sha !== img.sha256) skipOptional(this, `firmware ${code} is not the file of ${img.source} (sha256 ${sha})`);
      const sec = secOf(code);
      const m = MachineDescription.parse({ machine: 'q35', memoryMiB: b.memoryMiB, cpus: b.cpus, smm: true });
      const build = { ...buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD), ia32Dxe: img.ia32Dxe === true };
      const real = decodeEventLog(readFileSync(new URL(`${b.id}-eventlog.bin`, vectorDir)));
      const blob = real.events.find((e) => e.eventType === EV.EFI_PLATFORM_FIRMWARE_BLOB || e.eventType === EV.EFI_PLATFORM_FIRMWARE_BLOB2);
      expect(blob?.pcrIndex).to.equal(0);

      // Nothing given: for edk2-stable202405..202502 both PEI allocations are derived from the
      // image and the VM (smm-pei-pages.ts, pei-hob-list.ts) and PEIFV is the measured digest;
      // sid's later release leaves both open.
      const derived = b.image !== 'sid-x64';
      const open = peiFvAtMeasurement(sec.peiFv, m, build);
      const openNames = open.smmRelocation?.filter((w) => w.value === undefined).map((w) => w.name);
      expect(openNames).to.deep.equal(derived ? [] : ['gPatchSmmInitStack', 'gcSmmInitIdtr.Base']);
      if (derived) {
        expect(open.unmodelled).to.equal(undefined);
        expect(open.smmRelocation?.find((w) => w.name === 'gPatchSmmInitStack')?.value).to.equal(BigInt(b.observed.gPatchSmmInitStack));
        expect(open.smmRelocation?.find((w) => w.name === 'gcSmmInitIdtr.Base')?.value).to.equal(BigInt(b.observed.gcSmmInitIdtrBase));
      } else expect(open.unmodelled).to.match(/gPatchSmmInitStack and gcSmmInitIdtr\.Base/);

      // Sid: with the observed allocations, PEIFV = the measured digest.
      const full = derived ? open : peiFvAtMeasurement(sec.peiFv, m, build, undefined, allocationsOf(b, m, img.ia32Dxe === true));
      expect(full.unmodelled).to.equal(undefined);
      for (const d of blob?.digests ?? []) {
        const alg = ALGS[d.hashAlg];
        if (alg !== undefined) expect(hash(alg, full.bytes), `${alg} of PEIFV`).to.equal(Buffer.from(d.digest).toString('hex'));
      }
      expect(hash('sha256', sec.peiFv.bytes)).to.not.equal(Buffer.from(blob?.digests.find((d) => d.hashAlg === 0x000b)?.digest ?? []).toString('hex'));
    });
  }

  it('the PEI memory model: the same build and CPU count need the same allocations at every RAM size (above-4-GiB RAM adds one 0x30-byte resource HOB)', function () {
    const seen = new Map<string, { pagesBelowTop: number; idtPoolAboveBase: number }>();
    for (const b of vectors.boots) {
      const img = vectors.images[b.image];
      const m = MachineDescription.parse({ machine: 'q35', memoryMiB: b.memoryMiB, cpus: b.cpus, smm: true });
      const a = allocationsOf(b, m, img?.ia32Dxe === true);
      const high = b.memoryMiB * 1024 * 1024 > 0xb0000000;
      const key = `${b.image}/${b.cpus}`;
      const normal = { pagesBelowTop: a.pagesBelowTop, idtPoolAboveBase: a.idtPoolAboveBase - (high ? 0x30 : 0) };
      const before = seen.get(key);
      if (before !== undefined) expect(normal, `${b.id} against an earlier boot of ${key}`).to.deep.equal(before);
      seen.set(key, normal);
    }
    // trixie X64: 1, 2 and 4 CPUs: one MpInitLib AP stack (32 KiB) of pages and 0x38 bytes of HOBs per CPU.
    const t1 = seen.get('trixie-x64/1');
    const t2 = seen.get('trixie-x64/2');
    const t4 = seen.get('trixie-x64/4');
    expect(t2 !== undefined && t1 !== undefined ? t2.pagesBelowTop - t1.pagesBelowTop : undefined).to.equal(0x8000);
    expect(t4 !== undefined && t1 !== undefined ? t4.idtPoolAboveBase - t1.idtPoolAboveBase : undefined).to.equal(3 * 0x38);
  });

  it('PEI memory bounds = the PHIT HOB of real boots (EfiMemoryTop/EfiMemoryBottom read from guest RAM at 512 MiB, 1 CPU, q35,smm=on)', () => {
    // Trixie's and sid's X64 secboot builds both put the PHIT at 0x1AB8C000 with these bounds.
    // Trixie's IA32 build (IA32 DXE) caps PEI memory at 64 MiB (GetPeiMemoryCap), which its IDT
    // pool at that base + 0x227C8 (PEI's 128 KiB stack, then HOBs) bears out.
    const m = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true });
    expect(peiMemoryBounds(m)).to.deep.equal({ top: 0x1ef78000, base: 0x1ab6c000, tseg: 0x1f000000 });
    expect(peiMemoryBounds(m, false).base).to.equal(0x1ef78000 - 64 * 1024 * 1024);
  });

  for (const [id, image, arch, release] of [['tx-512-1', 'trixie-x64', 'X64', 202502], ['ia-512-1', 'trixie-ia32', 'IA32', 202502], ['ub-512-1', 'ubuntu-2024.05-x64', 'X64', 202405]] as const) {
    it(`PEI page allocations up to the SMM init stack = the memory-allocation HOBs of real boot ${id} (${image}, 512 MiB, 1 CPU), one by one`, function () {
      const img = vectors.images[image];
      if (img === undefined) throw new Error(`boots.json: no ${image}`);
      const code = join(FIRMWARE_CACHE, img.file);
      if (img.source.startsWith('Debian')) requirePrerequisites(this, { files: [code], hint: img.source });
      else if (!existsSync(code)) skipOptional(this, `firmware ${code} absent (${img.source}; never committed)`);
      const sec = secOf(code);
      const m = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true });
      const top = peiMemoryBounds(m, img.ia32Dxe !== true).top;
      const r = smmPeiPages(sec.peiFv, arch, m, release, top, 0x8000);
      if (!('allocations' in r)) throw new Error(r.unmodelled);
      const real = vectors.peiPageAllocations[id];
      if (real === undefined || typeof real === 'string') throw new Error(`boots.json: no ${id} allocations`);
      let at = top;
      const model = r.allocations.map((a) => {
        at -= a.pages * 0x1000;
        return { base: `0x${at.toString(16)}`, length: `0x${(a.pages * 0x1000).toString(16)}` };
      });
      expect(model).to.deep.equal(real.map((h) => ({ base: h.base, length: h.length })));
      expect(r.allocations.map((a) => a.what).slice(0, 8)).to.deep.equal(['PeiCore', 'PcdPeim', 'DxeIpl', 'S3Resume2Pei', 'FaultTolerantWritePei', 'PeiVariable', 'SmmAccessPei', 'CpuMpPei']);
    });
  }

  it('PEI page allocations: a later release, more than 4 CPUs, a damaged or missing PEIM are left open', function () {
    const img = vectors.images['trixie-x64'];
    if (img === undefined) throw new Error('boots.json: no trixie-x64');
    const code = join(FIRMWARE_CACHE, img.file);
    requirePrerequisites(this, { files: [code], hint: img.source });
    const sec = secOf(code);
    const m = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true });
    const top = peiMemoryBounds(m).top;
    // A later release (sid's 2026.08) and more than 4 CPUs are left open, not guessed.
    expect(smmPeiPages(sec.peiFv, 'X64', m, 202608, top, 0x8000)).to.have.property('unmodelled');
    expect(smmPeiPages(sec.peiFv, 'X64', MachineDescription.parse({ machine: 'q35', cpus: 8, smm: true }), 202502, top, 0x8000)).to.have.property('unmodelled');
    // Hostile: CpuMpPei's PE32 replaced by junk, or gone: left open with the reason, no crash.
    const cpuMp = 'EDADEB9D-DDBA-48BD-9D22-C1C169C8C5C6';
    const junk = new Uint8Array(0x200).map((_, i) => (i * 37 + 1) & 0xff);
    const files = sec.peiFv.volume.files.map((f) => (f.guid.toUpperCase() !== cpuMp ? f : { ...f, sections: f.sections?.map((x) => (x.type === 0x10 ? { ...x, body: junk } : x)) }));
    const bad = smmPeiPages({ ...sec.peiFv, volume: { ...sec.peiFv.volume, files } }, 'X64', m, 202502, top, 0x8000);
    expect(bad).to.have.property('unmodelled').that.matches(/CpuMpPei's copy in memory \(PE32 image unreadable/);
    const none = smmPeiPages({ ...sec.peiFv, volume: { ...sec.peiFv.volume, files: files.filter((f) => f.guid.toUpperCase() !== cpuMp) } }, 'X64', m, 202502, top, 0x8000);
    expect(none).to.have.property('unmodelled').that.matches(/CpuMpPei not found/);
  });

  it('the AP page table: 4-level tables for the AP loop buffer, one more per 2 MiB, 1 GiB and 512 GiB boundary crossed', () => {
    expect(fourLevelTablePages(0x1ef46000, 0x2000)).to.equal(4);
    expect(fourLevelTablePages(0x1effe000, 0x4000)).to.equal(5);
    expect(fourLevelTablePages(0x3fffe000, 0x4000)).to.equal(6);
  });

  it('hostile bytes: no sites, no crash', () => {
    const junk = new Uint8Array(0x4000).map((_, i) => (i * 131 + 7) & 0xff);
    junk.set([0x66, 0xb8, 0, 0, 0, 0, 0x0f, 0x22, 0xd8], 0x100);
    for (const arch of ['X64', 'IA32'] as const) {
      const r = locateSmmRelocationSites(junk, { start: 0x2000, end: 0x3000 }, arch, 0x820000);
      expect('missing' in r && r.missing.length > 0).to.equal(true);
      expect(locateSmmRelocationSites(new Uint8Array(0), { start: 0, end: 0 }, arch, 0)).to.have.property('missing');
    }
  });
});
