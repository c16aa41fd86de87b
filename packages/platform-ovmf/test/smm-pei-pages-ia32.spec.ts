import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { debianOvmfDir, fetchHint, requirePrerequisites } from '@tcg2sim/test-support';
import { cpuMpPeiFactsIa32, decompressMemFvs, IA32_PEI_RELEASES, ia32MpFactsDisagree, MachineDescription, mpInitLibBufferBytesIa32, mpTailIa32, peiHobList202511Ia32, peiMemoryBounds, smmPeiPages } from '@tcg2sim/platform-ovmf';
import { readHobList } from './pei-hob-vectors.ts';

// Truth: the PEI HOB lists read from guest RAM of real boots (test/vectors/smm-relocation/
// pei-hobs-*.txt): Debian trixie's OVMF32 secboot (edk2-stable202502, IA32 PEI and DXE: ia-512-1)
// and the local edk2-stable202511 OvmfPkgIa32X64 SMM build (l11ia-*: 1, 2 and 4 CPUs). Their
// memory-allocation HOBs from MpInitLib's buffer to SmmRelocationLib's stack are the allocations
// smm-pei-pages-ia32.ts derives from CpuMpPei's code facts (cpu-mp-pei-facts-ia32.ts).
const trixieIa32 = (): string => join(debianOvmfDir('trixie', 'ovmf-ia32'), 'OVMF32_CODE_4M.secboot.fd');
/** The last `n` memory-allocation HOBs of a real list (unnamed: PEI's own page allocations), in pages. */
function realTail(id: string, n: number): number[] {
  return readHobList(id).filter((h) => h.kind === 'MEMALLOC' && h.guid === '00000000-0000-0000-0000-000000000000').slice(-n).map((h) => (h.allocationLength ?? 0) / 0x1000);
}
/** AsmGetAddressMap's ModeTransitionOffset in trixie's OVMF32 (UefiCpuPkg/Library/MpInitLib/Ia32/MpFuncs.nasm, unchanged to edk2-stable202605). */
const MTO = 0x41;

describe('IA32 PEI (OvmfPkgIa32X64) after edk2-stable202505: MpInitLib\'s and CpuMpPei\'s pages from CpuMpPei\'s code', function () {
  this.timeout(60_000);

  it('CpuMpPei\'s code in trixie\'s OVMF32 (202502): no AP-loop-on-S3-only test, no exception stacks, ModeTransitionOffset 0x41 — as its real boot (an AP loop buffer, ACPI NVS, and no stacks); junk gives a reason', function () {
    requirePrerequisites(this, { files: [trixieIa32()], hint: fetchHint('trixie', 'ovmf-ia32') });
    const sec = decompressMemFvs(readFileSync(trixieIa32()));
    expect(cpuMpPeiFactsIa32(sec.peiFv.volume)).to.deep.equal({ apLoopOnS3Only: false, exceptionStacks: false, modeTransitionOffset: MTO });
    const real = readHobList('ia-512-1').filter((h) => h.kind === 'MEMALLOC');
    expect(real.some((h) => h.allocationLength === 0x2000 && h.offset > 0x2000), 'the AP loop buffer').to.equal(true);
    const junk = new Uint8Array(0x400).map((_, i) => (i * 37 + 1) & 0xff);
    const files = sec.peiFv.volume.files.map((f) => ({ ...f, sections: f.sections?.map((x) => (x.type === 0x10 ? { ...x, body: junk } : x)) }));
    expect(cpuMpPeiFactsIa32({ ...sec.peiFv.volume, files })).to.be.a('string');
    expect(cpuMpPeiFactsIa32({ ...sec.peiFv.volume, files: [] })).to.match(/not found/);
  });

  it('202502\'s facts (AP loop buffer, no stacks) give trixie\'s real allocations from MpInitLib\'s buffer on (ia-512-1: 0x11, 1, 2, 1 pages)', () => {
    const m = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true });
    const tail = mpTailIa32(m, 0x8000, 32, { apLoopOnS3Only: false, exceptionStacks: false, modeTransitionOffset: MTO });
    expect(tail.map((a) => a.what)).to.deep.equal(['MpInitLib buffer', 'MpInitLib AP code above 1 MiB', 'MpInitLib AP loop buffer (ACPI NVS)', 'SmmRelocationLib SMM init stack']);
    expect(tail.map((a) => a.pages)).to.deep.equal(realTail('ia-512-1', tail.length));
  });

  for (const [id, memoryMiB, cpus] of [['l11ia-512-1', 512, 1], ['l11ia-1024-2', 1024, 2], ['l11ia-2048-4', 2048, 4]] as const) {
    it(`202511's facts (AP loop only on S3, exception stacks) give the local 202511 build's real allocations (${id}), MpInitLib's buffer counted byte for byte`, () => {
      const m = MachineDescription.parse({ machine: 'q35', memoryMiB, cpus, smm: true });
      const tail = mpTailIa32(m, 0x8000, 32, { apLoopOnS3Only: true, exceptionStacks: true, modeTransitionOffset: MTO });
      expect(tail.map((a) => a.what)).to.deep.equal(['MpInitLib buffer', 'MpInitLib AP code above 1 MiB', 'CpuMpPei stack-switch contexts (freed)', 'CpuMpPei exception stacks, GDTs and TSSs', 'SmmRelocationLib SMM init stack']);
      expect(tail.map((a) => a.pages)).to.deep.equal(realTail(id, tail.length));
    });
  }

  it('MpInitLib\'s buffer (MpLib.c MpInitLibInitialize on IA32): 202605\'s 256-entry IDT (0x800 bytes) still fits the page after the AP stacks up to 4 CPUs, unlike X64\'s 0x1000', () => {
    for (let cpus = 1; cpus <= 4; cpus++) {
      const stacks = 0x8000 * (cpus + 1);
      const b32 = mpInitLibBufferBytesIa32(0x8000, cpus, 32, MTO);
      const b256 = mpInitLibBufferBytesIa32(0x8000, cpus, 256, MTO);
      expect(b256 - b32, `${cpus} CPU(s)`).to.equal((256 - 34) * 8);
      expect(Math.ceil(b256 / 0x1000), `${cpus} CPU(s)`).to.equal(stacks / 0x1000 + 1);
    }
    // Six possible CPUs' data would take a second page (more than 4 stay unmodelled anyway: smm-pei-pages.ts).
    expect(Math.ceil(mpInitLibBufferBytesIa32(0x8000, 6, 256, MTO) / 0x1000)).to.equal(0x8000 * 7 / 0x1000 + 2);
  });

  it('every IA32 release the model covers (202508 to 202605) is checked by a boot, none left modelled from the source only; a release outside the model is left open naming it (pages and HOB list)', function () {
    requirePrerequisites(this, { files: [trixieIa32()], hint: fetchHint('trixie', 'ovmf-ia32') });
    const sec = decompressMemFvs(readFileSync(trixieIa32()));
    const m = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true });
    const { top } = peiMemoryBounds(m, true);
    // local-edk2-ia32x64.json: boots of 202508 (l2508ia-*), 202511 (l11ia-*), 202602 (l2602ia-*) and 202605 (l2605ia-*).
    expect(IA32_PEI_RELEASES.modelled.filter((r) => !IA32_PEI_RELEASES.checked.includes(r))).to.deep.equal([]);
    expect([...IA32_PEI_RELEASES.checked].sort()).to.deep.equal([202508, 202511, 202602, 202605]);
    expect(smmPeiPages(sec.peiFv, 'IA32', m, 202608, top, 0x8000)).to.have.property('unmodelled').that.matches(/202608/);
    const pages = [{ what: 'CpuMpPei', pages: 14 }, ...mpTailIa32(m, 0x8000, 32, { apLoopOnS3Only: true, exceptionStacks: true, modeTransitionOffset: MTO })];
    expect(peiHobList202511Ia32({ peiFv: sec.peiFv, arch: 'IA32', machine: m, release: 202608, pages, idtLimit: 0xff, peiMemoryTop: top })).to.have.property('unmodelled').that.matches(/edk2-stable202608 \(this model: 202508, 202511, 202602, 202605\)/);
  });

  it('code facts that contradict the release\'s source leave the pages INCOMPLETE (trixie\'s 202502 CpuMpPei named 202511: no AP-loop test, no stacks), never 202502\'s pages under a 202511 name', function () {
    requirePrerequisites(this, { files: [trixieIa32()], hint: fetchHint('trixie', 'ovmf-ia32') });
    const sec = decompressMemFvs(readFileSync(trixieIa32()));
    const m = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true });
    const { top } = peiMemoryBounds(m, true);
    expect(smmPeiPages(sec.peiFv, 'IA32', m, 202511, top, 0x8000)).to.have.property('unmodelled').that.matches(/reads apLoopOnS3Only false, exceptionStacks false/);
    const f202511 = { apLoopOnS3Only: true, exceptionStacks: true, modeTransitionOffset: MTO };
    expect(ia32MpFactsDisagree(202511, 32, f202511)).to.equal(undefined);
    expect(ia32MpFactsDisagree(202605, 256, f202511)).to.equal(undefined);
    expect(ia32MpFactsDisagree(202605, 32, f202511)).to.match(/vectors 32/);
    expect(ia32MpFactsDisagree(202508, 32, { ...f202511, apLoopOnS3Only: false, exceptionStacks: false })).to.equal(undefined);
    expect(ia32MpFactsDisagree(202508, 32, f202511)).to.match(/apLoopOnS3Only true, exceptionStacks true/);
  });
});
