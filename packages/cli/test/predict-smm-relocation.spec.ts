import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requirePrerequisites, skipOptional, skipWithoutLocalBuild, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

// SMM builds from edk2-stable202405, whose PlatformPei relocates SMBASE in PEI and writes RAM
// pointers into PEIFV (docs/newer-ovmf.md, "SMBASE relocation in PEI"): `verify` and `predict`
// against real boots (QEMU 7.2 + swtpm, q35,smm=on, Microsoft keys): the 7 boots the model was
// written from (`boots`) and later captures it had not seen (`captures`), logs and PCRs in
// platform-ovmf's test/vectors/smm-relocation/, the firmware never committed. Debian's images are
// fetched by scripts/fetch-debian-firmware.sh (missing in CI: a failure); the others are skipped
// with a notice naming them when absent from the firmware cache, local builds of edk2 tags
// (boots.json `localBuild`, under local-edk2/) with skipWithoutLocalBuild, in CI too.

interface Image { readonly file: string; readonly vars: string; readonly source: string; readonly sha256: string; readonly localBuild?: { readonly tag: string } }
interface Boot {
  readonly id: string;
  readonly image: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly maxCpus?: number;
  readonly qemuBoot?: string;
  /** A VM the modelled ACPI blobs do not cover (S3 off, a pinned CPU model): its QEMU command line, read with --fw-cfg-from-qemu. */
  readonly predictCmdline?: string;
}
interface Vectors { readonly images: Readonly<Record<string, Image>>; readonly boots: readonly Boot[]; readonly captures: readonly Boot[] }
interface VerifyJson { readonly exact: boolean; readonly divergences: readonly unknown[]; readonly matchedEvents: number; readonly firmwareEvents: number }
interface PredictJson { readonly complete: boolean; readonly notes: readonly string[]; readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>> }

const VECTORS = new URL('../../../platform-ovmf/test/vectors/smm-relocation/', import.meta.url);
const vectors = JSON.parse(readFileSync(new URL('boots.json', VECTORS), 'utf8')) as Vectors;

function firmware(ctx: Mocha.Context, image: string): Image {
  const img = vectors.images[image];
  if (img === undefined) throw new Error(`boots.json: no image ${image}`);
  for (const file of [img.file, img.vars]) {
    const path = join(CACHE, file);
    if (img.source.startsWith('Debian')) requirePrerequisites(ctx, { files: [path], hint: img.source });
    else if (img.localBuild !== undefined && !existsSync(path)) skipWithoutLocalBuild(ctx, `${img.localBuild.tag} X64 SMM`, path);
    else if (!existsSync(path)) skipOptional(ctx, `firmware ${path} absent (${img.source}; never committed)`);
  }
  const sha = createHash('sha256').update(readFileSync(join(CACHE, img.file))).digest('hex');
  if (sha !== img.sha256 && img.localBuild !== undefined) skipWithoutLocalBuild(ctx, `${img.localBuild.tag} X64 SMM`, join(CACHE, img.file), `sha256 ${sha}, the vectors' ${img.sha256}`);
  if (sha !== img.sha256) skipOptional(ctx, `firmware ${join(CACHE, img.file)} is not the file of ${img.source} (sha256 ${sha})`);
  return img;
}

/**
 * The VM as options; a VM given by its own command line (`predictCmdline`) as that line; with possible CPUs beyond the started ones (`-smp N,maxcpus=M`) or `-boot`
 * options (`splash-time` adds etc/boot-menu-wait, which sid's QemuFwCfgLib caches) as the QEMU
 * command line it was booted with, its ACPI and SMBIOS blobs read from the installed QEMU
 * (`--fw-cfg-from-qemu`: the model covers no VM described by a command line).
 */
function args(img: Image, b: Boot): string[] {
  if (b.predictCmdline !== undefined) return ['--qemu-cmdline', b.predictCmdline.replaceAll('$TCG2SIM_FIRMWARE_DIR/', `${CACHE}/`), '--fw-cfg-from-qemu'];
  if (b.maxCpus === undefined && b.qemuBoot === undefined) return ['--code', join(CACHE, img.file), '--vars', join(CACHE, img.vars), '--smm', '--memory', String(b.memoryMiB), '--cpus', String(b.cpus)];
  const cmd = [
    'qemu-system-x86_64 -machine q35,smm=on', `-m ${b.memoryMiB}`, `-smp ${b.cpus}${b.maxCpus === undefined ? '' : `,maxcpus=${b.maxCpus}`}`,
    ...(b.qemuBoot === undefined ? [] : [`-boot ${b.qemuBoot}`]), '-global driver=cfi.pflash01,property=secure,value=on',
    `-drive if=pflash,format=raw,unit=0,readonly=on,file=${join(CACHE, img.file)}`, `-drive if=pflash,format=raw,unit=1,file=${join(CACHE, img.vars)}`,
    '-chardev socket,id=chrtpm,path=/tmp/swtpm-ctrl.sock -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0 -net none',
  ];
  return ['--qemu-cmdline', cmd.join(' '), '--fw-cfg-from-qemu'];
}

describe('SMM builds from edk2-stable202405 (SMBASE relocation in PEI): verify and predict against real boots', function () {
  this.timeout(120_000);
  for (const [kind, list] of [['boot', vectors.boots], ['out-of-sample capture', vectors.captures]] as const) {
    for (const b of list) {
      const log = new URL(`${b.id}-eventlog.bin`, VECTORS).pathname;
      it(`${kind} ${b.id} (${b.image}, ${b.memoryMiB} MiB, ${b.cpus}${b.maxCpus === undefined ? '' : ` of ${b.maxCpus}`} CPU(s)): verify: every event exact; predict: complete, PCRs 0-7 of every bank equal the real TPM's`, async function () {
        const img = firmware(this, b.image);
        if (b.maxCpus !== undefined || b.qemuBoot !== undefined || b.predictCmdline !== undefined) requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
        const real = JSON.parse(readFileSync(new URL(`${b.id}-pcrs.json`, VECTORS), 'utf8')) as Record<string, Record<string, string>>;
        const p = await runCli('predict', ...args(img, b), '--json');
        expect(p.status, p.err).to.equal(0);
        const j = JSON.parse(p.out) as PredictJson;
        expect(j.complete, j.notes.join('\n')).to.equal(true);
        expect(Object.keys(real)).to.have.length(4);
        for (const [bank, values] of Object.entries(real)) {
          for (let i = 0; i <= 7; i++) expect(j.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
        }
        const v = await runCli('verify', log, ...args(img, b), '--json');
        const vj = JSON.parse(v.out) as VerifyJson;
        expect(vj.divergences, v.out).to.deep.equal([]);
        expect(vj.exact).to.equal(true);
        expect(vj.matchedEvents).to.equal(vj.firmwareEvents);
        expect(v.status).to.equal(0);
      });
    }
  }

  it('Ubuntu 26.04\'s 2025.11 secboot with OVMF_VARS_4M.ms.fd: both PEI allocation addresses derived (edk2-stable202511: no memory bins, PEIMs shadowed after memory); FirmwareSecvarUpdater\'s db update modelled, complete', async function () {
    const dir = join(CACHE, 'ubuntu-resolute', 'ovmf-generic', 'usr', 'share', 'OVMF');
    const code = join(dir, 'OVMF_CODE_4M.secboot.fd');
    if (!existsSync(code)) skipOptional(this, `firmware ${code} absent (Ubuntu 26.04 ovmf_2025.11-3ubuntu7_all.deb unpacked under ubuntu-resolute/ovmf-generic/; never committed)`);
    const p = await runCli('predict', '--code', code, '--vars', join(dir, 'OVMF_VARS_4M.ms.fd'), '--smm', '--json');
    expect(p.status, p.err).to.equal(0);
    const j = JSON.parse(p.out) as PredictJson;
    // Its db event in the real boots (captures rs-ms-*) holds one certificate more than the store:
    // Ubuntu's FirmwareSecvarUpdater appended Microsoft Option ROM UEFI CA 2023, which it carries.
    expect(j.complete, j.notes.join('\n')).to.equal(true);
    expect(j.notes.some((n) => /^FirmwareSecvarUpdater: appends .*Microsoft Option ROM UEFI CA 2023/.test(n))).to.equal(true);
    // Read from guest RAM of the real boot at 512 MiB, 1 CPU (pei-hobs-rs-512-1.txt): the stack page 0x1EF42000, the IDT at 0x1AB8FC20.
    expect(j.notes.some((n) => n.includes('gPatchSmmInitStack PEIFV+0x17756=0x1ef42ff8') && n.includes('=0x1ab8fc20'))).to.equal(true);
  });
});
