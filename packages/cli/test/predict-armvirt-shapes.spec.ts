/**
 * VM shapes of `virt` users have (docs/armvirt.md §15) against real boots: GICv3 (`gic-version=3`,
 * and `max`, which is GICv3 under TCG), a machine without ACPI (`-no-acpi`: QEMU offers no
 * etc/table-loader, PlatformHasAcpiDtDxe installs the device tree and nothing of QEMU's ACPI data
 * is measured), and a SATA disk on an added AHCI controller (ich9-ahci + ide-hd: ArmVirtQemu has
 * no AHCI or ATA driver, so nothing of it is measured; 2022.11's Shell buffer sits a page lower), and
 * e1000/e1000e NICs (their ROM's x64 iPXE image measured in PCR2, no driver binds them: no network
 * options). Each committed capture in platform-armvirt's test/vectors/<build>/shape-* (the
 * user's qemu-system-aarch64 line with CODE, VARS and DISK placeholders, the log taken from guest RAM and
 * swtpm's PCRs) is predicted with `predict --qemu-cmdline` of the same line, without
 * `--fw-cfg-from-qemu` (QEMU 7.2's virt ACPI blobs modelled for the builds that measure them; one
 * GICv3 boot and the libvirt domain also with the flag, QEMU's own blobs): the log byte for byte
 * and PCRs 0-7 of every bank.
 */
import { expect } from 'chai';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog } from '@tcg2sim/event-log';
import { AARCH64_PARK, MACHINE_AARCH64, buildEfiApplication, buildEspDisk, requirePrerequisites, tempDir, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const VECTORS = fileURLToPath(new URL('../../../platform-armvirt/test/vectors/', import.meta.url));

interface Build {
  readonly code: string;
  readonly vars: string;
  readonly hint: string;
  /** The build measures QEMU's ACPI blobs: predict reads them from the installed QEMU. */
  readonly fwCfg: boolean;
}

const AAVMF = (dist: string): string => join(CACHE, dist, 'qemu-efi-aarch64/usr/share/AAVMF');
const BUILDS: Readonly<Record<string, Build>> = {
  'debian-12-2022.11': { code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.fd', hint: 'apt-get install -y qemu-efi-aarch64', fwCfg: false },
  'debian-13-2025.02': { code: join(AAVMF('debian-trixie'), 'AAVMF_CODE.secboot.fd'), vars: join(AAVMF('debian-trixie'), 'AAVMF_VARS.fd'), hint: 'run scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64', fwCfg: true },
  'debian-sid-2026.08': { code: join(AAVMF('debian-sid'), 'AAVMF_CODE.secboot.fd'), vars: join(AAVMF('debian-sid'), 'AAVMF_VARS.fd'), hint: 'run scripts/fetch-debian-firmware.sh sid qemu-efi-aarch64', fwCfg: true },
};

/** The captured shapes: build, vector name, what the VM has. */
const SHAPES: ReadonlyArray<readonly [string, string, string]> = [
  ['debian-12-2022.11', 'gic3', '-machine virt,gic-version=3 (nothing of QEMU\'s ACPI measured by this build; the Shell where it is without)'],
  ['debian-12-2022.11', 'noacpi', '-no-acpi'],
  ['debian-13-2025.02', 'gic3', '-machine virt,gic-version=3: another MADT and IORT, so other "ACPI DATA" for etc/acpi/tables'],
  ['debian-13-2025.02', 'noacpi', '-no-acpi: no etc/table-loader, no "ACPI DATA" events'],
  ['debian-sid-2026.08', 'gicmax', '-machine virt,gic-version=max -cpu max (GICv3 under TCG)'],
  ['debian-sid-2026.08', 'noacpi', '-no-acpi'],
  ['debian-13-2025.02', 'm4096c4-gic3max', '-machine virt,gic-version=3 -cpu max -m 4096 -smp 4: RAM above 4 GiB, four GICCs, GICv3'],
  ['debian-sid-2026.08', 'virt72-m3072c8', '-machine virt-7.2,gic-version=2 -m 3072 -smp 8: GICv2\'s eight CPUs'],
  ['debian-12-2022.11', 'sata', 'ich9-ahci with a SATA disk (ide-hd): no option, nothing measured, the Shell a page lower'],
  ['debian-13-2025.02', 'sata', 'ich9-ahci with a SATA disk: the boot of the VM without it'],
  ['debian-12-2022.11', 'e1000', 'an e1000 NIC: efi-e1000.rom\'s x64 image in PCR2, no network options, then the Shell'],
  ['debian-12-2022.11', 'e1000e', 'an e1000e NIC'],
  ['debian-13-2025.02', 'e1000', 'an e1000 NIC: the ROM image in PCR2'],
  ['debian-13-2025.02', 'e1000e', 'an e1000e NIC'],
  ['debian-13-2025.02', 'e1000e-disk', 'a virtio-blk disk at 01.0 and an e1000e NIC at 02.0: ROM image, GPT event, BOOTAA64.EFI'],
  ['debian-sid-2026.08', 'e1000', 'an e1000 NIC'],
  ['debian-sid-2026.08', 'e1000e-max', 'an e1000e NIC with -cpu max: NetworkPkg runs (RNDR) but drives no Intel NIC, so no network options'],
];

interface VectorJson {
  readonly userCommandLine: string;
  readonly pcrs: Record<string, Record<string, string>>;
}

interface Predicted { readonly log: string; readonly pcrs: Record<string, Record<string, string>>; readonly complete: boolean; readonly notes: string[] }

describe('cli: GICv3, -no-acpi, SATA and e1000(e) NICs on qemu-system-aarch64 -M virt against real boots @integration', function () {
  this.timeout(240_000);
  const tmp = tempDir('tcg2sim-armvirt-shapes-');
  after(() => tmp.remove());
  const disk = join(tmp.path, 'aa64-disk.img');
  before(() => writeFileSync(disk, buildEspDisk({ files: [{ path: 'EFI/BOOT/BOOTAA64.EFI', data: buildEfiApplication(AARCH64_PARK, 0x10000000n, MACHINE_AARCH64) }] })));

  const load = (build: string, name: string): { json: VectorJson; log: string } => ({
    json: JSON.parse(readFileSync(join(VECTORS, build, `shape-${name}-pcrs.json`), 'utf8')) as VectorJson,
    log: toHex(readFileSync(join(VECTORS, build, `shape-${name}-eventlog.bin`))),
  });

  async function predictLine(b: Build, line: string, tag: string, fwCfg: boolean, ...extra: string[]): Promise<Predicted> {
    const vars = join(tmp.path, `${tag}-vars.fd`);
    copyFileSync(b.vars, vars);
    const out = join(tmp.path, `${tag}.bin`);
    const l = line.replace('file=CODE', `file=${b.code}`).replace('file=VARS', `file=${vars}`).replaceAll('file=DISK', `file=${disk}`);
    const r = await runCli('predict', '--qemu-cmdline', l, ...(fwCfg ? ['--fw-cfg-from-qemu'] : []), '--json', '--log-out', out, ...extra);
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { complete: boolean; pcrs: Record<string, Record<string, string>>; notes: string[] };
    return { log: toHex(readFileSync(out)), pcrs: j.pcrs, complete: j.complete, notes: j.notes };
  }

  function expectVector(p: Predicted, v: { json: VectorJson; log: string }): void {
    expect(p.complete, p.notes.join('\n')).to.equal(true);
    expect(p.log).to.equal(v.log);
    for (const bank of Object.keys(v.json.pcrs)) for (let i = 0; i < 8; i++) expect(p.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(v.json.pcrs[bank]?.[String(i)]);
  }

  const tools = (b: Build): string[] => (b.fwCfg ? ['qemu-system-aarch64', 'swtpm'] : []);
  const buildOf = (name: string): Build => {
    const b = BUILDS[name];
    if (b === undefined) throw new Error(name);
    return b;
  };

  for (const [build, name, what] of SHAPES) {
    it(`${build} ${name}: ${what}: predict --qemu-cmdline (no QEMU: the ACPI blobs modelled) = the real boot, byte for byte, PCRs 0-7 of every bank`, async function () {
      const b = buildOf(build);
      requirePrerequisites(this, { files: [b.code, b.vars], hint: b.hint });
      expectVector(await predictLine(b, load(build, name).json.userCommandLine, `${build}-${name}`, false), load(build, name));
    });
  }

  it('the GICv3 boots differ from the GICv2 boot of the same VM in PCR1 only where the build measures QEMU\'s ACPI data (2025.02: etc/acpi/tables)', () => {
    const pcr1 = (build: string, file: string): string | undefined => (JSON.parse(readFileSync(join(VECTORS, build, file), 'utf8')) as VectorJson).pcrs['sha256']?.['1'];
    expect(pcr1('debian-13-2025.02', 'shape-gic3-pcrs.json')).to.not.equal(pcr1('debian-13-2025.02', 'secboot-m1024c1all-pcrs.json'));
    expect(readFileSync(join(VECTORS, 'debian-12-2022.11', 'shape-gic3-eventlog.bin')).equals(readFileSync(join(VECTORS, 'debian-12-2022.11', 'm1024c1all-eventlog.bin')))).to.equal(true);
    // without ACPI the four "ACPI DATA" events are gone and nothing else changes
    const events = (build: string, file: string): number => decodeEventLog(readFileSync(join(VECTORS, build, file))).events.length;
    expect(events('debian-13-2025.02', 'shape-noacpi-eventlog.bin')).to.equal(events('debian-13-2025.02', 'secboot-m1024c1all-eventlog.bin') - 4);
  });

  it('-no-acpi needs no QEMU: without --fw-cfg-from-qemu the 2025.02 prediction is complete and the real boot, soft TPM and swtpm', async function () {
    const b = buildOf('debian-13-2025.02');
    requirePrerequisites(this, { files: [b.code, b.vars], tools: ['swtpm'], hint: b.hint });
    const v = load('debian-13-2025.02', 'noacpi');
    const p = await predictLine(b, v.json.userCommandLine, 'noacpi-noqemu', false);
    expectVector(p, v);
    expect(p.notes.join('\n')).to.match(/PlatformHasAcpiDtDxe: QEMU offers no etc\/table-loader/);
    expectVector(await predictLine(b, v.json.userCommandLine, 'noacpi-swtpm', false, '--tpm', 'swtpm'), v);
  });

  it('gic-version=3 with --tpm swtpm and --fw-cfg-from-qemu (2025.02: QEMU\'s own blobs) gives the same', async function () {
    const b = buildOf('debian-13-2025.02');
    requirePrerequisites(this, { files: [b.code, b.vars], tools: tools(b), hint: b.hint });
    const v = load('debian-13-2025.02', 'gic3');
    expectVector(await predictLine(b, v.json.userCommandLine, 'gic3-swtpm', true, '--tpm', 'swtpm'), v);
  });

  it('gic-version=3 without --fw-cfg-from-qemu on a build that measures QEMU\'s ACPI data: the GICv3 tables modelled, complete', async function () {
    const b = buildOf('debian-13-2025.02');
    requirePrerequisites(this, { files: [b.code, b.vars], hint: b.hint });
    const p = await predictLine(b, load('debian-13-2025.02', 'gic3').json.userCommandLine, 'gic3-nofwcfg', false);
    expect(p.complete, p.notes.join('\n')).to.equal(true);
    expect(p.notes.join('\n')).to.match(/QEMU 7\.2's ACPI tables \(modelled\).*\(GICv3\)/);
  });

  it('the SATA boots: 2025.02 is byte for byte the boot without the AHCI controller; 2022.11 differs in the Shell\'s buffer only', () => {
    const log = (build: string, file: string): Buffer => readFileSync(join(VECTORS, build, file));
    expect(log('debian-13-2025.02', 'shape-sata-eventlog.bin').equals(log('debian-13-2025.02', 'secboot-m1024c1all-eventlog.bin'))).to.equal(true);
    const sata = decodeEventLog(log('debian-12-2022.11', 'shape-sata-eventlog.bin')).events;
    const none = decodeEventLog(log('debian-12-2022.11', 'm1024c1all-eventlog.bin')).events;
    expect(sata.map((e) => e.digests)).to.deep.equal(none.map((e) => e.digests));
    expect(toHex(sata.at(-1)?.eventData ?? new Uint8Array())).to.not.equal(toHex(none.at(-1)?.eventData ?? new Uint8Array()));
  });

  it('an e1000 NIC on 2022.11 gets no network options (virtio-net-pci gets four) and its ROM image is another one', () => {
    const events = (name: string): ReturnType<typeof decodeEventLog>['events'] => decodeEventLog(readFileSync(join(VECTORS, 'debian-12-2022.11', `${name}-eventlog.bin`))).events;
    const e1000 = events('shape-e1000');
    const virtio = events('devices-nic');
    expect(e1000.length).to.be.lessThan(virtio.length);
    expect(toHex(e1000[9]?.digests[1]?.digest ?? new Uint8Array())).to.not.equal(toHex(virtio[9]?.digests[1]?.digest ?? new Uint8Array()));
  });

  it("predict --libvirt-xml of an aarch64 domain with <gic version='3'/> (libvirt's line: gic-version=3, NIC and disk behind root ports) = the real boot of that line (2025.02)", async function () {
    const b = buildOf('debian-13-2025.02');
    requirePrerequisites(this, { files: [b.code, b.vars], tools: tools(b), hint: b.hint });
    const xml = readFileSync(new URL('../../../qemu-config/test/fixtures/virt-aarch64-gic3.xml', import.meta.url), 'utf8');
    const vars = join(tmp.path, 'libvirt-gic3-vars.fd');
    copyFileSync(b.vars, vars);
    const file = join(tmp.path, 'libvirt-gic3.xml');
    writeFileSync(file, xml.replace('/usr/share/AAVMF/AAVMF_CODE.fd', b.code).replace('/var/lib/libvirt/qemu/nvram/arm-vm_VARS.fd', vars).replace('/var/lib/libvirt/images/arm-vm.img', disk));
    const out = join(tmp.path, 'libvirt-gic3.bin');
    const r = await runCli('predict', '--libvirt-xml', file, '--fw-cfg-from-qemu', '--json', '--log-out', out);
    expect(r.status, r.err).to.equal(0);
    const j = JSON.parse(r.out) as { complete: boolean; pcrs: Record<string, Record<string, string>>; notes: string[] };
    expectVector({ log: toHex(readFileSync(out)), pcrs: j.pcrs, complete: j.complete, notes: j.notes }, load('debian-13-2025.02', 'libvirt-gic3'));
  });

  it('what stays unmodelled is refused by name (exit 2, one line): gic-version=host, gic-version=4, bootindex on a SATA disk, NIC models other than virtio-net-pci, e1000 and e1000e', async () => {
    const base = load('debian-13-2025.02', 'gic3').json.userCommandLine.replace('file=CODE', 'file=/nonexistent/CODE.fd').replace('file=VARS', 'file=/nonexistent/VARS.fd');
    for (const [l, re] of [
      [base.replace('gic-version=3', 'gic-version=host'), /gic-version=host takes the host's GIC under KVM/],
      [base.replace('gic-version=3', 'gic-version=4'), /gic-version=4 is not modelled on virt/],
      [`${base} -device ich9-ahci,id=sata -drive file=/vm/d.img,format=raw,if=none,id=d0 -device ide-hd,drive=d0,bus=sata.0,bootindex=1`, /bootindex on ide-hd on virt: a SATA boot entry is not modelled/],
      [`${base} -netdev user,id=n0 -device rtl8139,netdev=n0`, /NIC model rtl8139 on virt: not modelled \(virtio-net-pci, e1000 and e1000e are\)/],
    ] as const) {
      const r = await runCli('predict', '--qemu-cmdline', l);
      expect(r.status, r.err).to.equal(2);
      expect(r.err.trim().split('\n')).to.have.length(1);
      expect(r.err).to.match(re);
    }
  });
});
