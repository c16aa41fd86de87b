/**
 * predict, profile and capture choose the ArmVirtQemu platform from the image: Debian 12's
 * AAVMF_CODE.fd is predicted exactly as it booted for real (platform-armvirt's committed capture
 * of the same VM shape), with no platform flag.
 */
import { expect } from 'chai';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '@tcg2sim/binary-codec';
import { FIRMWARE_CACHE, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const CODE = '/usr/share/AAVMF/AAVMF_CODE.fd';
const VARS = '/usr/share/AAVMF/AAVMF_VARS.fd';
const VECTORS = fileURLToPath(new URL('../../../platform-armvirt/test/vectors/debian-12-2022.11/', import.meta.url));

describe('cli: an ArmVirtQemu image (AAVMF_CODE.fd) is predicted, profiled and captured as such', function () {
  this.timeout(120_000);
  const tmp = tempDir('tcg2sim-armvirt-cli-');
  after(() => tmp.remove());
  beforeEach(function () {
    requirePrerequisites(this, { files: [CODE, VARS], hint: 'apt-get install -y qemu-efi-aarch64' });
  });

  it('predict: the real boot of the same VM (1024 MiB, all banks), byte for byte, complete', async () => {
    const out = join(tmp.path, 'log.bin');
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--memory', '1024', '--json', '--log-out', out);
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { complete: boolean; endState: string; events: unknown[]; mismatches: unknown[]; notes: string[] };
    expect(j.complete).to.equal(true);
    expect(j.endState).to.equal('started Boot0001 "EFI Internal Shell"');
    expect(j.mismatches).to.deep.equal([]);
    expect(j.notes.some((n) => n.includes('tpm-tis-device'))).to.equal(true);
    expect(toHex(readFileSync(out))).to.equal(toHex(readFileSync(join(VECTORS, 'm1024c2all-eventlog.bin'))));
  });

  it('predict: what virt does not have is a usage error naming it (exit 2, one line)', async () => {
    const r = await runCli('predict', '--code', CODE, '--vars', VARS, '--tpm-interface', 'crb');
    expect(r.status).to.equal(2);
    expect(r.err.trim().split('\n')).to.have.length(1);
    expect(r.err).to.match(/ArmVirtQemu.*--tpm-interface crb/);
  });

  it("profile: FVMAIN_COMPACT's digest is the PCR0 blob of the real boot", async () => {
    const r = await runCli('profile', CODE, '--json');
    expect(r.status, r.err).to.equal(0);
    const p = JSON.parse(r.out) as { dxeArch: string; volumes: { name: string; digests: Record<string, string> }[] };
    expect(p.dxeArch).to.equal('AARCH64');
    expect(p.volumes.map((v) => v.name)).to.deep.equal(['FVMAIN_COMPACT', 'FVMAIN']);
    const blob = p.volumes[0]?.digests['sha256'] ?? '';
    expect(blob).to.have.length(64);
    expect(toHex(readFileSync(join(VECTORS, 'm1024c2all-eventlog.bin')))).to.contain(blob);
  });

  it("predict without --fw-cfg-from-qemu: Debian 13's AAVMF with QEMU 7.2's virt ACPI blobs modelled: complete, the real log and PCRs 0-7 byte for byte, no QEMU started", async function () {
    const dir = join(FIRMWARE_CACHE, 'debian-trixie', 'qemu-efi-aarch64', 'usr', 'share', 'AAVMF');
    requirePrerequisites(this, { files: [join(dir, 'AAVMF_CODE.secboot.fd'), join(dir, 'AAVMF_VARS.fd')], hint: 'run scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64' });
    const out = join(tmp.path, 'trixie-model-log.bin');
    const r = await runCli('predict', '--code', join(dir, 'AAVMF_CODE.secboot.fd'), '--vars', join(dir, 'AAVMF_VARS.fd'), '--memory', '1024', '--json', '--log-out', out);
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { complete: boolean; notes: string[]; pcrs: Record<string, Record<string, string>> };
    expect(j.complete, j.notes.join('\n')).to.equal(true);
    expect(j.notes.some((n) => n.startsWith("QEMU 7.2's ACPI tables (modelled)"))).to.equal(true);
    const vector = fileURLToPath(new URL('../../../platform-armvirt/test/vectors/debian-13-2025.02/', import.meta.url));
    expect(toHex(readFileSync(out))).to.equal(toHex(readFileSync(join(vector, 'secboot-m1024c1all-eventlog.bin'))));
    const real = (JSON.parse(readFileSync(join(vector, 'secboot-m1024c1all-pcrs.json'), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
    for (const bank of Object.keys(real)) for (let i = 0; i < 8; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(real[bank]?.[String(i)]);
  });

  it("predict --memory 1024,2048 --cpus 1,2 (a matrix) of sid's 2026.08 AAVMF without --fw-cfg-from-qemu: every configuration complete, PCRs 0-7 of the two captured shapes = their real boots", async function () {
    const dir = join(FIRMWARE_CACHE, 'debian-sid', 'qemu-efi-aarch64', 'usr', 'share', 'AAVMF');
    requirePrerequisites(this, { files: [join(dir, 'AAVMF_CODE.secboot.fd'), join(dir, 'AAVMF_VARS.fd')], hint: 'run scripts/fetch-debian-firmware.sh sid qemu-efi-aarch64' });
    const r = await runCli('predict', '--code', join(dir, 'AAVMF_CODE.secboot.fd'), '--vars', join(dir, 'AAVMF_VARS.fd'), '--memory', '1024,2048', '--cpus', '1,2', '--json');
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { configurations: { varies: Record<string, string>; prediction: { complete: boolean; notes: string[]; pcrs: Record<string, Record<string, string>> } }[] };
    expect(j.configurations).to.have.length(4);
    for (const c of j.configurations) expect(c.prediction.complete, c.prediction.notes.join('\n')).to.equal(true);
    const vector = fileURLToPath(new URL('../../../platform-armvirt/test/vectors/debian-sid-2026.08/', import.meta.url));
    for (const [memory, cpus, name] of [['1024', '1', 'secboot-m1024c1all'], ['2048', '2', 'secboot-m2048c2all']] as const) {
      const p = j.configurations.find((c) => c.varies['memory'] === memory && c.varies['cpus'] === cpus)?.prediction;
      const real = (JSON.parse(readFileSync(join(vector, `${name}-pcrs.json`), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
      for (const bank of Object.keys(real)) for (let i = 0; i < 8; i++) expect(p?.pcrs[bank]?.[String(i)], `${name} ${bank} PCR${i}`).to.equal(real[bank]?.[String(i)]);
    }
  });

  it("predict without --fw-cfg-from-qemu: a virt VM outside the model (two sockets) names it and stays INCOMPLETE, complete false", async function () {
    const dir = join(FIRMWARE_CACHE, 'debian-trixie', 'qemu-efi-aarch64', 'usr', 'share', 'AAVMF');
    const code = join(dir, 'AAVMF_CODE.secboot.fd');
    requirePrerequisites(this, { files: [code, join(dir, 'AAVMF_VARS.fd')], hint: 'run scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64' });
    const vars = join(tmp.path, 'trixie-vars-2s.fd');
    copyFileSync(join(dir, 'AAVMF_VARS.fd'), vars);
    const line = `qemu-system-aarch64 -machine virt -cpu cortex-a57 -m 1024 -smp 2,sockets=2,cores=1,threads=1 -drive if=pflash,format=raw,unit=0,readonly=on,file=${code} -drive if=pflash,format=raw,unit=1,file=${vars} -chardev socket,id=chrtpm,path=/tmp/swtpm-sock -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis-device,tpmdev=tpm0 -net none`;
    const r = await runCli('predict', '--qemu-cmdline', line, '--json');
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { complete: boolean; notes: string[] };
    expect(j.complete).to.equal(false);
    expect(j.notes.some((n) => n.includes("QEMU's ACPI blobs are not modelled for this VM") && n.includes('sockets=2'))).to.equal(true);
    expect(j.notes.some((n) => n.startsWith('INCOMPLETE') && n.includes('ACPI DATA'))).to.equal(true);
  });

  it("predict --fw-cfg-from-qemu: Debian 13's AAVMF with the virt machine's ACPI blobs from the installed QEMU: complete, the real log byte for byte", async function () {
    const dir = join(FIRMWARE_CACHE, 'debian-trixie', 'qemu-efi-aarch64', 'usr', 'share', 'AAVMF');
    requirePrerequisites(this, { files: [join(dir, 'AAVMF_CODE.secboot.fd'), join(dir, 'AAVMF_VARS.fd')], tools: ['qemu-system-aarch64', 'swtpm'], hint: 'run scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64' });
    const out = join(tmp.path, 'trixie-log.bin');
    const r = await runCli('predict', '--code', join(dir, 'AAVMF_CODE.secboot.fd'), '--vars', join(dir, 'AAVMF_VARS.fd'), '--memory', '1024', '--fw-cfg-from-qemu', '--json', '--log-out', out);
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { complete: boolean; notes: string[]; pcrs: Record<string, Record<string, string>> };
    expect(j.complete).to.equal(true);
    expect(j.notes.some((n) => n.includes('qemu-system-aarch64 under qtest'))).to.equal(true);
    const vector = fileURLToPath(new URL('../../../platform-armvirt/test/vectors/debian-13-2025.02/', import.meta.url));
    expect(toHex(readFileSync(out))).to.equal(toHex(readFileSync(join(vector, 'secboot-m1024c1all-eventlog.bin'))));
    const real = (JSON.parse(readFileSync(join(vector, 'secboot-m1024c1all-pcrs.json'), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
    for (const bank of Object.keys(real)) for (let i = 0; i < 8; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(real[bank]?.[String(i)]);
  });

  it('capture: x86-only flags are refused before anything boots (exit 2)', async () => {
    const r = await runCli('capture', '--code', CODE, '--vars', VARS, '--smm', '--out', join(tmp.path, 'cap'));
    expect(r.status).to.equal(2);
    expect(r.err).to.match(/ArmVirtQemu.*--smm/);
  });
});
