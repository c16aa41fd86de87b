import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, skipOptional, FIRMWARE_CACHE } from '@tcg2sim/test-support';
import { MachineDescription, decompressMemFvs, peiHobImageFacts, peiHobList, peiMemoryBounds, smmPeiPages } from '@tcg2sim/platform-ovmf';
import { expectHobListAsReal, readHobList } from './pei-hob-vectors.ts';

// Truth: PEI's HOB lists of real boots (QEMU 7.2 + KVM, q35,smm=on, 512 MiB, 1 CPU, qemu64),
// read from guest RAM after boot up to SmmRelocationLib's IDT pool
// (test/vectors/smm-relocation/pei-hobs-*.txt), and the IDT bases of every boot in boots.json.
interface Image { readonly file: string; readonly source: string; readonly ia32Dxe?: boolean }
interface Boot { readonly id: string; readonly image: string; readonly memoryMiB: number; readonly cpus: number; readonly observed: { readonly gcSmmInitIdtrBase: string } }
const vectorDir = new URL('../../test/vectors/smm-relocation/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('boots.json', vectorDir), 'utf8')) as { images: Record<string, Image>; boots: Boot[] };
const BUILDS = {
  'trixie-x64': { arch: 'X64', release: 202502, list: 'tx' },
  'trixie-ia32': { arch: 'IA32', release: 202502, list: 'ia' },
  'ubuntu-2024.05-x64': { arch: 'X64', release: 202405, list: 'ub' },
} as const;
type BuildId = keyof typeof BUILDS;


const secs = new Map<string, ReturnType<typeof decompressMemFvs>>();
function firmware(ctx: Mocha.Context, image: BuildId): ReturnType<typeof decompressMemFvs> {
  const img = vectors.images[image];
  if (img === undefined) throw new Error(`boots.json: no image ${image}`);
  const code = join(FIRMWARE_CACHE, img.file);
  if (img.source.startsWith('Debian')) requirePrerequisites(ctx, { files: [code], hint: img.source });
  else if (!existsSync(code)) skipOptional(ctx, `firmware ${code} absent (${img.source}; never committed)`);
  const hit = secs.get(code) ?? decompressMemFvs(readFileSync(code));
  secs.set(code, hit);
  return hit;
}

function model(ctx: Mocha.Context, image: BuildId, m: MachineDescription, release: number = BUILDS[image].release): ReturnType<typeof peiHobList> {
  const { arch } = BUILDS[image];
  const sec = firmware(ctx, image);
  const pages = smmPeiPages(sec.peiFv, arch, m, release, peiMemoryBounds(m, vectors.images[image]?.ia32Dxe !== true).top, 0x8000);
  if (!('allocations' in pages)) throw new Error(pages.unmodelled);
  return peiHobList({ peiFv: sec.peiFv, arch, machine: m, release, pages: pages.allocations, idtLimit: arch === 'X64' ? 0x1ff : 0xff });
}

/** The model's HOB with the fields the real list has, where the model knows them. */
describe('PEI HOB list up to SmmRelocationLib\'s IDT pool (pei-hob-list.ts) against real boots', function () {
  this.timeout(60_000);
  const m512 = MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true });

  for (const image of Object.keys(BUILDS) as BuildId[]) {
    it(`${image}: the model's list = pei-hobs-${BUILDS[image].list}-512-1.txt HOB for HOB (type, length, GUID, resources, page allocations, offset)`, function () {
      const r = model(this, image, m512);
      if (!('hobs' in r)) throw new Error(r.unmodelled);
      const real = readHobList(`${BUILDS[image].list}-512-1`);
      expectHobListAsReal(r.hobs, real);
    });
  }

  for (const b of vectors.boots.filter((x) => x.image in BUILDS)) {
    it(`${b.id}: the IDT base the list implies = gcSmmInitIdtr.Base read from guest RAM (${b.memoryMiB} MiB, ${b.cpus} CPU(s))`, function () {
      const image = b.image as BuildId;
      const m = MachineDescription.parse({ machine: 'q35', memoryMiB: b.memoryMiB, cpus: b.cpus, smm: true });
      const r = model(this, image, m);
      if (!('hobs' in r)) throw new Error(r.unmodelled);
      const w = BUILDS[image].arch === 'X64' ? 8 : 4;
      const base = peiMemoryBounds(m, vectors.images[image]?.ia32Dxe !== true).base;
      expect(`0x${(base + r.idtPoolAboveBase + w).toString(16)}`).to.equal(b.observed.gcSmmInitIdtrBase);
    });
  }

  it('the VM: RAM above 4 GiB adds its resource HOB, each CPU 0x38 bytes, no S3 drops its reservations, an Intel vCPU the HyperTransport hole', function () {
    const at = (m: MachineDescription): number => {
      const r = model(this, 'trixie-x64', m);
      if (!('hobs' in r)) throw new Error(r.unmodelled);
      return r.idtPoolAboveBase;
    };
    const one = at(m512);
    expect(at(MachineDescription.parse({ machine: 'q35', memoryMiB: 5120, cpus: 1, smm: true })) - one).to.equal(0x30);
    expect(at(MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 3, smm: true })) - one).to.equal(2 * 0x38);
    expect(at(MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true, s3: false })) - one).to.equal(-5 * 0x30);
    expect(at(MachineDescription.parse({ machine: 'q35', memoryMiB: 512, cpus: 1, smm: true, cpu: { vendor: 'GenuineIntel', physBits: 40, page1g: false } })) - one).to.equal(-0x30);
  });

  it('PEI memory\'s bottom: PlatformPei\'s address width, not CPUID\'s, sizes GetPeiMemoryCap\'s page tables (an Intel vCPU reporting 40 bits gets 36: real boot tx-2048-1-kvm64)', () => {
    const amd = MachineDescription.parse({ machine: 'q35', memoryMiB: 2048, cpus: 1, smm: true });
    const intel = MachineDescription.parse({ machine: 'q35', memoryMiB: 2048, cpus: 1, smm: true, cpu: { vendor: 'GenuineIntel', physBits: 40, page1g: false } });
    const cap = (levels2: number, levels3: number): number => (1 + 1 + levels3 + levels2) * 4096 + 0x8000 + 64 * 1024 * 1024;
    expect(peiMemoryBounds(amd).top - peiMemoryBounds(amd).base).to.equal(cap(1024, 2));
    expect(peiMemoryBounds(intel).top - peiMemoryBounds(intel).base).to.equal(cap(64, 1));
  });

  it('image facts: PEIM count, delayed dispatch (PeiCore 202502), PcdPeim\'s database; what is not known is left open', function () {
    const tx = firmware(this, 'trixie-x64');
    const f = peiHobImageFacts(tx.peiFv.volume);
    const { dispatchOrder, ...rest } = f;
    expect(rest).to.deep.equal({ dispatchFileCount: 17, delayedDispatch: true, pcdDatabase: { length: 320, uninitDataBaseSize: 120, localTokenCount: 30 }, reportStatusCodeRouter: true, memoryStatusCode: true });
    expect(dispatchOrder.slice(0, 3)).to.deep.equal(['9B3ADA4F-AE56-4C24-8DEA-F03B7558AE50', 'A3610442-E69F-4DF3-82CA-2360C4031A23', '9D225237-FA01-464C-A949-BAABC02D31D0']);
    expect(model(this, 'trixie-x64', m512, 202505)).to.have.property('unmodelled').that.matches(/edk2-stable202505/);
    // Hostile: PcdPeim's database section damaged (a Length beyond its section), or PcdPeim gone.
    const pcd = '9B3ADA4F-AE56-4C24-8DEA-F03B7558AE50';
    const damaged = tx.peiFv.volume.files.map((file) => (file.guid.toUpperCase() !== pcd ? file : {
      ...file,
      sections: file.sections?.map((s) => {
        if (s.type !== 0x19) return s;
        const body = s.body.slice();
        new DataView(body.buffer).setUint32(20, 0xfffffff0, true);
        return { ...s, body };
      }),
    }));
    expect(peiHobImageFacts({ ...tx.peiFv.volume, files: damaged }).pcdDatabase).to.match(/claims 4294967280 bytes/);
    expect(peiHobImageFacts({ ...tx.peiFv.volume, files: tx.peiFv.volume.files.filter((x) => x.guid.toUpperCase() !== pcd) }).pcdDatabase).to.equal('no PcdPeim in PEIFV');
    const pages = smmPeiPages(tx.peiFv, 'X64', m512, 202502, peiMemoryBounds(m512).top, 0x8000);
    if (!('allocations' in pages)) throw new Error(pages.unmodelled);
    const noPcd = peiHobList({ peiFv: { ...tx.peiFv, volume: { ...tx.peiFv.volume, files: damaged } }, arch: 'X64', machine: m512, release: 202502, pages: pages.allocations, idtLimit: 0x1ff });
    expect(noPcd).to.have.property('unmodelled').that.matches(/PcdPeim's database HOB/);
    const input = { peiFv: tx.peiFv, arch: 'X64', machine: m512, release: 202502, pages: pages.allocations, idtLimit: 0x1ff } as const;
    expect(peiHobList({ ...input, release: 202402 })).to.have.property('unmodelled').that.matches(/edk2-stable202402/);
    expect(peiHobList({ ...input, machine: MachineDescription.parse({ machine: 'pc', smm: true }) })).to.have.property('unmodelled').that.matches(/machine pc/);
    expect(peiHobList({ ...input, pages: pages.allocations.slice(0, -1) })).to.have.property('unmodelled').that.matches(/SMM init stack/);
    // No apriori file and PcdPeim last in the volume: it would run after the status code PEIMs: left open.
    const isPcd = (file: { guid: string }): boolean => file.guid.toUpperCase() === pcd;
    const noApriori = [...tx.peiFv.volume.files.filter((file) => file.guid.toUpperCase() !== '1B45CC0A-156A-428A-AF62-49864DA0E6E6' && !isPcd(file)), ...tx.peiFv.volume.files.filter(isPcd)];
    expect(peiHobList({ ...input, peiFv: { ...tx.peiFv, volume: { ...tx.peiFv.volume, files: noApriori } } })).to.have.property('unmodelled').that.matches(/dispatch order/);
  });
});
