/**
 * NICs and disks on `virt` against real boots (docs/armvirt.md §11): each committed capture in
 * platform-armvirt's test/vectors/<build>/devices-* (the user's qemu-system-aarch64 line with
 * CODE, VARS and DISK placeholders, the log taken from guest RAM and swtpm's PCRs) is predicted
 * with `predict --qemu-cmdline` of the same line (without `--fw-cfg-from-qemu`: QEMU 7.2's virt
 * ACPI blobs modelled; the libvirt domain with it, QEMU's own): the log byte for byte (every event with its
 * data: the iPXE ROM image in PCR2, the network options and attempts, the GPT event, the loader)
 * and PCRs 0-7 of every bank. The disk is rebuilt here (test-support buildEspDisk with an AArch64
 * BOOTAA64.EFI), the firmware is Debian's (installed or fetched, never committed).
 */
import { expect } from 'chai';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { AARCH64_PARK, MACHINE_AARCH64, buildEfiApplication, buildEspDisk, requirePrerequisites, tempDir, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const VECTORS = fileURLToPath(new URL('../../../platform-armvirt/test/vectors/', import.meta.url));

interface Build {
  readonly dir: string;
  readonly code: string;
  readonly vars: string;
  readonly hint: string;
  /** The build measures QEMU's ACPI blobs: predict reads them from the installed QEMU. */
  readonly fwCfg: boolean;
}

const BUILDS: Readonly<Record<string, Build>> = {
  'debian-12-2022.11': { dir: 'debian-12-2022.11', code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.fd', hint: 'apt-get install -y qemu-efi-aarch64', fwCfg: false },
  'debian-13-2025.02': {
    dir: 'debian-13-2025.02', code: join(CACHE, 'debian-trixie/qemu-efi-aarch64/usr/share/AAVMF/AAVMF_CODE.secboot.fd'), vars: join(CACHE, 'debian-trixie/qemu-efi-aarch64/usr/share/AAVMF/AAVMF_VARS.fd'),
    hint: 'run scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64', fwCfg: true,
  },
  'debian-sid-2026.08': {
    dir: 'debian-sid-2026.08', code: join(CACHE, 'debian-sid/qemu-efi-aarch64/usr/share/AAVMF/AAVMF_CODE.secboot.fd'), vars: join(CACHE, 'debian-sid/qemu-efi-aarch64/usr/share/AAVMF/AAVMF_VARS.fd'),
    hint: 'run scripts/fetch-debian-firmware.sh sid qemu-efi-aarch64', fwCfg: true,
  },
};

/** The captured shapes: build, vector name, what the VM has. */
const SHAPES: ReadonlyArray<readonly [string, string, string]> = [
  ['debian-12-2022.11', 'nic', 'virtio-net-pci: ROM image (PCR2), PXEv4/PXEv6/HTTPv4/HTTPv6 options, four failed attempts, then the Shell'],
  ['debian-12-2022.11', 'disk', 'a virtio-blk disk: Boot0001 before the Shell, GPT event, BOOTAA64.EFI'],
  ['debian-12-2022.11', 'nvme', 'an NVMe disk'],
  ['debian-12-2022.11', 'scsi', 'a virtio-scsi disk (scsi-hd, target 0)'],
  ['debian-12-2022.11', 'bootidx', 'virtio-net-pci, and a virtio-blk disk with bootindex=1: only the disk connected (no network options), BootOrder 0001,0000,0002'],
  ['debian-13-2025.02', 'nic', 'virtio-net-pci: ROM image (PCR2); no RNG on cortex-a57, so no network options'],
  ['debian-13-2025.02', 'nic2g', 'the same with 2048 MiB'],
  ['debian-13-2025.02', 'nicmax', '-cpu max (RNDR): the four network options, their failed attempts, ReadyToBoot for PlatformRecovery0000'],
  ['debian-13-2025.02', 'disk', 'a virtio-blk disk: GPT event, BOOTAA64.EFI'],
  ['debian-13-2025.02', 'nvme', 'an NVMe disk'],
  ['debian-13-2025.02', 'scsi', 'a virtio-scsi disk'],
  ['debian-13-2025.02', 'disknic', 'a virtio-blk disk at 01.0 and virtio-net-pci at 02.0: ROM image, then the disk boots'],
  ['debian-13-2025.02', 'nicnvme', 'an NVMe disk at 01.0 and virtio-net-pci at 02.0 (beside the Secure Boot boot of the same VM)'],
  ['debian-sid-2026.08', 'nic', 'virtio-net-pci (no network options)'],
  ['debian-sid-2026.08', 'nic2g', 'the same with 2048 MiB'],
  ['debian-sid-2026.08', 'nicmax', '-cpu max (RNDR: EFI_RNG_PROTOCOL): the four network options, their failed attempts, ReadyToBoot for PlatformRecovery0000'],
  ['debian-sid-2026.08', 'disk', 'a virtio-blk disk'],
  ['debian-sid-2026.08', 'disknic', "QEMU's default NIC at 01.0 and a virtio-blk disk at 02.0"],
  ['debian-sid-2026.08', 'nvme', 'an NVMe disk'],
  ['debian-sid-2026.08', 'multi', 'two NICs (one with mac=), an NVMe and a virtio-blk disk: two ROM images, the NVMe disk boots'],
  ['debian-sid-2026.08', 'scsi', 'a virtio-scsi disk (scsi-hd, target 0)'],
];

interface VectorJson {
  readonly userCommandLine: string;
  readonly pcrs: Record<string, Record<string, string>>;
}

describe('cli: NICs and disks on qemu-system-aarch64 -M virt against real boots @integration', function () {
  this.timeout(240_000);
  const tmp = tempDir('tcg2sim-armvirt-devices-');
  after(() => tmp.remove());
  const disk = join(tmp.path, 'aa64-disk.img');
  before(() => writeFileSync(disk, buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTAA64.EFI', data: buildEfiApplication(AARCH64_PARK, 0x10000000n, MACHINE_AARCH64) }] })));

  const load = (build: string, name: string): { json: VectorJson; log: string } => ({
    json: JSON.parse(readFileSync(join(VECTORS, build, `devices-${name}-pcrs.json`), 'utf8')) as VectorJson,
    log: toHex(readFileSync(join(VECTORS, build, `devices-${name}-eventlog.bin`))),
  });

  async function predictLine(b: Build, line: string, tag: string, ...extra: string[]): Promise<{ log: string; pcrs: Record<string, Record<string, string>>; complete: boolean; notes: string[] }> {
    const vars = join(tmp.path, `${tag}-vars.fd`);
    copyFileSync(b.vars, vars);
    const out = join(tmp.path, `${tag}.bin`);
    const l = line.replace('file=CODE', `file=${b.code}`).replace('file=VARS', `file=${vars}`).replaceAll('file=DISK', `file=${disk}`);
    // no --fw-cfg-from-qemu: QEMU 7.2's virt ACPI blobs modelled where the build measures them
    const r = await runCli('predict', '--qemu-cmdline', l, '--json', '--log-out', out, ...extra);
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { complete: boolean; pcrs: Record<string, Record<string, string>>; notes: string[] };
    return { log: toHex(readFileSync(out)), pcrs: j.pcrs, complete: j.complete, notes: j.notes };
  }

  function expectVector(p: { log: string; pcrs: Record<string, Record<string, string>>; complete: boolean }, v: { json: VectorJson; log: string }): void {
    expect(p.complete).to.equal(true);
    expect(p.log).to.equal(v.log);
    for (const bank of Object.keys(v.json.pcrs)) for (let i = 0; i < 8; i++) expect(p.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(v.json.pcrs[bank]?.[String(i)]);
  }

  const tools = (b: Build): string[] => (b.fwCfg ? ['qemu-system-aarch64', 'swtpm'] : []);

  for (const [build, name, what] of SHAPES) {
    it(`${build} ${name}: ${what}: predict --qemu-cmdline = the real boot, byte for byte, PCRs 0-7 of every bank`, async function () {
      const b = BUILDS[build];
      if (b === undefined) throw new Error(build);
      requirePrerequisites(this, { files: [b.code, b.vars], hint: b.hint });
      const v = load(build, name);
      expectVector(await predictLine(b, v.json.userCommandLine, `${build}-${name}`), v);
    });
  }

  it("predict --libvirt-xml of an aarch64 domain (libvirt 9.0's line: NIC and disk behind root ports, bootindex=1 on the disk) = the real boot of that line, 2022.11 and 2025.02", async function () {
    const xml = readFileSync(new URL('../../../qemu-config/test/fixtures/virt-aarch64-disk-net.xml', import.meta.url), 'utf8');
    for (const build of ['debian-12-2022.11', 'debian-13-2025.02'] as const) {
      const b = BUILDS[build];
      if (b === undefined) throw new Error(build);
      requirePrerequisites(this, { files: [b.code, b.vars], tools: tools(b), hint: b.hint });
      const vars = join(tmp.path, `libvirt-${build}-vars.fd`);
      copyFileSync(b.vars, vars);
      const file = join(tmp.path, `libvirt-${build}.xml`);
      writeFileSync(file, xml.replace('/usr/share/AAVMF/AAVMF_CODE.fd', b.code).replace('/var/lib/libvirt/qemu/nvram/arm-vm_VARS.fd', vars).replace('/var/lib/libvirt/images/arm-vm.img', disk));
      const out = join(tmp.path, `libvirt-${build}.bin`);
      const r = await runCli('predict', '--libvirt-xml', file, ...(b.fwCfg ? ['--fw-cfg-from-qemu'] : []), '--json', '--log-out', out);
      expect(r.status, r.err).to.equal(0);
      const j = JSON.parse(r.out) as { complete: boolean; pcrs: Record<string, Record<string, string>> };
      expectVector({ log: toHex(readFileSync(out)), pcrs: j.pcrs, complete: j.complete }, load(build, 'libvirt'));
    }
  });

  it('--tpm swtpm gives the same for a NIC (2022.11) and an NVMe disk (2026.08)', async function () {
    for (const [build, name] of [['debian-12-2022.11', 'nic'], ['debian-sid-2026.08', 'nvme']] as const) {
      const b = BUILDS[build];
      if (b === undefined) throw new Error(build);
      requirePrerequisites(this, { files: [b.code, b.vars], tools: ['swtpm'], hint: b.hint });
      const v = load(build, name);
      expectVector(await predictLine(b, v.json.userCommandLine, `${build}-${name}-swtpm`, '--tpm', 'swtpm'), v);
    }
  });

  it('predict --nic virtio-net-pci and --disk FILE --disk-interface nvme|scsi|virtio (flags) give the same logs', async function () {
    const cases = [
      ['debian-12-2022.11', 'nic', ['--nic', 'virtio-net-pci']],
      ['debian-13-2025.02', 'disk', ['--disk', disk]],
      ['debian-sid-2026.08', 'nvme', ['--disk', disk, '--disk-interface', 'nvme']],
      ['debian-sid-2026.08', 'scsi', ['--disk', disk, '--disk-interface', 'scsi']],
    ] as const;
    for (const [build, name, flags] of cases) {
      const b = BUILDS[build];
      if (b === undefined) throw new Error(build);
      requirePrerequisites(this, { files: [b.code, b.vars], hint: b.hint });
      const out = join(tmp.path, `flags-${build}-${name}.bin`);
      const r = await runCli('predict', '--code', b.code, '--vars', b.vars, '--memory', '1024', ...flags, '--log-out', out);
      expect(r.status, `${build} ${name}: ${r.err}`).to.equal(0);
      expect(toHex(readFileSync(out)), `${build} ${name}`).to.equal(load(build, name).log);
    }
  });

  it('capture --qemu-cmdline of a device line (sid, NVMe) reproduces its vector and its prediction check (the line\'s disk) passes', async function () {
    const b = BUILDS['debian-sid-2026.08'];
    if (b === undefined) throw new Error('build');
    requirePrerequisites(this, { files: [b.code, b.vars], tools: ['qemu-system-aarch64', 'swtpm', 'swtpm_setup'], hint: b.hint });
    const v = load('debian-sid-2026.08', 'nvme');
    const vars = join(tmp.path, 'cap-vars.fd');
    copyFileSync(b.vars, vars);
    const line = v.json.userCommandLine.replace('file=CODE', `file=${b.code}`).replace('file=VARS', `file=${vars}`).replaceAll('file=DISK', `file=${disk}`);
    const dir = join(tmp.path, 'cap');
    const r = await runCli('capture', '--qemu-cmdline', line, '--stop-when', 'BdsDxe: starting Boot', '--out', dir, '--json');
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { checks: { name: string; ok: boolean; detail: string }[] };
    expect(j.checks.every((c) => c.ok), JSON.stringify(j.checks)).to.equal(true);
    expect(j.checks.find((c) => c.name === 'prediction = captured log')?.detail).to.match(/byte for byte: true/);
    expect(toHex(readFileSync(join(dir, 'eventlog.bin')))).to.equal(v.log);
  });

  it("Secure Boot on (AAVMF_VARS.ms.fd) with a NIC: complete, iPXE's unsigned x64 ROM image refused and not measured (no PCR2 event; real boots: predict-armvirt-secboot.spec.ts)", async function () {
    const b = BUILDS['debian-13-2025.02'];
    if (b === undefined) throw new Error('build');
    const ms = b.vars.replace('AAVMF_VARS.fd', 'AAVMF_VARS.ms.fd');
    requirePrerequisites(this, { files: [b.code, ms], hint: b.hint });
    const out = join(tmp.path, 'ms-nic.bin');
    const r = await runCli('predict', '--code', b.code, '--vars', ms, '--nic', 'virtio-net-pci', '--json', '--log-out', out);
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { complete: boolean; notes: string[] };
    expect(j.notes.join('\n')).to.match(/image refused by Secure Boot \(EFI_ACCESS_DENIED: unsigned image/);
    expect(j.notes.join('\n')).to.not.match(/INCOMPLETE: Secure Boot/);
    expect(decodeEventLog(new Uint8Array(readFileSync(out))).events.some((e) => e.eventType === EV.EFI_BOOT_SERVICES_DRIVER)).to.equal(false);
  });

  it('--disk-interface sata on virt is a usage error naming it; --nic e1000 the real e1000 boot (docs/armvirt.md §15)', async function () {
    const b = BUILDS['debian-12-2022.11'];
    if (b === undefined) throw new Error('build');
    requirePrerequisites(this, { files: [b.code, b.vars], hint: b.hint });
    const r = await runCli('predict', '--code', b.code, '--vars', b.vars, '--disk', disk, '--disk-interface', 'sata');
    expect(r.status, r.err).to.equal(2);
    expect(r.err).to.match(/--disk-interface sata/);
    const out = join(tmp.path, 'flags-e1000.bin');
    const e = await runCli('predict', '--code', b.code, '--vars', b.vars, '--memory', '1024', '--nic', 'e1000', '--log-out', out);
    expect(e.status, e.err).to.equal(0);
    expect(toHex(readFileSync(out))).to.equal(toHex(readFileSync(join(VECTORS, 'debian-12-2022.11', 'shape-e1000-eventlog.bin'))));
  });
});
