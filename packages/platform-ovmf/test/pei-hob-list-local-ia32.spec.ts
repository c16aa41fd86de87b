import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { debianOvmfDir, fetchHint, FIRMWARE_CACHE, requirePrerequisites, skipWithoutLocalBuild } from '@tcg2sim/test-support';
import {
  DEBIAN_2022_11_BUILD, MachineDescription, buildFactsFromPeiFv, cpuMpPeiFactsIa32, decompressMemFvs, peiCoreHasMemoryBins, peiFvAtMeasurement, peiHobFactsIa32, peiHobList202511Ia32, peiMemoryBounds, smmPeiPages,
} from '@tcg2sim/platform-ovmf';
import { expectHobListAsReal, readHobList } from './pei-hob-vectors.ts';

// Truth: PEI's HOB lists of real boots (QEMU 7.2 + KVM, swtpm, q35,smm=on) of OvmfPkgIa32X64 SMM
// builds (32-bit PEI, X64 DXE; OvmfPkgIa32.dsc is gone from edk2-stable202511) of edk2-stable202508,
// 202511, 202602 and 202605, read from guest RAM after the boot up to SmmRelocationLib's IDT pool
// (test/vectors/smm-relocation/pei-hobs-l2508ia-*.txt, -l11ia-*, -l2602ia-*, -l2605ia-*), and gPatchSmmInitStack
// and gcSmmInitIdtr.Base read from PlatformPei in guest RAM (local-edk2-ia32x64.json `observed`). No
// distribution ships such a build: each was built locally from its tag (docs/newer-ovmf.md, "Local
// builds of edk2 releases"), and is never committed nor fetched by CI. Absent, or another build than
// the one the vectors came from, the spec skips with a notice naming it (skipWithoutLocalBuild: also
// under CI=true, where no such build exists).
interface Image { readonly file: string; readonly source: string; readonly sha256: string; readonly release: number }
interface Boot {
  readonly id: string;
  readonly image: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly maxCpus?: number;
  readonly hobs?: boolean;
  readonly observed: { readonly gPatchSmmInitStack: string; readonly gcSmmInitIdtrBase: string };
}
const vectorDir = new URL('../../test/vectors/smm-relocation/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('local-edk2-ia32x64.json', vectorDir), 'utf8')) as { images: Record<string, Image>; boots: Boot[] };

function localBuild(ctx: Mocha.Context, image: string): ReturnType<typeof decompressMemFvs> {
  const img = vectors.images[image];
  if (img === undefined) throw new Error(`local-edk2-ia32x64.json: no image ${image}`);
  const code = join(FIRMWARE_CACHE, img.file);
  if (!existsSync(code)) skipWithoutLocalBuild(ctx, img.source, code);
  const bytes = readFileSync(code);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== img.sha256) skipWithoutLocalBuild(ctx, img.source, code, `sha256 ${sha}, the vectors' ${img.sha256}`);
  return decompressMemFvs(bytes);
}

describe('PEI allocations of IA32 PEIs (OvmfPkgIa32X64 SMM, local builds of edk2-stable202508 to 202605) up to SmmRelocationLib\'s IDT pool, against real boots', function () {
  this.timeout(60_000);

  /** Each build's facts as its release's source has them (OvmfPkg, UefiCpuPkg, MdeModulePkg of the tag), to be read from its IA32 code. */
  const FACTS: readonly { image: string; what: string; vectors: number; apLoopOnS3Only: boolean; exceptionStacks: boolean; delayedDispatchHobLength: number; igvmParams?: { base: number; size: number }; fvBases?: readonly [bigint, bigint] }[] = [
    { image: 'local-202511-ia32x64', what: '202511 image facts, read from the IA32 code: no PeiCore memory bins, 32 CpuMpPei vectors, AP loop only on S3 and exception stacks, the delayed-dispatch HOB, EFI_HOB_PLATFORM_INFO, the fw_cfg cache list, no IGVM page, no early debug log (X64 PlatformInitLib only)', vectors: 32, apLoopOnS3Only: true, exceptionStacks: true, delayedDispatchHobLength: 0x160 },
    { image: 'local-202508-ia32x64', what: '202508 image facts, read from the IA32 code: 32 CpuMpPei vectors, an AP loop buffer on every boot and no exception stacks (202511\'s changes absent), 202502\'s delayed-dispatch HOB (0x278), EFI_HOB_PLATFORM_INFO, the fw_cfg cache list, no IGVM page, no early debug log reserved though its own MEMFD has one (PEIFV 0x820000, DXEFV 0x900000)', vectors: 32, apLoopOnS3Only: false, exceptionStacks: false, delayedDispatchHobLength: 0x278, fvBases: [0x820000n, 0x900000n] },
    { image: 'local-202602-ia32x64', what: '202602 image facts, read from the IA32 code: 32 CpuMpPei vectors, AP loop only on S3 and exception stacks, the IGVM parameter page (0x812000, a page), the delayed-dispatch HOB, EFI_HOB_PLATFORM_INFO, the fw_cfg cache list, no early debug log', vectors: 32, apLoopOnS3Only: true, exceptionStacks: true, delayedDispatchHobLength: 0x160, igvmParams: { base: 0x812000, size: 0x1000 } },
    { image: 'local-202605-ia32x64', what: '202605 image facts, read from the IA32 code: 256 CpuMpPei vectors, AP loop only on S3 and exception stacks, the IGVM parameter page (0x812000, a page), the delayed-dispatch HOB, EFI_HOB_PLATFORM_INFO, the fw_cfg cache list, no early debug log', vectors: 256, apLoopOnS3Only: true, exceptionStacks: true, delayedDispatchHobLength: 0x160, igvmParams: { base: 0x812000, size: 0x1000 } },
  ];
  for (const f of FACTS) {
    it(f.what, function () {
      const sec = localBuild(this, f.image);
      const g = peiHobFactsIa32(sec.peiFv.volume, Number(sec.peiFv.base));
      expect(peiCoreHasMemoryBins(sec.peiFv.volume)).to.equal(false);
      expect(g.exceptionVectors).to.equal(f.vectors);
      expect(cpuMpPeiFactsIa32(sec.peiFv.volume)).to.include({ apLoopOnS3Only: f.apLoopOnS3Only, exceptionStacks: f.exceptionStacks });
      expect(g.igvmParams).to.deep.equal(f.igvmParams);
      expect(g.delayedDispatchHobLength).to.equal(f.delayedDispatchHobLength);
      expect(g.platformInfoSize).to.equal(162);
      expect(g.rscNestStatus).to.equal(false);
      expect(g.earlyDebugLog).to.equal(undefined);
      expect(g.fwCfgCache).to.be.an('array').with.length(11);
      if (f.fvBases !== undefined) expect([sec.peiFv.base, sec.dxeFv.base]).to.deep.equal(f.fvBases);
    });
  }

  for (const b of vectors.boots) {
    const m = MachineDescription.parse({ machine: 'q35', memoryMiB: b.memoryMiB, cpus: b.cpus, ...(b.maxCpus === undefined ? {} : { maxCpus: b.maxCpus }), smm: true });
    const release = vectors.images[b.image]?.release ?? 0;
    const model = (sec: ReturnType<typeof decompressMemFvs>): { pages: ReturnType<typeof smmPeiPages>; top: number; base: number } => {
      const { top, base } = peiMemoryBounds(m, true);
      return { pages: smmPeiPages(sec.peiFv, 'IA32', m, release, top, 0x8000), top, base };
    };

    it(`${b.id} (${b.memoryMiB} MiB, ${b.cpus} CPU(s)): the SMM init stack the page allocations imply = gPatchSmmInitStack of the boot (${b.observed.gPatchSmmInitStack})`, function () {
      const { pages, top } = model(localBuild(this, b.image));
      if (!('allocations' in pages)) throw new Error(pages.unmodelled);
      expect(top - pages.pagesBelowTop + 0x1000 - 4).to.equal(Number(b.observed.gPatchSmmInitStack));
      if (b.hobs === true) {
        const real = readHobList(b.id).filter((h) => h.kind === 'MEMALLOC' && h.guid === '00000000-0000-0000-0000-000000000000').slice(-pages.allocations.length);
        expect(real.map((h) => (h.allocationLength ?? 0) / 0x1000)).to.deep.equal(pages.allocations.map((a) => a.pages));
      }
    });

    it(`${b.id}: the model's HOB list${b.hobs === true ? ` = pei-hobs-${b.id}.txt HOB for HOB, and` : ','} the IDT base it implies = gcSmmInitIdtr.Base of the boot (${b.observed.gcSmmInitIdtrBase})`, function () {
      const sec = localBuild(this, b.image);
      const { pages, top, base } = model(sec);
      if (!('allocations' in pages)) throw new Error(pages.unmodelled);
      // gcSmmInitIdtr.Limit as SmmRelocationLib's code sets it (smm-relocation-sites.ts): 0xFF, 0x7FF with 256 entries (202605).
      const idtLimit = Number(peiFvAtMeasurement(sec.peiFv, m, { ...buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD), ia32Dxe: false }).smmRelocation?.find((w) => w.name === 'gcSmmInitIdtr.Limit')?.value);
      const r = peiHobList202511Ia32({ peiFv: sec.peiFv, arch: 'IA32', machine: m, release, pages: pages.allocations, idtLimit, peiMemoryTop: top });
      if (!('hobs' in r)) throw new Error(r.unmodelled);
      if (b.hobs === true) {
        const real = readHobList(b.id);
        expectHobListAsReal(r.hobs, real);
      }
      expect(base + r.idtPoolAboveBase + 4).to.equal(Number(b.observed.gcSmmInitIdtrBase));
    });
  }

  it('the IA32 readers on Debian trixie\'s OVMF32 secboot (202502) = its real boot\'s HOBs (pei-hobs-ia-512-1.txt: delayed dispatch 0x278, PlatformInfo 0xB8); junk code gives a reason, no crash', function () {
    const code = join(debianOvmfDir('trixie', 'ovmf-ia32'), 'OVMF32_CODE_4M.secboot.fd');
    requirePrerequisites(this, { files: [code], hint: fetchHint('trixie', 'ovmf-ia32') });
    const sec = decompressMemFvs(readFileSync(code));
    const g = peiHobFactsIa32(sec.peiFv.volume, Number(sec.peiFv.base));
    const real = readHobList('ia-512-1');
    expect(real.find((h) => h.guid === '4B733449-8EFF-488C-921A-154ADA251807')?.length).to.equal(g.delayedDispatchHobLength);
    expect(real.find((h) => h.guid === 'DEC9B486-1F16-47C7-8F68-DF1A41888BA5')?.length).to.equal(24 + Math.ceil(Number(g.platformInfoSize) / 8) * 8);
    expect(g.exceptionVectors).to.equal(32);
    // SEC/PEI's temporary RAM also ends at PEIFV's base in 202502's layout: not the early debug log.
    expect(g.earlyDebugLog).to.equal(undefined);
    const junk = new Uint8Array(0x400).map((_, i) => (i * 37 + 1) & 0xff);
    const files = sec.peiFv.volume.files.map((f) => ({ ...f, sections: f.sections?.map((x) => (x.type === 0x10 ? { ...x, body: junk } : x)) }));
    const bad = peiHobFactsIa32({ ...sec.peiFv.volume, files }, Number(sec.peiFv.base));
    expect(bad.exceptionVectors).to.be.a('string');
    expect(bad.delayedDispatchHobLength).to.be.a('string');
    expect(bad.platformInfoSize).to.be.a('string');
  });

  it('left open: an IA32 PEI of 202608 (no boot to check it)', function () {
    const sec = localBuild(this, 'local-202511-ia32x64');
    const m = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true });
    const { top } = peiMemoryBounds(m, true);
    const pages = smmPeiPages(sec.peiFv, 'IA32', m, 202511, top, 0x8000);
    if (!('allocations' in pages)) throw new Error(pages.unmodelled);
    expect(peiHobList202511Ia32({ peiFv: sec.peiFv, arch: 'IA32', machine: m, release: 202608, pages: pages.allocations, idtLimit: 0xff, peiMemoryTop: top })).to.have.property('unmodelled').that.matches(/edk2-stable202608/);
  });
});
