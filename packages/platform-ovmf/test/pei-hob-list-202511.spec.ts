import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipOptional, FIRMWARE_CACHE } from '@tcg2sim/test-support';
import { MachineDescription, cpuMpPeiFacts, decompressMemFvs, peiCoreHasMemoryBins, peiHobFacts202608, peiHobList202608, peiMemoryBounds, smmPeiPages } from '@tcg2sim/platform-ovmf';
import { expectHobListAsReal, readHobList } from './pei-hob-vectors.ts';

// Truth: PEI's HOB list of a real boot of Ubuntu 26.04's 2025.11 (edk2-stable202511) secboot image
// (QEMU 7.2 TCG, q35,smm=on, 512 MiB, 1 CPU), read from guest RAM after boot up to SmmRelocationLib's
// IDT pool (test/vectors/smm-relocation/pei-hobs-rs-512-1.txt). The image is not fetched by CI: absent,
// the spec skips with a notice naming it.
interface Image { readonly file: string; readonly source: string; readonly sha256: string }
const vectorDir = new URL('../../test/vectors/smm-relocation/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('boots.json', vectorDir), 'utf8')) as { images: Record<string, Image> };


function resolute(ctx: Mocha.Context): ReturnType<typeof decompressMemFvs> {
  const img = vectors.images['ubuntu-resolute-x64'];
  if (img === undefined) throw new Error('boots.json: no image ubuntu-resolute-x64');
  const code = join(FIRMWARE_CACHE, img.file);
  if (!existsSync(code)) skipOptional(ctx, `firmware ${code} absent (${img.source}; never committed)`);
  return decompressMemFvs(readFileSync(code));
}

describe('PEI allocations of edk2-stable202511 (Ubuntu 26.04\'s 2025.11) up to SmmRelocationLib\'s IDT pool, against a real boot', function () {
  this.timeout(60_000);
  const m = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true });

  it('image facts: no PeiCore memory bins, 32 CpuMpPei vectors, the fw_cfg cache list, no nest-status HOB, no IGVM page, the early debug log', function () {
    const sec = resolute(this);
    const g = peiHobFacts202608(sec.peiFv.volume, Number(sec.peiFv.base));
    expect(peiCoreHasMemoryBins(sec.peiFv.volume)).to.equal(false);
    expect(g.exceptionVectors).to.equal(32);
    expect(g.rscNestStatus).to.equal(false);
    expect(g.igvmParams).to.equal(undefined);
    expect(g.earlyDebugLog).to.deep.equal({ base: 0x820000, size: 0x10000 });
    expect(g.delayedDispatchHobLength).to.equal(0x180);
    expect(g.platformInfoSize).to.equal(162);
    expect(g.fwCfgCache).to.be.an('array').with.length(11);
  });

  it('rs-512-1: page allocations = the list\'s memory-allocation HOBs (no bins; PEIMs shadowed after memory; MpInitLib/CpuMpPei of 202511); the stack page at the top - 0x36000', function () {
    const sec = resolute(this);
    const top = peiMemoryBounds(m).top;
    const pages = smmPeiPages(sec.peiFv, 'X64', m, 202511, top, 0x8000, 0x312);
    if (!('allocations' in pages)) throw new Error(pages.unmodelled);
    expect(pages.allocations.map((a) => a.pages)).to.deep.equal([8, 2, 2, 2, 1, 2, 1, 13, 0x11, 1, 1, 1, 2, 1]);
    const real = readHobList('rs-512-1').filter((h) => h.kind === 'MEMALLOC' && h.guid === '00000000-0000-0000-0000-000000000000').slice(-14);
    expect(real.map((h) => (h.allocationLength ?? 0) / 0x1000)).to.deep.equal(pages.allocations.map((a) => a.pages));
    expect(top - pages.pagesBelowTop + 0x1000 - 8).to.equal(0x1ef42ff8);
  });

  it('rs-512-1: the model\'s list = pei-hobs-rs-512-1.txt HOB for HOB, and the IDT base it implies = gcSmmInitIdtr.Base of the boot (0x1AB8FC20)', function () {
    const sec = resolute(this);
    const top = peiMemoryBounds(m).top;
    const pages = smmPeiPages(sec.peiFv, 'X64', m, 202511, top, 0x8000, 0x312);
    if (!('allocations' in pages)) throw new Error(pages.unmodelled);
    const r = peiHobList202608({ peiFv: sec.peiFv, arch: 'X64', machine: m, release: 202511, pages: pages.allocations, idtLimit: 0x1ff, peiMemoryTop: top });
    if (!('hobs' in r)) throw new Error(r.unmodelled);
    const real = readHobList('rs-512-1');
    expectHobListAsReal(r.hobs, real);
    expect(peiMemoryBounds(m).base + r.idtPoolAboveBase + 8).to.equal(0x1ab8fc20);
    // MpInitLib's microcode and hand-off HOBs follow its AP code page (or the page table that makes it read-only): without one, left open.
    const noApCode = pages.allocations.filter((a) => a.what !== 'MpInitLib AP code above 1 MiB');
    expect(peiHobList202608({ peiFv: sec.peiFv, arch: 'X64', machine: m, release: 202511, pages: noApCode, idtLimit: 0x1ff, peiMemoryTop: top })).to.have.property('unmodelled').that.matches(/AP code page/);
  });

  it('MpInitLib\'s and CpuMpPei\'s pages go by CpuMpPei\'s code, not the release (202508..202608); a release after 202608 is left open', function () {
    const sec = resolute(this);
    const top = peiMemoryBounds(m).top;
    expect(cpuMpPeiFacts(sec.peiFv.volume)).to.deep.equal({ readOnlyApCode: true, apLoopOnS3Only: true, exceptionStacks: true });
    const as202511 = smmPeiPages(sec.peiFv, 'X64', m, 202511, top, 0x8000, 0x312);
    // Every X64 release from 202508 to 202608 is checked by a boot (SMM_PEI_PAGES_RELEASES.x64Checked).
    for (const release of [202508, 202602, 202605, 202608]) expect(smmPeiPages(sec.peiFv, 'X64', m, release, top, 0x8000, 0x312)).to.deep.equal(as202511);
    expect(smmPeiPages(sec.peiFv, 'X64', m, 202611, top, 0x8000, 0x312)).to.have.property('unmodelled').that.matches(/edk2-stable202611/);
  });
});
