import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { requirePrerequisites, skipOptional, skipWithoutLocalBuild, FIRMWARE_CACHE } from '@tcg2sim/test-support';
import {
  DEBIAN_2022_11_BUILD, MachineDescription, buildFactsFromPeiFv, decompressMemFvs, fourLevelTablePages, locateSmmRelocationSites, peiFvAtMeasurement, peiMemoryBounds, smmPeiPages,
} from '@tcg2sim/platform-ovmf';

// Truth: real boots (QEMU 7.2 + KVM, swtpm, `captureBoot`, q35,smm=on, Microsoft keys) of the
// SMM builds whose PlatformPei relocates SMBASE in PEI (SmmRelocationLib, edk2-stable202405 on):
// each boot's event log (test/vectors/smm-relocation) and the two PEI allocation addresses read
// from its guest RAM (boots.json `observed`: gPatchSmmInitStack and gcSmmInitIdtr's base).
interface Boot {
  readonly id: string;
  readonly image: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  /** Possible CPUs when more than started (`-smp cpus,maxcpus=`). */
  readonly maxCpus?: number;
  readonly observed: { readonly gPatchSmmInitStack: string; readonly gcSmmInitIdtrBase: string };
}
interface Vectors {
  readonly images: Readonly<Record<string, { readonly file: string; readonly source: string; readonly sha256: string; readonly ia32Dxe?: boolean; readonly localBuild?: { readonly tag: string } }>>;
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
    it(`${b.id}: ${b.image} q35,smm=on ${b.memoryMiB} MiB, ${b.cpus} CPU(s)${b.maxCpus === undefined ? '' : ` of ${b.maxCpus}`}: every write found and derived, PEIFV = the measured digest in every bank`, function () {
      if (img === undefined) throw new Error(`boots.json: no image ${b.image}`);
      const code = join(FIRMWARE_CACHE, img.file);
      // Debian's images are fetched by the set-up (missing in CI: a failure); the others come only from public repositories.
      // Local builds of edk2 tags (boots.json localBuild) are in no set-up and never in CI.
      if (img.source.startsWith('Debian')) requirePrerequisites(this, { files: [code], hint: img.source });
      else if (img.localBuild !== undefined && !existsSync(code)) skipWithoutLocalBuild(this, `${img.localBuild.tag} X64 SMM`, code);
      else if (!existsSync(code)) skipOptional(this, `firmware ${code} absent (${img.source}; never committed)`);
      const sha = hash('sha256', readFileSync(code));
      if (sha !== img.sha256 && img.localBuild !== undefined) skipWithoutLocalBuild(this, `${img.localBuild.tag} X64 SMM`, code, `sha256 ${sha}, the vectors' ${img.sha256}`);
      if (sha !== img.sha256) skipOptional(this, `firmware ${code} is not the file of ${img.source} (sha256 ${sha})`);
      const sec = secOf(code);
      const m = MachineDescription.parse({ machine: 'q35', memoryMiB: b.memoryMiB, cpus: b.cpus, ...(b.maxCpus === undefined ? {} : { maxCpus: b.maxCpus }), smm: true });
      const build = { ...buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD), ia32Dxe: img.ia32Dxe === true };
      const real = decodeEventLog(readFileSync(new URL(`${b.id}-eventlog.bin`, vectorDir)));
      const blob = real.events.find((e) => e.eventType === EV.EFI_PLATFORM_FIRMWARE_BLOB || e.eventType === EV.EFI_PLATFORM_FIRMWARE_BLOB2);
      expect(blob?.pcrIndex).to.equal(0);

      // Nothing given: both PEI allocations are derived from the image and the VM (smm-pei-pages.ts:
      // edk2-stable202405..202505 and 202608; pei-hob-list.ts: 202405..202502; pei-hob-list-202608.ts)
      // and PEIFV is the measured digest.
      const full = peiFvAtMeasurement(sec.peiFv, m, build);
      expect(full.smmRelocation?.filter((w) => w.value === undefined).map((w) => w.name)).to.deep.equal([]);
      expect(full.smmRelocation?.find((w) => w.name === 'gPatchSmmInitStack')?.value).to.equal(BigInt(b.observed.gPatchSmmInitStack));
      expect(full.smmRelocation?.find((w) => w.name === 'gcSmmInitIdtr.Base')?.value).to.equal(BigInt(b.observed.gcSmmInitIdtrBase));
      expect(full.unmodelled).to.equal(undefined);
      for (const d of blob?.digests ?? []) {
        const alg = ALGS[d.hashAlg];
        if (alg !== undefined) expect(hash(alg, full.bytes), `${alg} of PEIFV`).to.equal(Buffer.from(d.digest).toString('hex'));
      }
      expect(hash('sha256', sec.peiFv.bytes)).to.not.equal(Buffer.from(blob?.digests.find((d) => d.hashAlg === 0x000b)?.digest ?? []).toString('hex'));
    });
  }

  it('the PEI memory model: the same build and CPU count need the same allocations at every RAM size (above-4-GiB RAM adds one 0x30-byte resource HOB; on sid also an e820 entry in the fw_cfg cache HOB)', function () {
    const seen = new Map<string, { pagesBelowTop: number; idtPoolAboveBase: number }>();
    for (const b of vectors.boots) {
      const img = vectors.images[b.image];
      const m = MachineDescription.parse({ machine: 'q35', memoryMiB: b.memoryMiB, cpus: b.cpus, ...(b.maxCpus === undefined ? {} : { maxCpus: b.maxCpus }), smm: true });
      const a = allocationsOf(b, m, img?.ia32Dxe === true);
      const high = b.memoryMiB * 1024 * 1024 > 0xb0000000;
      const key = `${b.image.replace(/-strictnx$/, '')}/${b.cpus}/${b.maxCpus ?? b.cpus}`;
      // sid's and the local builds' fw_cfg cache HOB (gOvmfFwCfgInfoHobGuid) also holds etc/e820: one more 24-byte entry.
      const highHobs = b.image.startsWith('sid-') || img?.localBuild !== undefined ? 0x30 + 0x18 : 0x30;
      const normal = { pagesBelowTop: a.pagesBelowTop, idtPoolAboveBase: a.idtPoolAboveBase - (high ? highHobs : 0) };
      const before = seen.get(key);
      if (before !== undefined) expect(normal, `${b.id} against an earlier boot of ${key}`).to.deep.equal(before);
      seen.set(key, normal);
    }
    // trixie X64: 1, 2 and 4 CPUs: one MpInitLib AP stack (32 KiB) of pages and 0x38 bytes of HOBs per CPU.
    const t1 = seen.get('trixie-x64/1/1');
    const t2 = seen.get('trixie-x64/2/2');
    const t4 = seen.get('trixie-x64/4/4');
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

  // edk2-stable202608 (sid): the HOB list read from guest RAM holds, between the SMM init stack and
  // the top of PEI memory, one memory-allocation HOB per page allocation (the freed stack-switch
  // page as EfiConventionalMemory) and the memory bins as the system-memory resource HOB PeiCore
  // leaves for them; PcdPeim's allocation reuses the bins' freed HOB, so HOB order is not address
  // order: both are compared top down.
  for (const id of ['sid-512-1', 'sid-2048-4', 'sid-5120-1', 'nx-512-3', 'sid-1024-2of4']) {
    it(`PEI page allocations up to the SMM init stack = the memory HOBs of real boot ${id} (edk2-stable202608), one by one`, function () {
      const b = vectors.boots.find((x) => x.id === id);
      const img = b === undefined ? undefined : vectors.images[b.image];
      if (b === undefined || img === undefined) throw new Error(`boots.json: no ${id}`);
      const hobFile = new URL(`pei-hobs-${id}.txt`, vectorDir);
      const code = join(FIRMWARE_CACHE, img.file);
      requirePrerequisites(this, { files: [code], hint: img.source });
      const sec = secOf(code);
      const m = MachineDescription.parse({ machine: 'q35', memoryMiB: b.memoryMiB, cpus: b.cpus, ...(b.maxCpus === undefined ? {} : { maxCpus: b.maxCpus }), smm: true });
      const top = peiMemoryBounds(m).top;
      const r = smmPeiPages(sec.peiFv, 'X64', m, 202608, top, 0x8000, 0x312);
      if (!('allocations' in r)) throw new Error(r.unmodelled);
      const stack = Number(b.observed.gPatchSmmInitStack) + 8 - 0x1000;
      const real = readFileSync(hobFile, 'utf8').split('\n').flatMap((line) => {
        const a = /MEMALLOC .* base=(0x[0-9a-f]+) len=(0x[0-9a-f]+)/.exec(line) ?? /RESDESC .* restype=0 start=(0x[0-9a-f]+) len=(0x[0-9a-f]+)/.exec(line);
        const base = Number(a?.[1]);
        return a !== null && base >= stack && base < top ? [{ base, length: Number(a[2]) }] : [];
      }).sort((x, y) => y.base - x.base);
      let at = top;
      const model = r.allocations.map((a) => ({ base: (at -= a.pages * 0x1000), length: a.pages * 0x1000 }));
      expect(model).to.deep.equal(real);
      expect(r.allocations.map((a) => a.what).slice(0, 7)).to.deep.equal(['PeiCore', 'PeiCore memory bins (allocated, freed, left above the PHIT)', 'PcdPeim', 'DxeIpl', 'SmmAccessPei', 'CpuMpPei', 'MpInitLib buffer']);
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
    // X64 202508, 202602 and 202605 (each checked by a boot): MpInitLib's and CpuMpPei's pages go by CpuMpPei's code (trixie's has none of the later changes: 202505's pages).
    // A release after 202608, an IA32 PEI of 202511+ and more than 4 CPUs are left open, not guessed.
    const as202505 = smmPeiPages(sec.peiFv, 'X64', m, 202505, top, 0x8000, 0x312);
    if (!('allocations' in as202505)) throw new Error(as202505.unmodelled);
    for (const release of [202508, 202602, 202605]) {
      const r = smmPeiPages(sec.peiFv, 'X64', m, release, top, 0x8000, 0x312);
      if (!('allocations' in r)) throw new Error(r.unmodelled);
      expect(r.allocations.map((a) => a.pages)).to.deep.equal(as202505.allocations.map((a) => a.pages));
    }
    for (const release of [202611]) expect(smmPeiPages(sec.peiFv, 'X64', m, release, top, 0x8000, 0x312)).to.have.property('unmodelled');
    expect(smmPeiPages(sec.peiFv, 'IA32', m, 202608, top, 0x8000, 0x312)).to.have.property('unmodelled').that.matches(/IA32/);
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

  it('edk2-stable202608 page allocations: no memory type information, no PeiVariable, an unknown PEIM before memory are left open', function () {
    const img = vectors.images['sid-x64'];
    if (img === undefined) throw new Error('boots.json: no sid-x64');
    const code = join(FIRMWARE_CACHE, img.file);
    requirePrerequisites(this, { files: [code], hint: img.source });
    const sec = secOf(code);
    const m = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true });
    const top = peiMemoryBounds(m).top;
    expect(smmPeiPages(sec.peiFv, 'X64', m, 202608, top, 0x8000)).to.have.property('unmodelled').that.matches(/mMemoryTypeInformation not found/);
    const without = (guid: string): typeof sec.peiFv => ({ ...sec.peiFv, volume: { ...sec.peiFv.volume, files: sec.peiFv.volume.files.filter((f) => f.guid.toUpperCase() !== guid) } });
    // PeiVariable gone: nothing makes PlatformPei install memory, SmmAccessPei (memory in its depex) would wait.
    expect(smmPeiPages(without('34C8C28F-B61C-45A2-8F2E-89E46BECC63B'), 'X64', m, 202608, top, 0x8000, 0x312)).to.have.property('unmodelled').that.matches(/6C0E75B4.* between PlatformPei and PeiVariable/);
    expect(smmPeiPages(without('34C8C28F-B61C-45A2-8F2E-89E46BECC63B'), 'X64', m, 202608, top, 0x8000, 0x312)).to.not.have.property('allocations');
    // A PEIM the model does not know between PlatformPei and PeiVariable: its shadowing is unknown.
    const files = sec.peiFv.volume.files.map((f) => (f.guid.toUpperCase() === 'AAC33064-9ED0-4B89-A5AD-3EA767960B22' ? { ...f, guid: '00000000-0000-0000-0000-0000000000AA' } : f));
    expect(smmPeiPages({ ...sec.peiFv, volume: { ...sec.peiFv.volume, files } }, 'X64', m, 202608, top, 0x8000, 0x312)).to.have.property('unmodelled').that.matches(/between PlatformPei and PeiVariable/);
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
