import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, diffEventLogs } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import {
  DEBIAN_2022_11_BUILD, MachineDescription, VmNotBootableError, buildFactsFromPeiFv, decompressMemFvs, findS3DeadLoop, findS3VerificationCode, peiFvAtMeasurement, predict,
} from '@tcg2sim/platform-ovmf';
import { FIRMWARE_CACHE, OVMF_DIR, fetchHint, requirePrerequisites, skipOptional, skipWithoutLocalBuild } from '@tcg2sim/test-support';
import { getVariable } from '@tcg2sim/uefi';

// X64-PEI SMM builds of edk2 before edk2-stable202308 (Debian 11's, Debian 12's and Ubuntu
// 22.04's 2 MiB OVMF_CODE.secboot.fd; a local 2 MiB build of edk2-stable202302, where PlatformPei
// reads S3Supported through its HOB pointer): PlatformPei's S3Verification dead-loops when QEMU offers
// S3 (platform-pei/s3-verification.ts). Truth, in test/vectors/x64-smm-no-s3/: real boots with
// S3 on (no serial output; HMP `info registers` showed the vCPU in CpuDeadLoop at `rip`) and with
// S3 off (`tcg2sim capture`, QEMU 7.2 + swtpm: the logs and PCRs), and guest RAM at PEIFV after
// the S3-off boots of the pre-PlatformInitLib builds (pmemsave 0x820000).
const DIR = fileURLToPath(new URL('../../test/vectors/x64-smm-no-s3/', import.meta.url));
const PEI_FV_BASE = 0x820000;

interface Build {
  readonly dir: string;
  /** Absolute, or relative to the firmware cache. */
  readonly image: string;
  readonly source: string;
  /** A local build of an edk2 tag under local-edk2/ (docs/newer-ovmf.md "Local builds of edk2 releases"), never committed: names it in the skip line. */
  readonly localBuild?: string;
  readonly codeSha256: string;
  /**
   * QEMU's ACPI blobs measured in PCR1 (edk2-stable202302 on): the library's predict has no fw_cfg
   * files here, so the boots are compared with QEMU 7.2's modelled ones by the CLI spec
   * (packages/cli/test/predict-x64-smm-s3.spec.ts: every event and PCRs 0-7 of all banks).
   */
  readonly acpiDataMeasured?: boolean;
  readonly boots: readonly { readonly name: string; readonly vars: string; readonly memoryMiB: number; readonly cpus: number }[];
  readonly s3On: { readonly rip: string };
  readonly peiFvRam?: { readonly vars: string; readonly differsFromPristine: Readonly<Record<string, string>> };
}

const BUILDS = JSON.parse(readFileSync(join(DIR, 'builds.json'), 'utf8')) as readonly Build[];

const imagePath = (b: Build): string => (b.image.startsWith('/') ? b.image : join(FIRMWARE_CACHE, b.image));

/** Debian's images are ones CI has (installed, or fetched by scripts/fetch-debian-firmware.sh); Ubuntu's skip when absent. */
function requireImage(ctx: Mocha.Context, b: Build, vars: readonly string[]): { code: string; dir: string } {
  const code = imagePath(b);
  const dir = code.slice(0, code.lastIndexOf('/'));
  const files = [code, ...vars.map((v) => join(dir, v))];
  const local = b.localBuild;
  if (local !== undefined) {
    const missing = files.find((f) => !existsSync(f));
    if (missing !== undefined) skipWithoutLocalBuild(ctx, local, missing);
  } else if (b.dir.startsWith('ubuntu-')) {
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length > 0) skipOptional(ctx, `missing ${missing.join(', ')}: ${b.source}`);
  } else requirePrerequisites(ctx, { files, hint: b.dir.includes('bullseye') ? fetchHint('bullseye') : 'apt-get install ovmf (Debian 12)' });
  const sha = createHash('sha256').update(readFileSync(code)).digest('hex');
  if (sha !== b.codeSha256 && local !== undefined) skipWithoutLocalBuild(ctx, local, code, `SHA-256 ${sha}, vectors ${b.codeSha256}`);
  if (sha !== b.codeSha256) skipOptional(ctx, `${code} is not the image the vectors were captured with (SHA-256 ${sha}, vectors ${b.codeSha256}): ${b.source}`);
  return { code, dir };
}

describe('S3Verification: X64-PEI SMM builds before edk2-stable202308 dead-loop when QEMU offers S3', function () {
  this.timeout(120_000);

  for (const b of BUILDS) {
    it(`${b.dir}: found in PlatformPei's code, and its CpuDeadLoop holds the RIP where the real boot with S3 spun`, function () {
      const { code } = requireImage(this, b, []);
      const loop = findS3DeadLoop(decompressMemFvs(readFileSync(code)).peiFv);
      expect(loop, 'S3Verification not found').to.not.equal(undefined);
      const rip = Number(b.s3On.rip) - PEI_FV_BASE;
      expect(rip).to.be.within(loop?.deadLoopAt ?? -1, (loop?.deadLoopAt ?? -1) + 0x20);
    });

    it(`${b.dir}: predict refuses the VM with S3 (VmNotBootableError S3_DEAD_LOOP), and predicts it without`, async function () {
      const { code, dir } = requireImage(this, b, ['OVMF_VARS.fd']);
      const image = readFileSync(code);
      const vars = readFileSync(join(dir, 'OVMF_VARS.fd'));
      let error: unknown;
      try {
        await predict({ code: image, vars, machine: { smm: true } });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(VmNotBootableError);
      expect((error as VmNotBootableError).code).to.equal('S3_DEAD_LOOP');
      expect((error as Error).message).to.contain('ICH9-LPC.disable_s3=1');
      const p = await predict({ code: image, vars, machine: { smm: true, s3: false } });
      expect(p.boot.eventLog.length).to.be.greaterThan(0);
    });

    for (const boot of b.acpiDataMeasured === true ? [] : b.boots) {
      it(`${b.dir} ${boot.name}: predict with S3 disabled equals the real boot in every measurement and PCRs 0-7 of all banks`, async function () {
        const { code, dir } = requireImage(this, b, [boot.vars]);
        const real = readFileSync(join(DIR, b.dir, `${boot.name}-eventlog.bin`));
        const pcrs = (JSON.parse(readFileSync(join(DIR, b.dir, `${boot.name}-pcrs.json`), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
        const backend = new SoftTpmBackend({});
        try {
          const ours = await predict({
            code: readFileSync(code),
            vars: readFileSync(join(dir, boot.vars)),
            machine: MachineDescription.parse({ machine: 'q35', memoryMiB: boot.memoryMiB, cpus: boot.cpus, smm: true, s3: false }),
            tpmInterface: 'tis',
            backend,
          });
          expect(ours.boot.unmodelled).to.equal(undefined);
          const d = diffEventLogs(decodeEventLog(ours.boot.eventLog), decodeEventLog(real), { measuredOnly: true });
          expect(d.divergence?.explanation ?? 'equal').to.equal('equal');
          const replayed: Record<string, Record<string, string>> = {};
          for (const [alg, mm] of ours.replay.banks) replayed[hashAlgInfo(alg).name] = Object.fromEntries([...mm].map(([i, v]) => [String(i), toHex(v)]));
          expect(Object.keys(pcrs).sort()).to.deep.equal(['sha1', 'sha256', 'sha384', 'sha512']);
          for (const [bank, values] of Object.entries(pcrs)) {
            for (let i = 0; i <= 7; i++) expect(replayed[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
          }
        } finally {
          await backend.close();
        }
      });
    }

    const ram = b.peiFvRam;
    if (ram !== undefined) {
      it(`${b.dir}: PlatformPei's writes into PEIFV (its globals and the SMM ones, X64 code) are the bytes guest RAM held after the S3-off boot`, function () {
        const { code, dir } = requireImage(this, b, [ram.vars]);
        const sec = decompressMemFvs(readFileSync(code));
        const store = readFileSync(join(dir, ram.vars));
        const m = peiFvAtMeasurement(sec.peiFv, MachineDescription.parse({ smm: true, s3: false }), buildFactsFromPeiFv(sec.peiFv.volume, DEBIAN_2022_11_BUILD), (n, g) => getVariable(store, n, g)?.data);
        expect(m.unmodelled).to.equal(undefined);
        const changed = Object.fromEntries([...m.bytes.keys()].filter((i) => m.bytes[i] !== sec.peiFv.bytes[i]).map((i) => [`0x${i.toString(16)}`, `0x${(m.bytes[i] ?? 0).toString(16).padStart(2, '0')}`]));
        expect(changed).to.deep.equal(ram.differsFromPristine);
      });
    }
  }

  // These boot with S3 on QEMU 7.2 (their real-boot vectors elsewhere were captured so).
  it("no such loop in Debian 12's other images: 4 MiB SMM (IA32 PEI), 2 MiB OVMF_CODE.fd (X64 without SMM: the same compare and call, never taken)", function () {
    const files = ['OVMF_CODE_4M.secboot.fd', 'OVMF_CODE.fd', 'OVMF_CODE_4M.fd'].map((f) => join(OVMF_DIR, f));
    requirePrerequisites(this, { files });
    for (const f of files) expect(findS3DeadLoop(decompressMemFvs(readFileSync(f)).peiFv), f).to.equal(undefined);
  });

  // Debian's ovmf 2023.05-2 OVMF_CODE.fd (2 MiB, X64 PEI, no SMM; kholia/OSX-KVM keeps it): the
  // pointer form of edk2-stable202302 to 202305 (`cmp byte [rbx+0x40], 0; je; cmp byte [rbx+0x3f],
  // 0; je; call CpuDeadLoop`, rbx = GetFirstGuidHob (&gUefiOvmfPkgPlatformInfoGuid), objdump of its
  // PlatformPei), never taken there: SmmSmramRequire is FALSE and the image has no SmmAccessPei.
  it("Debian 2023.05's X64 OVMF_CODE.fd without SMM: the compare through PlatformInfoHob and the call are found, and no dead loop is reported", function () {
    const f = join(FIRMWARE_CACHE, 'github', 'kholia+OSX-KVM', 'da4b23b5e92c', 'OVMF_CODE.fd');
    const sha = '52a625db5a45329bf8005232db33e94781787d92ae8d088f2f73332dd4ded3a9';
    if (!existsSync(f) || createHash('sha256').update(readFileSync(f)).digest('hex') !== sha) {
      skipOptional(this, `${f} absent or not SHA-256 ${sha} (Debian ovmf 2023.05-2 OVMF_CODE.fd: https://github.com/kholia/OSX-KVM commit da4b23b5e92c OVMF_CODE.fd)`);
    }
    const sec = decompressMemFvs(readFileSync(f));
    const code = findS3VerificationCode(sec.peiFv);
    expect(code?.global).to.equal('PlatformInfoHob->S3Supported');
    expect([code?.compareAt, code?.callAt, code?.deadLoopAt]).to.deep.equal([0x91c0 + 0x4f4b, 0x91c0 + 0x4f51, 0x91c0 + 0x61a]);
    expect(findS3DeadLoop(sec.peiFv)).to.equal(undefined);
  });

  it("no such loop in X64-PEI SMM builds of edk2-stable202402 and later (Debian trixie's 2025.02 OVMF_CODE_4M.secboot.fd)", function () {
    const f = join(FIRMWARE_CACHE, 'debian-trixie', 'usr', 'share', 'OVMF', 'OVMF_CODE_4M.secboot.fd');
    requirePrerequisites(this, { files: [f], hint: fetchHint('trixie') });
    const sec = decompressMemFvs(readFileSync(f));
    expect(findS3DeadLoop(sec.peiFv)).to.equal(undefined);
  });
});
