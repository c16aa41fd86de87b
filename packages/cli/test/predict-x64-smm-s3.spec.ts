import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIRMWARE_CACHE, fetchHint, lazyTempDir, requirePrerequisites, skipOptional, skipWithoutLocalBuild } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

// Debian 11's, Debian 12's and Ubuntu 22.04's 2 MiB OVMF_CODE.secboot.fd (X64 PEI, SMM, edk2
// before edk2-stable202308) never boot on a VM that offers S3: PlatformPei's S3Verification
// dead-loops (platform-pei/s3-verification.ts). predict and capture refuse such a VM up front;
// with --no-s3 (QEMU -global ICH9-LPC.disable_s3=1) predict equals the real boots in
// platform-ovmf's test/vectors/x64-smm-no-s3/ (QEMU 7.2 + swtpm, `tcg2sim capture`).
const DIR = fileURLToPath(new URL('../../../platform-ovmf/test/vectors/x64-smm-no-s3/', import.meta.url));

interface Build {
  readonly dir: string;
  readonly image: string;
  readonly source: string;
  readonly localBuild?: string;
  readonly codeSha256: string;
  readonly boots: readonly { readonly name: string; readonly vars: string; readonly memoryMiB: number; readonly cpus: number }[];
}
const BUILDS = JSON.parse(readFileSync(join(DIR, 'builds.json'), 'utf8')) as readonly Build[];

function files(ctx: Mocha.Context, b: Build, vars: string): { code: string; vars: string } {
  const code = b.image.startsWith('/') ? b.image : join(FIRMWARE_CACHE, b.image);
  const v = join(code.slice(0, code.lastIndexOf('/')), vars);
  if (b.localBuild !== undefined) {
    const missing = [code, v].find((x) => !existsSync(x));
    if (missing !== undefined) skipWithoutLocalBuild(ctx, b.localBuild, missing);
    const sha = createHash('sha256').update(readFileSync(code)).digest('hex');
    if (sha !== b.codeSha256) skipWithoutLocalBuild(ctx, b.localBuild, code, `SHA-256 ${sha}, vectors ${b.codeSha256}`);
  } else if (b.dir.startsWith('ubuntu-')) {
    if (!existsSync(code) || !existsSync(v)) skipOptional(ctx, `missing ${code} or ${v}: ${b.source}`);
  } else requirePrerequisites(ctx, { files: [code, v], hint: b.dir.includes('bullseye') ? fetchHint('bullseye') : 'apt-get install ovmf (Debian 12)' });
  return { code, vars: v };
}

for (const b of BUILDS) {
  describe(`predict, verify and capture: ${b.dir}'s 2 MiB OVMF_CODE.secboot.fd needs S3 off`, function () {
    this.timeout(120_000);
    const out = lazyTempDir();
    after(() => out.remove());

    it('predict --smm (S3 on, QEMU\'s default) is refused with exit 2 and says why and what to do', async function () {
      const f = files(this, b, 'OVMF_VARS.fd');
      const r = await runCli('predict', '--code', f.code, '--vars', f.vars, '--smm');
      expect(r.status).to.equal(2);
      expect(r.out).to.equal('');
      expect(r.err).to.contain("S3Verification").and.to.contain('CpuDeadLoop').and.to.contain('-global ICH9-LPC.disable_s3=1').and.to.contain('--no-s3');
    });

    it('predict --smm --no-s3 --json is complete, with no INCOMPLETE note', async function () {
      const f = files(this, b, 'OVMF_VARS.fd');
      const r = await runCli('predict', '--code', f.code, '--vars', f.vars, '--smm', '--no-s3', '--json');
      expect(r.status, r.err).to.equal(0);
      const j = JSON.parse(r.out) as { complete: boolean; notes: readonly string[] };
      expect(j.notes.filter((n) => n.includes('INCOMPLETE'))).to.deep.equal([]);
      expect(j.complete).to.equal(true);
    });

    for (const boot of b.boots) {
      it(`verify ${boot.name} --no-s3: the real boot's events are exactly the predicted ones`, async function () {
        const f = files(this, b, boot.vars);
        const r = await runCli('verify', join(DIR, b.dir, `${boot.name}-eventlog.bin`), '--code', f.code, '--vars', f.vars, '--smm', '--no-s3', '--memory', String(boot.memoryMiB), '--cpus', String(boot.cpus));
        expect(r.status, r.out + r.err).to.equal(0);
        expect(r.out).to.match(/verdict: exact/);
      });

      it(`predict ${boot.name} --no-s3 --json: PCRs 0-7 of all four banks are the real boot's`, async function () {
        const f = files(this, b, boot.vars);
        const r = await runCli('predict', '--code', f.code, '--vars', f.vars, '--smm', '--no-s3', '--memory', String(boot.memoryMiB), '--cpus', String(boot.cpus), '--json');
        expect(r.status, r.err).to.equal(0);
        const ours = (JSON.parse(r.out) as { pcrs: Record<string, Record<string, string>> }).pcrs;
        const real = (JSON.parse(readFileSync(join(DIR, b.dir, `${boot.name}-pcrs.json`), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
        expect(Object.keys(ours).sort()).to.deep.equal(['sha1', 'sha256', 'sha384', 'sha512']);
        for (const bank of Object.keys(ours)) {
          for (let i = 0; i <= 7; i++) expect(ours[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(real[bank]?.[String(i)]);
        }
      });
    }

    it('predict --qemu-cmdline with -global ICH9-LPC.disable_s3=1 predicts; without it, it is refused', async function () {
      const f = files(this, b, 'OVMF_VARS.fd');
      const line = (s3Off: boolean): string => `qemu-system-x86_64 -machine q35,smm=on -m 512 -global driver=cfi.pflash01,property=secure,value=on${s3Off ? ' -global ICH9-LPC.disable_s3=1' : ''} -drive if=pflash,format=raw,unit=0,readonly=on,file=${f.code} -drive if=pflash,format=raw,unit=1,file=${f.vars} -chardev socket,id=chrtpm,path=/x/tpm.sock -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 -net none -display none`;
      const off = await runCli('predict', '--qemu-cmdline', line(true), '--json');
      expect(off.status, off.err).to.equal(0);
      const j = JSON.parse(off.out) as { complete: boolean; pcrs: Record<string, Record<string, string>> };
      expect(j.complete).to.equal(true);
      // the line's VM is the 512 MiB, 1 CPU boot's (QEMU's ACPI blobs modelled for it when the build measures them)
      const boot = b.boots.find((x) => x.memoryMiB === 512 && x.cpus === 1 && x.vars === 'OVMF_VARS.fd');
      if (boot !== undefined) {
        const real = (JSON.parse(readFileSync(join(DIR, b.dir, `${boot.name}-pcrs.json`), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
        for (const bank of ['sha1', 'sha256', 'sha384', 'sha512']) {
          for (let i = 0; i <= 7; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(real[bank]?.[String(i)]);
        }
      }
      const on = await runCli('predict', '--qemu-cmdline', line(false));
      expect(on.status).to.equal(2);
      expect(on.err).to.contain('S3Verification');
      const both = await runCli('predict', '--qemu-cmdline', line(true), '--no-s3');
      expect(both.status).to.equal(2);
      expect(both.err).to.contain('--no-s3: the VM comes from --qemu-cmdline');
    });

    it('profile says the image boots only on a VM without S3, and where its CpuDeadLoop is', async function () {
      const f = files(this, b, 'OVMF_VARS.fd');
      const r = await runCli('profile', '--json', f.code);
      expect(r.status, r.err).to.equal(0);
      const modelled = (JSON.parse(r.out) as { modelled: readonly string[] }).modelled.filter((m) => m.startsWith('VM WITHOUT S3 ONLY: '));
      expect(modelled).to.have.length(1);
      expect(modelled[0]).to.match(/calls CpuDeadLoop \(PEIFV\+0x[0-9a-f]+\) at PEIFV\+0x[0-9a-f]+ when (mPlatformInfoHob\.S3Supported|mS3Supported|PlatformInfoHob->S3Supported) /);
    });

    it('capture --smm (S3 on) is refused before QEMU starts: exit 2, the reason and --no-s3', async function () {
      const f = files(this, b, 'OVMF_VARS.fd');
      const r = await runCli('capture', '--code', f.code, '--vars', f.vars, '--smm', '--out', join(out.path, 'cap'), '--timeout', '5');
      expect(r.status, r.out + r.err).to.equal(2);
      expect(r.err).to.contain('capture: ').and.to.contain('S3Verification').and.to.contain('--no-s3');
      expect(existsSync(join(out.path, 'cap', 'serial.log'))).to.equal(false);
    });
  });
}
