import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { FvError, VarStoreError } from '@tcg2sim/uefi';
import { DecodeError } from '@tcg2sim/binary-codec';
import { VIRT_RAM_BASE, VIRT_TPM_TIS_BASE, virtQemuArguments, virtRamRanges } from '@tcg2sim/qemu-vmm';
import {
  ArmVirtError, armVirtImage, armVirtImageBuffer, armVirtVariables, codeViewPath, isArmVirtImage, profileArmVirt, virtBuildFacts, virtRamTop,
} from '@tcg2sim/platform-armvirt';
import { OVMF_DIR, expectErrorCode, requirePrerequisites } from '@tcg2sim/test-support';
import { AAVMF_CODE, loadVector } from './vectors.ts';

/** Debian 12's AAVMF_CODE.fd as virtBuildFacts reads it (no version string; its build tree). */
const BOOKWORM = { version: '', release: 202211, buildTree: '/build/reproducible-path/edk2-2022.11/Build/ArmVirtQemu-AARCH64/RELEASE_GCC5/AARCH64' };

describe('platform-armvirt: the virt machine (qemu-vmm)', function () {
  it('puts RAM at 1 GiB and the TPM on the platform bus', () => {
    expect(virtRamRanges(1024)).to.deep.equal([[0x4000_0000, 0x8000_0000]]);
    expect(VIRT_RAM_BASE).to.equal(0x4000_0000);
    expect(VIRT_TPM_TIS_BASE).to.equal(0x0c00_0000);
    expect(virtRamTop({ memoryMiB: 4096, cpus: 1 })).to.equal(0x1_4000_0000n);
  });

  it('boots the firmware as two pflash units with tpm-tis-device and no NIC', () => {
    const a = virtQemuArguments({ code: 'C.fd', vars: 'V.fd', memoryMiB: 2048, cpus: 2, swtpmCtrl: 'ctrl', qmp: 'qmp' }).join(' ');
    expect(a).to.contain('-machine virt -cpu cortex-a57 -m 2048 -smp 2');
    expect(a).to.contain('if=pflash,format=raw,unit=0,readonly=on,file=C.fd');
    expect(a).to.contain('if=pflash,format=raw,unit=1,file=V.fd');
    expect(a).to.contain('-device tpm-tis-device,tpmdev=tpm0');
    expect(a).to.contain('-net none');
  });
});

describe('platform-armvirt: the Shell buffer model (calibrated on the vectors)', function () {
  const at = (memoryMiB: number, banks: number): ReturnType<typeof armVirtImageBuffer> =>
    armVirtImageBuffer({ machine: { memoryMiB, cpus: 1 }, build: BOOKWORM, activePcrBanks: banks });

  it('gives the captured addresses for the captured shapes', () => {
    expect(at(1024, 0xf)).to.include({ address: 0x7ead1018n, calibrated: true });
    expect(at(512, 0xf).address).to.equal(0x5ead1018n);
    expect(at(2048, 0xf).address).to.equal(0xbeacf018n);
    expect(at(4096, 0xf).address).to.equal(0x13eacf018n);
    expect(at(1024, 0x2)).to.include({ address: 0x7eae2018n, calibrated: true });
  });

  it('says so when the RAM size, bank set or build was not measured', () => {
    expect(at(1536, 0xf).calibrated).to.equal(false);
    expect(at(1536, 0xf).why).to.match(/1536 MiB/);
    expect(at(1024, 0x3).calibrated).to.equal(false);
    // the same release from another build tree (Ubuntu's), and a build of no known release
    const other = armVirtImageBuffer({ machine: { memoryMiB: 1024, cpus: 1 }, build: { ...BOOKWORM, buildTree: '/build/edk2-x/edk2-2022.11/Build/ArmVirtQemu-AARCH64/RELEASE_GCC5/AARCH64' }, activePcrBanks: 0xf });
    expect(other).to.include({ address: 0x7ead1018n, calibrated: false });
    expect(other.why).to.match(/build tree \/build\/edk2-x/);
    expect(armVirtImageBuffer({ machine: { memoryMiB: 1024, cpus: 1 }, build: { version: '', release: undefined, buildTree: undefined }, activePcrBanks: 0xf }).calibrated).to.equal(false);
  });
});

describe('platform-armvirt: reading the image', function () {
  it('reads a CodeView path (the build tree fact) from hostile bytes without throwing; a path without its NUL within 1024 bytes is none', () => {
    const rec = (sig: string, skip: number, path: string, nul = true): Uint8Array => {
      const head = new Uint8Array(skip);
      head.set(new TextEncoder().encode(sig));
      return Uint8Array.from([...new Uint8Array(8), ...head, ...new TextEncoder().encode(path), ...(nul ? [0] : [])]);
    };
    expect(codeViewPath(rec('NB10', 16, '/b/edk2-2025.02/Build/X/DxeCore.dll'))).to.equal('/b/edk2-2025.02/Build/X/DxeCore.dll');
    expect(codeViewPath(rec('RSDS', 24, 'C:\\b\\DxeCore.pdb'))).to.equal('C:\\b\\DxeCore.pdb');
    expect(codeViewPath(rec('NB10', 16, 'x'.repeat(2000)))).to.equal(undefined);
    expect(codeViewPath(rec('NB10', 16, 'unterminated', false))).to.equal(undefined);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => {
      const p = codeViewPath(Uint8Array.from([...b, 0x4e, 0x42, 0x31, 0x30, ...b]));
      expect(p === undefined || p.length <= 1024).to.equal(true);
    }));
  });

  it('is never an ArmVirtQemu image from arbitrary bytes, and never throws', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 0x1100 }), (b) => {
      const padded = new Uint8Array(0x1100 + b.length);
      padded.set(b, 0x1000);
      padded.set(new TextEncoder().encode('_FVH'), 0x1028);
      expect(isArmVirtImage(b)).to.equal(false);
      expect(isArmVirtImage(padded)).to.equal(false);
    }), { numRuns: 200 });
  });

  it('a variable bank of arbitrary bytes is read, or refused with a typed error, never a crash', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0x48, maxLength: 0x400 }), fc.boolean(), (b, fvh) => {
      const bank = b.slice();
      if (fvh) bank.set(new TextEncoder().encode('_FVH'), 0x28);
      try {
        armVirtVariables(bank, []);
      } catch (e) {
        expect(e instanceof VarStoreError || e instanceof DecodeError, String(e)).to.equal(true);
      }
    }), { numRuns: 300 });
    const notes: string[] = [];
    expect(armVirtVariables(new Uint8Array(0x1000), notes)).to.equal(undefined);
    expect(notes[0]).to.match(/blank/);
  });

  it('a buffer without the layout is a typed error naming the offset', () => {
    const e = expectErrorCode(() => armVirtImage(new Uint8Array(0x4000)), ArmVirtError, 'NOT_ARMVIRT');
    expect(e.message).to.contain('0x1000');
  });

  it("Debian's AAVMF_CODE.fd: an AArch64 SEC at 0x1000, FVMAIN inside, PCR0's blob is FVMAIN_COMPACT as in the image", function () {
    requirePrerequisites(this, { files: [AAVMF_CODE], hint: 'apt-get install -y qemu-efi-aarch64' });
    const code = new Uint8Array(readFileSync(AAVMF_CODE));
    expect(isArmVirtImage(code)).to.equal(true);
    const img = armVirtImage(code);
    expect(img.peiFv.base).to.equal(0x1000n);
    expect(img.peiFv.length).to.equal(0x1ff000n);
    // the facts the Shell and device buffer calibrations are keyed by, read from the image
    expect(virtBuildFacts(img)).to.deep.equal(BOOKWORM);
    // The real boot's EV_EFI_PLATFORM_FIRMWARE_BLOB (event 2 of the capture) hashes these bytes.
    const blob = createHash('sha256').update(img.peiFv.bytes).digest('hex');
    const log = loadVector('m1024c2all').eventLog;
    expect(Buffer.from(log).includes(Buffer.from(blob, 'hex'))).to.equal(true);
    const p = profileArmVirt(code, img);
    expect(p.volumes.map((v) => v.name)).to.deep.equal(['FVMAIN_COMPACT', 'FVMAIN']);
    expect(p.volumes[0]?.digests['sha256']).to.equal(blob);
    expect(p.dxeArch).to.equal('AARCH64');
    expect(p.features['tpm2']?.present).to.equal(true);
    expect(p.modelled.some((m) => m.startsWith('NOT MODELLED'))).to.equal(false);
  });

  it("a truncated AAVMF_CODE.fd is a typed error, and OVMF's images are not ArmVirtQemu", function () {
    requirePrerequisites(this, { files: [AAVMF_CODE, `${OVMF_DIR}/OVMF_CODE_4M.fd`] });
    const code = new Uint8Array(readFileSync(AAVMF_CODE));
    expect(() => armVirtImage(code.subarray(0, 0x100000))).to.throw(FvError);
    expect(isArmVirtImage(new Uint8Array(readFileSync(`${OVMF_DIR}/OVMF_CODE_4M.fd`)))).to.equal(false);
  });
});
