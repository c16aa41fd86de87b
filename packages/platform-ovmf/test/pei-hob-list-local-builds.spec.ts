import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRMWARE_CACHE, skipWithoutLocalBuild } from '@tcg2sim/test-support';
import { MachineDescription, cpuMpPeiFacts, decompressMemFvs, peiCoreHasMemoryBins, peiHobFacts202608, peiHobList202608, peiMemoryBounds, smmPeiPages } from '@tcg2sim/platform-ovmf';
import { expectHobListAsReal, HOB_VECTOR_DIR, readHobList } from './pei-hob-vectors.ts';

// Truth: PEI's HOB lists of real boots (QEMU 7.2 TCG, q35,smm=on) of X64 SMM + Secure Boot OVMF
// built locally from the edk2-stable202505, 202508, 202602 and 202605 tags (OvmfPkgX64.dsc, RELEASE;
// boots.json `localBuild`), read from guest RAM after boot up to SmmRelocationLib's IDT pool
// (test/vectors/smm-relocation/pei-hobs-<boot>.txt). The builds are never committed and CI has
// none: absent (or not the build the vectors came from), each test skips naming the build.
interface Image { readonly file: string; readonly source: string; readonly sha256: string; readonly localBuild?: { readonly tag: string; readonly release: number } }
interface Boot { readonly id: string; readonly image: string; readonly memoryMiB: number; readonly cpus: number; readonly observed?: { readonly gPatchSmmInitStack: string; readonly gcSmmInitIdtrBase: string } }
interface Expected { readonly mp: ReturnType<typeof cpuMpPeiFacts>; readonly vectors: number; readonly igvm: boolean; readonly platformInfo: number; readonly earlyDebugLog: boolean }
const vectors = JSON.parse(readFileSync(new URL('boots.json', HOB_VECTOR_DIR), 'utf8')) as { images: Record<string, Image>; boots: Boot[]; captures: Boot[] };

/** What each release's code has (the tags' UefiCpuPkg and OvmfPkg; docs/newer-ovmf.md). */
const EXPECTED: Readonly<Record<number, Expected>> = {
  // 202505: the fw_cfg cache and EFI_HOB_PLATFORM_INFO's work area (161 bytes), 202502's MpInitLib/CpuMpPei, no early debug log.
  202505: { mp: { readOnlyApCode: false, apLoopOnS3Only: false, exceptionStacks: false }, vectors: 32, igvm: false, platformInfo: 161, earlyDebugLog: false },
  202508: { mp: { readOnlyApCode: true, apLoopOnS3Only: false, exceptionStacks: false }, vectors: 32, igvm: false, platformInfo: 162, earlyDebugLog: true },
  202602: { mp: { readOnlyApCode: true, apLoopOnS3Only: true, exceptionStacks: true }, vectors: 32, igvm: true, platformInfo: 162, earlyDebugLog: true },
  202605: { mp: { readOnlyApCode: true, apLoopOnS3Only: true, exceptionStacks: true }, vectors: 256, igvm: true, platformInfo: 162, earlyDebugLog: true },
};

const secs = new Map<string, ReturnType<typeof decompressMemFvs>>();
function localBuild(ctx: Mocha.Context, image: string): { sec: ReturnType<typeof decompressMemFvs>; release: number } {
  const img = vectors.images[image];
  if (img?.localBuild === undefined) throw new Error(`boots.json: no local build ${image}`);
  const code = join(FIRMWARE_CACHE, img.file);
  const build = `${img.localBuild.tag} X64 SMM`;
  if (!existsSync(code)) skipWithoutLocalBuild(ctx, build, code);
  const bytes = readFileSync(code);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== img.sha256) skipWithoutLocalBuild(ctx, build, code, `sha256 ${sha}, the vectors' ${img.sha256}`);
  const sec = secs.get(code) ?? decompressMemFvs(bytes);
  secs.set(code, sec);
  return { sec, release: img.localBuild.release };
}

const machineOf = (b: Boot): MachineDescription => MachineDescription.parse({ machine: 'q35', memoryMiB: b.memoryMiB, cpus: b.cpus, smm: true });
const localImages = Object.entries(vectors.images).filter(([, i]) => i.localBuild !== undefined);
const withHobs = [...vectors.boots, ...vectors.captures].filter((b) => vectors.images[b.image]?.localBuild !== undefined && existsSync(new URL(`pei-hobs-${b.id}.txt`, HOB_VECTOR_DIR)));

describe('PEI allocations of local edk2-stable202505/202508/202602/202605 X64 SMM builds up to SmmRelocationLib\'s IDT pool, against real boots', function () {
  this.timeout(60_000);

  for (const [name, img] of localImages) {
    it(`${name}: image facts as the release's code (MpInitLib/CpuMpPei from CpuMpPei's code, no memory bins, the fw_cfg cache list, the vectors, the IGVM page, EFI_HOB_PLATFORM_INFO's size, the early debug log)`, function () {
      const { sec, release } = localBuild(this, name);
      const want = EXPECTED[release];
      if (want === undefined) throw new Error(`${img.source}: no expectation for ${release}`);
      expect(cpuMpPeiFacts(sec.peiFv.volume)).to.deep.equal(want.mp);
      expect(peiCoreHasMemoryBins(sec.peiFv.volume)).to.equal(false);
      const g = peiHobFacts202608(sec.peiFv.volume, Number(sec.peiFv.base));
      expect(g.exceptionVectors).to.equal(want.vectors);
      expect(g.fwCfgCache).to.be.an('array');
      expect(g.rscNestStatus).to.equal(false);
      expect(g.igvmParams !== undefined).to.equal(want.igvm);
      expect(g.platformInfoSize).to.equal(want.platformInfo);
      expect(g.earlyDebugLog !== undefined).to.equal(want.earlyDebugLog);
    });
  }

  for (const b of withHobs) {
    it(`${b.id} (${b.image}, ${b.memoryMiB} MiB, ${b.cpus} CPU(s)): page allocations and the model's list = pei-hobs-${b.id}.txt HOB for HOB; the stack and IDT it implies = the boot's`, function () {
      const { sec, release } = localBuild(this, b.image);
      const m = machineOf(b);
      const { base, top } = peiMemoryBounds(m);
      const pages = smmPeiPages(sec.peiFv, 'X64', m, release, top, 0x8000, 0x312);
      if (!('allocations' in pages)) throw new Error(pages.unmodelled);
      const r = peiHobList202608({ peiFv: sec.peiFv, arch: 'X64', machine: m, release, pages: pages.allocations, idtLimit: EXPECTED[release]?.vectors === 256 ? 0xfff : 0x1ff, peiMemoryTop: top });
      if (!('hobs' in r)) throw new Error(r.unmodelled);
      const real = readHobList(b.id);
      expectHobListAsReal(r.hobs, real);
      if (b.observed === undefined) throw new Error(`boots.json: ${b.id} has no observed addresses`);
      expect(top - pages.pagesBelowTop + 0x1000 - 8).to.equal(Number(b.observed.gPatchSmmInitStack));
      expect(base + r.idtPoolAboveBase + 8).to.equal(Number(b.observed.gcSmmInitIdtrBase));
    });
  }
});
