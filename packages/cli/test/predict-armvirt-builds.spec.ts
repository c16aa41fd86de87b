/**
 * The device buffer addresses on builds the calibration was not fitted on (docs/armvirt.md §13):
 * the calibration is keyed by what platform-armvirt's virtBuildFacts reads from the image (version
 * string, DxeCore's build tree), never by a digest of it, and these real boots check that key:
 *
 * - Debian 13's AAVMF_CODE.secboot.strictnx.fd has the facts of the measured secboot build (its
 *   modules differ only in GNU build IDs): predicted exactly, byte for byte, the note naming the
 *   measured build.
 * - sid's AAVMF_CODE.secboot.strictnx.fd: the same version from another build tree; its loader is
 *   3 pages from the secboot build's: the prediction calls the address an estimate.
 * - Ubuntu 25.04's AAVMF_CODE.secboot.fd (2025.02, another tree and compiler): the ROM image 32 KiB
 *   and the loader 640 KiB from Debian's: estimates.
 *
 * Every event's digests and the rest of its data and PCRs 0-7 of every bank are exact in all four.
 * And Ubuntu's own AAVMF_CODE.fd (24.04's 2024.02, 25.04's 2025.02: TPM2_ENABLE, a Shell, no Secure
 * Boot), no build of which anything was fitted on: SecurityStubDxe links no DxeTpm2MeasureBootLib,
 * so the Shell starts unmeasured; predicted byte for byte.
 */
import { expect } from 'chai';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { toHex } from '@tcg2sim/binary-codec';
import { armVirtImage, sameBuild, virtBuildFacts } from '@tcg2sim/platform-armvirt';
import { AARCH64_PARK, MACHINE_AARCH64, buildEfiApplication, buildEspDisk, requirePrerequisites, tempDir, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';
import { requireUbuntu } from './ubuntu-aavmf.ts';

const VECTORS = fileURLToPath(new URL('../../../platform-armvirt/test/vectors/', import.meta.url));
const aavmf = (dist: string, suite: string, file: string): string => join(CACHE, `${dist}-${suite}/qemu-efi-aarch64/usr/share/AAVMF/${file}`);
const VARS = (dist: string, suite: string): string => aavmf(dist, suite, 'AAVMF_VARS.fd');


interface Shape {
  readonly dir: string;
  readonly vector: string;
  readonly code: string;
  readonly vars: string;
  readonly hint: string;
  /** Exact (the facts of a measured build), or the largest distance of the estimate from the real address. */
  readonly expect: 'exact' | bigint;
}

const SHAPES: readonly Shape[] = [
  { dir: 'debian-13-2025.02', vector: 'devices-disk-strictnx', code: aavmf('debian', 'trixie', 'AAVMF_CODE.secboot.strictnx.fd'), vars: VARS('debian', 'trixie'), hint: 'run scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64', expect: 'exact' },
  { dir: 'debian-sid-2026.08', vector: 'devices-disk-strictnx', code: aavmf('debian', 'sid', 'AAVMF_CODE.secboot.strictnx.fd'), vars: VARS('debian', 'sid'), hint: 'run scripts/fetch-debian-firmware.sh sid qemu-efi-aarch64', expect: 0x3000n },
  { dir: 'ubuntu-25.04-2025.02', vector: 'devices-disk', code: aavmf('ubuntu', 'plucky', 'AAVMF_CODE.secboot.fd'), vars: VARS('ubuntu', 'plucky'), hint: 'run scripts/fetch-ubuntu-firmware.sh plucky qemu-efi-aarch64', expect: 0xa0000n },
  { dir: 'ubuntu-25.04-2025.02', vector: 'devices-nic', code: aavmf('ubuntu', 'plucky', 'AAVMF_CODE.secboot.fd'), vars: VARS('ubuntu', 'plucky'), hint: 'run scripts/fetch-ubuntu-firmware.sh plucky qemu-efi-aarch64', expect: 0x8000n },
];

/** ImageLocationInMemory of the PCR2/PCR4 image events, and every event with it cut out. */
function split(log: Uint8Array): { addresses: bigint[]; rest: string[] } {
  const addresses: bigint[] = [];
  const rest = decodeEventLog(log).events.map((e) => {
    const image = e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION || e.eventType === EV.EFI_BOOT_SERVICES_DRIVER;
    if (image) addresses.push(new DataView(e.eventData.buffer, e.eventData.byteOffset, 8).getBigUint64(0, true));
    return `PCR${e.pcrIndex} 0x${e.eventType.toString(16)} ${e.digests.map((d) => toHex(d.digest)).join(',')} ${toHex(image ? e.eventData.subarray(8) : e.eventData)}`;
  });
  return { addresses, rest };
}

describe('cli: ArmVirt buffer addresses on builds the calibration was not fitted on (strictnx, Ubuntu) against real boots @integration', function () {
  this.timeout(240_000);
  const tmp = tempDir('tcg2sim-armvirt-builds-');
  after(() => tmp.remove());
  const disk = join(tmp.path, 'aa64-disk.img');
  before(() => writeFileSync(disk, buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTAA64.EFI', data: buildEfiApplication(AARCH64_PARK, 0x10000000n, MACHINE_AARCH64) }] })));

  it("the build facts: Debian 13's strictnx build has its secboot build's, sid's strictnx build another build tree", function () {
    const files = ['trixie', 'sid'].flatMap((s) => [aavmf('debian', s, 'AAVMF_CODE.secboot.fd'), aavmf('debian', s, 'AAVMF_CODE.secboot.strictnx.fd')]);
    requirePrerequisites(this, { files, hint: 'run scripts/fetch-debian-firmware.sh trixie|sid qemu-efi-aarch64' });
    const facts = files.map((f) => virtBuildFacts(armVirtImage(new Uint8Array(readFileSync(f)))));
    const [trixie, trixieNx, sid, sidNx] = facts;
    if (trixie === undefined || trixieNx === undefined || sid === undefined || sidNx === undefined) throw new Error('facts');
    expect(trixie).to.deep.equal({ version: '2025.02-8+deb13u1', release: 202502, buildTree: '/build/reproducible-path/edk2-2025.02/Build/ArmVirtQemu-AARCH64/RELEASE_GCC5/AARCH64' });
    expect(sameBuild(trixie, trixieNx)).to.equal(true);
    expect(sameBuild(sid, sidNx)).to.equal(false);
    expect(sidNx.version).to.equal(sid.version);
  });

  for (const [dir, suite] of [['ubuntu-24.04-2024.02', 'noble'], ['ubuntu-25.04-2025.02', 'plucky']] as const) {
    it(`${dir} AAVMF_CODE.fd to the Shell: no measure-boot handler, the Shell unmeasured: byte for byte, PCRs 0-7 of every bank`, async function () {
      const code = aavmf('ubuntu', suite, 'AAVMF_CODE.fd');
      requireUbuntu(this, suite);
      requirePrerequisites(this, { files: [code, VARS('ubuntu', suite)], hint: `run scripts/fetch-ubuntu-firmware.sh ${suite} qemu-efi-aarch64` });
      const json = JSON.parse(readFileSync(join(VECTORS, dir, 'shell-pcrs.json'), 'utf8')) as { userCommandLine: string; pcrs: Record<string, Record<string, string>> };
      const vars = join(tmp.path, `${dir}-shell-vars.fd`);
      copyFileSync(VARS('ubuntu', suite), vars);
      const out = join(tmp.path, `${dir}-shell.bin`);
      const r = await runCli('predict', '--qemu-cmdline', json.userCommandLine.replace('file=CODE', `file=${code}`).replace('file=VARS', `file=${vars}`), '--json', '--log-out', out);
      expect(r.status, r.err).to.equal(0);
      const j = JSON.parse(r.out) as { complete: boolean; pcrs: Record<string, Record<string, string>>; notes: string[] };
      expect(j.complete).to.equal(true);
      expect(j.notes.join('\n')).to.match(/LoadImage\(EFI Internal Shell\) -> EFI_SUCCESS \(no measure-boot handler/);
      expect(toHex(readFileSync(out))).to.equal(toHex(readFileSync(join(VECTORS, dir, 'shell-eventlog.bin'))));
      for (const bank of Object.keys(json.pcrs)) for (let i = 0; i < 8; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(json.pcrs[bank]?.[String(i)]);
    });
  }

  for (const s of SHAPES) {
    it(`${s.dir} ${s.vector}: ${s.expect === 'exact' ? 'exact, byte for byte' : `the address an estimate within 0x${s.expect.toString(16)} of the real one`}; every event and PCRs 0-7 exact`, async function () {
      if (s.dir.startsWith('ubuntu-')) requireUbuntu(this, 'plucky');
      requirePrerequisites(this, { files: [s.code, s.vars], hint: s.hint });
      const json = JSON.parse(readFileSync(join(VECTORS, s.dir, `${s.vector}-pcrs.json`), 'utf8')) as { userCommandLine: string; pcrs: Record<string, Record<string, string>> };
      const real = new Uint8Array(readFileSync(join(VECTORS, s.dir, `${s.vector}-eventlog.bin`)));
      const vars = join(tmp.path, `${s.dir}-${s.vector}-vars.fd`);
      copyFileSync(s.vars, vars);
      const line = json.userCommandLine.replace('file=CODE', `file=${s.code}`).replace('file=VARS', `file=${vars}`).replaceAll('file=DISK', `file=${disk}`);
      const out = join(tmp.path, `${s.dir}-${s.vector}.bin`);
      const r = await runCli('predict', '--qemu-cmdline', line, '--json', '--log-out', out);
      expect(r.status, r.err).to.equal(0);
      const j = JSON.parse(r.out) as { complete: boolean; pcrs: Record<string, Record<string, string>>; notes: string[] };
      expect(j.complete).to.equal(true);
      for (const bank of Object.keys(json.pcrs)) for (let i = 0; i < 8; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(json.pcrs[bank]?.[String(i)]);
      const predicted = new Uint8Array(readFileSync(out));
      const p = split(predicted);
      const q = split(real);
      expect(p.rest).to.deep.equal(q.rest);
      const notes = j.notes.filter((n) => /^(rom|loader) buffer address/.test(n)).join('\n');
      if (s.expect === 'exact') {
        expect(toHex(predicted)).to.equal(toHex(real));
        expect(notes).to.match(/measured on a real boot of Debian 13's AAVMF 2025.02/);
        expect(notes).to.not.match(/estimate/);
        return;
      }
      expect(notes).to.match(/another build \(.*\): .*ImageLocationInMemory is an estimate/);
      for (const [i, a] of p.addresses.entries()) {
        const b = q.addresses[i] ?? 0n;
        expect(Number(a > b ? a - b : b - a), `image ${i}: 0x${a.toString(16)} vs 0x${b.toString(16)}`).to.be.at.most(Number(s.expect));
      }
      expect(p.addresses).to.not.deep.equal(q.addresses);
    });
  }
});
