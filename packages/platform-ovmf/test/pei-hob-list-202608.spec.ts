import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, FIRMWARE_CACHE } from '@tcg2sim/test-support';
import {
  DEBIAN_2022_11_BUILD, FW_CFG_INFO_HOB_GUID, MachineDescription, buildFactsFromPeiFv, decompressMemFvs, fwCfgCacheHobs, peiCoreHasMemoryBins, peiFvAtMeasurement, peiHobFacts202608, peiHobList202608, peiMemoryBounds, qemu72FwCfgFiles, smmPeiPages,
} from '@tcg2sim/platform-ovmf';
import { expectHobListAsReal, readHobList } from './pei-hob-vectors.ts';

// Truth: PEI's HOB lists of real boots of Debian sid's 2026.08 (edk2-stable202608) secboot and
// strictnx images (QEMU 7.2 + KVM, q35,smm=on, qemu64), read from guest RAM after boot up to
// SmmRelocationLib's IDT pool (test/vectors/smm-relocation/pei-hobs-{sid-*,nx-512-3}.txt), and
// gcSmmInitIdtr.Base read from guest RAM of every sid boot (boots.json `observed`).
interface Image { readonly file: string; readonly source: string }
interface Boot { readonly id: string; readonly image: string; readonly memoryMiB: number; readonly cpus: number; readonly maxCpus?: number; readonly observed: { readonly gcSmmInitIdtrBase: string } }
const vectorDir = new URL('../../test/vectors/smm-relocation/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('boots.json', vectorDir), 'utf8')) as { images: Record<string, Image>; boots: Boot[] };
const SID = new Set(['sid-x64', 'sid-x64-strictnx']);
const LISTS = ['sid-512-1', 'sid-2048-4', 'sid-5120-1', 'sid-1024-2of4', 'nx-512-3'];


const secs = new Map<string, ReturnType<typeof decompressMemFvs>>();
function firmware(ctx: Mocha.Context, image: string): ReturnType<typeof decompressMemFvs> {
  const img = vectors.images[image];
  if (img === undefined) throw new Error(`boots.json: no image ${image}`);
  const code = join(FIRMWARE_CACHE, img.file);
  requirePrerequisites(ctx, { files: [code], hint: img.source });
  const hit = secs.get(code) ?? decompressMemFvs(readFileSync(code));
  secs.set(code, hit);
  return hit;
}

const machineOf = (b: Pick<Boot, 'memoryMiB' | 'cpus' | 'maxCpus'>): MachineDescription =>
  MachineDescription.parse({ machine: 'q35', memoryMiB: b.memoryMiB, cpus: b.cpus, ...(b.maxCpus === undefined ? {} : { maxCpus: b.maxCpus }), smm: true });

function model(ctx: Mocha.Context, image: string, m: MachineDescription, more: { fwCfgFiles?: Parameters<typeof fwCfgCacheHobs>[1] } = {}): ReturnType<typeof peiHobList202608> {
  const sec = firmware(ctx, image);
  const top = peiMemoryBounds(m).top;
  const pages = smmPeiPages(sec.peiFv, 'X64', m, 202608, top, 0x8000, 0x312);
  if (!('allocations' in pages)) throw new Error(pages.unmodelled);
  return peiHobList202608({ peiFv: sec.peiFv, arch: 'X64', machine: m, release: 202608, pages: pages.allocations, idtLimit: 0xfff, peiMemoryTop: top, ...more });
}

describe('PEI HOB list of edk2-stable202608 up to SmmRelocationLib\'s IDT pool (pei-hob-list-202608.ts) against real sid boots', function () {
  this.timeout(60_000);

  for (const id of LISTS) {
    it(`${id}: the model's list = pei-hobs-${id}.txt HOB for HOB (type, length, GUID, resources, page allocations, offset)`, function () {
      const b = vectors.boots.find((x) => x.id === id);
      if (b === undefined) throw new Error(`boots.json: no ${id}`);
      const r = model(this, b.image, machineOf(b));
      if (!('hobs' in r)) throw new Error(r.unmodelled);
      const real = readHobList(id);
      expectHobListAsReal(r.hobs, real);
    });
  }

  for (const b of vectors.boots.filter((x) => SID.has(x.image))) {
    it(`${b.id}: the IDT base the list implies = gcSmmInitIdtr.Base read from guest RAM (${b.memoryMiB} MiB, ${b.cpus}${b.maxCpus === undefined ? '' : ` of ${b.maxCpus}`} CPU(s))`, function () {
      const m = machineOf(b);
      const r = model(this, b.image, m);
      if (!('hobs' in r)) throw new Error(r.unmodelled);
      expect(`0x${(peiMemoryBounds(m).base + r.idtPoolAboveBase + 8).toString(16)}`).to.equal(b.observed.gcSmmInitIdtrBase);
    });
  }

  it('image facts read from code: delayed-dispatch HOB, PlatformInfo size, fw_cfg cache list, IDT vectors, MEMFD reservations (and trixie\'s 202502 values by the same readers)', function () {
    const sid = firmware(this, 'sid-x64');
    const g = peiHobFacts202608(sid.peiFv.volume, Number(sid.peiFv.base));
    expect(g.delayedDispatchHobLength).to.equal(0x180);
    expect(g.platformInfoSize).to.equal(162);
    expect(g.rscNestStatus).to.equal(true);
    expect(peiCoreHasMemoryBins(sid.peiFv.volume), 'sid PeiCore: memory bins').to.equal(true);
    expect(peiCoreHasMemoryBins(firmware(this, 'trixie-x64').peiFv.volume), 'trixie PeiCore: none').to.equal(false);
    expect(g.exceptionVectors).to.equal(256);
    expect(g.igvmParams).to.deep.equal({ base: 0x812000, size: 0x1000 });
    expect(g.earlyDebugLog).to.deep.equal({ base: 0x820000, size: 0x10000 });
    expect(typeof g.fwCfgCache === 'string' ? g.fwCfgCache : g.fwCfgCache.map((e) => e.name)).to.deep.equal([
      'QemuFwCfgSignature', 'QemuFwCfgInterfaceVersion', 'QemuFwCfgFileDri', 'etc/e820', 'etc/system-states', 'etc/extra-pci-roots', 'BootMenu',
      'etc/boot-menu-wait', 'etc/reserved-memory-end', 'opt/ovmf/X-PciMmio64Mb', 'bootorder',
    ]);
    // Trixie's 2025.02: the same readers give pei-hob-list.ts's 202502 sizes (0x2B4 rounded up; 32 vectors) and no 202608 features.
    const tx = firmware(this, 'trixie-x64');
    const t = peiHobFacts202608(tx.peiFv.volume, Number(tx.peiFv.base));
    expect([t.delayedDispatchHobLength, t.exceptionVectors, t.rscNestStatus, t.igvmParams, t.earlyDebugLog]).to.deep.equal([0x2b8, 32, false, undefined, undefined]);
    expect(t.fwCfgCache).to.match(/no QemuFwCfgLib cache list/);
  });

  it('the VM: fw_cfg items QEMU offers decide the cache HOBs (16 files, e820 per entry, bootorder, boot-menu-wait); RAM above 4 GiB, CPUs', function () {
    const m = machineOf({ memoryMiB: 512, cpus: 1 });
    const files = qemu72FwCfgFiles(m);
    expect(files.length).to.equal(16);
    expect(qemu72FwCfgFiles(MachineDescription.parse({ machine: 'pc' })).length).to.equal(13);
    const at = (mm: MachineDescription, fw?: Parameters<typeof fwCfgCacheHobs>[1]): number => {
      const r = model(this, 'sid-x64', mm, fw === undefined ? {} : { fwCfgFiles: fw });
      if (!('hobs' in r)) throw new Error(r.unmodelled);
      return r.idtPoolAboveBase;
    };
    const one = at(m);
    expect(one).to.equal(0x29ad0);
    // 5120 MiB: the RAM-above-4-GiB resource HOB and a third e820 entry (20 bytes: 0x30 → 0x48 of cache data).
    expect(at(machineOf({ memoryMiB: 5120, cpus: 1 })) - one).to.equal(0x30 + 0x18);
    expect(at(machineOf({ memoryMiB: 512, cpus: 3 })) - one).to.equal(2 * 0x38);
    // bootindex (a 30-byte bootorder) and -boot menu=on (etc/boot-menu-wait): one cache HOB each.
    const more = [...files.filter((f) => f.name !== 'bootorder'), { name: 'bootorder', size: 30 }, { name: 'etc/boot-menu-wait', size: 2 }];
    expect(at(m, more) - one).to.equal(24 + 40 + 24 + 8 + 64);
    // A cached file whose size is not known is left open, not guessed.
    expect(model(this, 'sid-x64', m, { fwCfgFiles: [...files.filter((f) => f.name !== 'etc/e820'), { name: 'etc/e820', size: undefined }] })).to.have.property('unmodelled').that.matches(/etc\/e820/);
    expect(fwCfgCacheHobs([{ name: 'etc/extra-pci-roots', needMeasure: true, item: 0xffff, size: 8 }], [{ name: 'etc/extra-pci-roots', size: 4 }])).to.deep.equal([]);
    const hobs = fwCfgCacheHobs([{ name: 'BootMenu', needMeasure: true, item: 0x0e, size: 2 }], []);
    expect(typeof hobs === 'string' ? hobs : hobs.map((h) => [h.guid, h.length])).to.deep.equal([[FW_CFG_INFO_HOB_GUID, 0x20]]);
  });

  it('PEIFV at measurement: a non-empty bootorder (bootindex) moves the IDT by its cache HOB; the capture VM\'s directory by default', function () {
    const sid = firmware(this, 'sid-x64');
    const b = vectors.boots.find((x) => x.id === 'sid-512-1');
    if (b === undefined) throw new Error('boots.json: no sid-512-1');
    const m = machineOf(b);
    const build = { ...buildFactsFromPeiFv(sid.peiFv.volume, DEBIAN_2022_11_BUILD), ia32Dxe: false };
    const idt = (files?: Parameters<typeof fwCfgCacheHobs>[1]): bigint | undefined =>
      peiFvAtMeasurement(sid.peiFv, m, build, undefined, undefined, files).smmRelocation?.find((w) => w.name === 'gcSmmInitIdtr.Base')?.value;
    expect(idt()).to.equal(BigInt(b.observed.gcSmmInitIdtrBase));
    const bootOrder = qemu72FwCfgFiles(m).map((f) => (f.name === 'bootorder' ? { name: f.name, size: 30 } : f));
    expect(idt(bootOrder)).to.equal(BigInt(b.observed.gcSmmInitIdtrBase) + 24n + 40n);
  });

  it('left open: another release (202502, 202611), IA32, machine pc, other page allocations; hostile images (no cache list, CpuMpPei junk)', function () {
    const sid = firmware(this, 'sid-x64');
    const m = machineOf({ memoryMiB: 512, cpus: 1 });
    const top = peiMemoryBounds(m).top;
    const pages = smmPeiPages(sid.peiFv, 'X64', m, 202608, top, 0x8000, 0x312);
    if (!('allocations' in pages)) throw new Error(pages.unmodelled);
    const input = { peiFv: sid.peiFv, arch: 'X64', machine: m, release: 202608, pages: pages.allocations, idtLimit: 0xfff, peiMemoryTop: top } as const;
    for (const release of [202502, 202611]) expect(peiHobList202608({ ...input, release })).to.have.property('unmodelled').that.matches(new RegExp(`edk2-stable${release}`));
    expect(peiHobList202608({ ...input, arch: 'IA32' })).to.have.property('unmodelled').that.matches(/IA32/);
    expect(peiHobList202608({ ...input, machine: MachineDescription.parse({ machine: 'pc', smm: true }) })).to.have.property('unmodelled').that.matches(/machine pc/);
    expect(peiHobList202608({ ...input, pages: pages.allocations.slice(1) })).to.have.property('unmodelled').that.matches(/page allocations/);
    const patch = (guid: string, f: (b: Uint8Array) => Uint8Array): typeof sid.peiFv => ({
      ...sid.peiFv,
      volume: { ...sid.peiFv.volume, files: sid.peiFv.volume.files.map((file) => (file.guid.toUpperCase() !== guid ? file : { ...file, sections: file.sections?.map((s) => (s.type === 0x10 ? { ...s, body: f(s.body) } : s)) })) },
    });
    const noName = patch('222C386D-5ABC-4FB4-B124-FBB82488ACF4', (b) => {
      const c = b.slice();
      const at = Buffer.from(c).indexOf('QemuFwCfgSignature');
      c[at] = 0x71;
      return c;
    });
    expect(peiHobList202608({ ...input, peiFv: noName })).to.have.property('unmodelled').that.matches(/mCacheFwCfgList/);
    const junk = patch('EDADEB9D-DDBA-48BD-9D22-C1C169C8C5C6', () => new Uint8Array(0x400).map((_, i) => (i * 37 + 1) & 0xff));
    expect(peiHobList202608({ ...input, peiFv: junk })).to.have.property('unmodelled').that.matches(/exception vectors/);
    expect(peiHobFacts202608({ ...sid.peiFv.volume, files: [] }, 0x830000).platformInfoSize).to.equal('no PlatformPei image');
  });
});
