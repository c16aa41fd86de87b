import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ovmfImage, requirePrerequisites } from '@tcg2sim/test-support';
import {
  DEBIAN_2022_11_BUILD, MachineDescription, buildFactsFromPeiFv, decompressMemFvs, peiFvAtMeasurement,
} from '@tcg2sim/platform-ovmf';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('SEC and the measured PEIFV (Debian OVMF_CODE_4M.fd)', function () {
  this.timeout(60000);
  let image: Uint8Array;
  before(function () {
    requirePrerequisites(this, { files: ['/usr/share/OVMF/OVMF_CODE_4M.fd'] });
    image = readFileSync(ovmfImage('OVMF_CODE_4M.fd') ?? '');
  });

  // Digests from docs/edk2-pei.md §6.3: pristine PEIFV/DXEFV of 2022.11-6+deb12u2, and the PEIFV
  // digest measured by a real boot (QEMU 7.2 q35, 1 GiB, 1 vCPU, TCG), verified in guest RAM.
  it('decompresses FVMAIN_COMPACT into PEIFV at 0x820000 and DXEFV at 0x900000', () => {
    const sec = decompressMemFvs(image);
    expect(sec.peiFv.base).to.equal(0x820000n);
    expect(sec.peiFv.length).to.equal(0xe0000n);
    expect(sec.dxeFv.base).to.equal(0x900000n);
    expect(sec.dxeFv.length).to.equal(0xc00000n);
    expect(sha256(sec.peiFv.bytes)).to.equal('471281a7d197d12ac61a810e5150b9b5ddc47be78ef0c24af7a8192c81b3a808');
    expect(sha256(sec.dxeFv.bytes)).to.equal('82a0445201cb49945461acc6ed78426700fb7e92819862edc55ba3ad4559b135');
  });

  it('reproduces the PEIFV bytes PlatformPei leaves for q35, 1 GiB, 1 vCPU', () => {
    const sec = decompressMemFvs(image);
    const build = buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD);
    expect(build.smmSmramRequire).to.equal(false);
    const m = peiFvAtMeasurement(sec.peiFv, MachineDescription.parse({ machine: 'q35', memoryMiB: 1024, cpus: 1 }), build);
    expect(m.globals?.peOffsetInFv).to.equal(0x8a40);
    expect((m.globals?.peOffsetInFv ?? 0) + (m.globals?.platformInfoOffset ?? 0)).to.equal(0xe0c0);
    expect(sha256(m.bytes)).to.equal('4c251b0c52a393c134c2ddf7c9afb08878cf9dc95f9ff6827cad7ed4394dd209');
  });

  it('finds the globals by code analysis in the X64-PEI 2 MB image too', function () {
    const p = ovmfImage('OVMF_CODE.fd');
    if (p === undefined) this.skip();
    const sec = decompressMemFvs(readFileSync(p));
    const m = peiFvAtMeasurement(sec.peiFv, MachineDescription.parse({ machine: 'pc' }), DEBIAN_2022_11_BUILD);
    expect(m.globals).to.not.equal(undefined);
    // X64 PlatformPei .data starts at image+0x5E00 (0x82EDC0); mPlatformInfoHob is at 0x82EFC0.
    expect(m.globals?.platformInfoOffset).to.equal(0x6000);
    expect(m.globals?.fwCfgSupportedOffset).to.equal(0x608a);
  });

  it('says SMM_REQUIRE from the image: the secboot build has SmmAccessPei', function () {
    const p = ovmfImage('OVMF_CODE_4M.secboot.fd');
    if (p === undefined) this.skip();
    const sec = decompressMemFvs(readFileSync(p));
    expect(buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD).smmSmramRequire).to.equal(true);
  });
});
