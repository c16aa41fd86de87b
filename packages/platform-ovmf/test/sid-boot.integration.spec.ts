import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, diffEventLogs, EV } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { OVMF_SMI_FEATURE_MASK, ovmfPciApertures, readQemuFwCfgFiles } from '@tcg2sim/qemu-fwcfg';
import { MachineDescription, captureBoot, decompressMemFvs, firmwareChipsetFacts, predict } from '@tcg2sim/platform-ovmf';
import type { CaptureResult, Prediction } from '@tcg2sim/platform-ovmf';
import { buildEfiApplication, buildEspDisk, requirePrerequisites, tempDir, debianOvmfDir, fetchHint } from '@tcg2sim/test-support';
import { bytesDiskSource, findDiskBootLoader } from '@tcg2sim/uefi';

interface SidConfig {
  readonly name: string;
  readonly machine: 'q35' | 'pc';
  readonly memoryMiB: number;
  readonly tpmInterface: 'tis' | 'crb';
}

// Real boots of Debian sid's ovmf-generic 2026.08 (scripts/fetch-debian-firmware.sh sid
// ovmf-generic) in the installed QEMU 7.2: no Shell is booted (an APP option), BDS signals
// ReadyToBoot once and stops at the Boot Manager Menu; SmbiosMeasurementDxe measures QEMU's
// SMBIOS tables. Predictions take QEMU's fw_cfg files (ACPI, SMBIOS) through qtest.
const CONFIGS: readonly SidConfig[] = [
  { name: 'q35, tpm-tis, 512 MiB', machine: 'q35', memoryMiB: 512, tpmInterface: 'tis' },
  { name: 'q35, tpm-crb, 1024 MiB', machine: 'q35', memoryMiB: 1024, tpmInterface: 'crb' },
  { name: 'pc, tpm-tis, 768 MiB', machine: 'pc', memoryMiB: 768, tpmInterface: 'tis' },
  { name: 'pc, tpm-crb, 2048 MiB', machine: 'pc', memoryMiB: 2048, tpmInterface: 'crb' },
];

/** fw_cfg files of the VM captureBoot starts (its devices: TPM on swtpm, -net none, a serial port). */
async function fwCfgFilesOf(cfg: SidConfig, dir: string, code: Uint8Array, smm = false, devices: readonly string[] = [], programPci = false): Promise<Map<string, Uint8Array>> {
  const chipset = firmwareChipsetFacts(decompressMemFvs(code).peiFv, cfg.machine);
  const sock = join(dir, `fwcfg-${cfg.machine}-${cfg.tpmInterface}.sock`);
  const swtpm = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${dir}`, '--ctrl', `type=unixio,path=${sock}`, '--flags', 'not-need-init'], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 250 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
    return await readQemuFwCfgFiles({
      machine: cfg.machine,
      chipset,
      // With PCI devices: the BARs and windows OVMF assigns first (docs/ovmf-pci-resources.md).
      ...(programPci ? { pci: (e820) => ovmfPciApertures({ machine: cfg.machine, belowFourG: BigInt(cfg.memoryMiB) << 20n, aboveFourG: 0n, e820, ...(chipset.pciExpressBase !== undefined ? { pciExpressBase: chipset.pciExpressBase } : {}) }) } : {}),
      // An SMM build negotiates QEMU's SMI features first, as OVMF does.
      ...(smm ? { smiFeatureMask: OVMF_SMI_FEATURE_MASK } : {}),
      args: [
        '-machine', smm ? `${cfg.machine},smm=on` : cfg.machine, '-m', String(cfg.memoryMiB), '-smp', '1',
        '-chardev', `socket,id=chrtpm,path=${sock}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', `tpm-${cfg.tpmInterface},tpmdev=tpm0`,
        '-net', 'none', '-serial', 'null', ...devices,
      ],
    });
  } finally {
    swtpm.kill();
  }
}

for (const cfg of CONFIGS) {
  describe(`prediction = real boot of Debian sid ovmf-generic 2026.08: ${cfg.name} @integration`, function () {
    this.timeout(400_000);
    const dir = debianOvmfDir('sid', 'ovmf-generic');
    const code = join(dir, 'OVMF_CODE_4M.fd');
    const vars = join(dir, 'OVMF_VARS_4M.fd');
    const tmp = tempDir('tcg2sim-sid-');
    let real: CaptureResult;
    let files: Map<string, Uint8Array>;
    const ours = new Map<'soft' | 'swtpm', Prediction>();

    before(async function () {
      requirePrerequisites(this, { files: [code, vars], hint: fetchHint('sid', 'ovmf-generic') });
      requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'] });
      real = await captureBoot({ code, vars, machine: cfg.machine, memoryMiB: cfg.memoryMiB, tpmInterface: cfg.tpmInterface, timeoutSeconds: 360 });
      files = await fwCfgFilesOf(cfg, tmp.path, readFileSync(code));
      for (const kind of ['soft', 'swtpm'] as const) {
        const backend: TpmBackend = kind === 'soft' ? new SoftTpmBackend({}) : await SwtpmBackend.start();
        try {
          ours.set(kind, await predict({
            code: readFileSync(code), vars: readFileSync(vars), machine: MachineDescription.parse({ machine: cfg.machine, memoryMiB: cfg.memoryMiB }),
            tpmInterface: cfg.tpmInterface, backend, fwCfgFiles: files,
          }));
        } finally {
          await backend.close();
        }
      }
    });
    after(() => tmp.remove());

    it('the real boot stops at the Boot Manager Menu without starting the Shell, after measuring SMBIOS', () => {
      expect(real.bootEndReached).to.equal('no-bootable-option');
      const log = decodeEventLog(real.eventLog);
      expect(log.events.some((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION)).to.equal(false);
      expect(log.events.filter((e) => e.eventType === EV.EFI_HANDOFF_TABLES && e.pcrIndex === 1)).to.have.length(1);
    });

    for (const kind of ['soft', 'swtpm'] as const) {
      it(`${kind} TPM: predicts every event with its data, byte for byte`, () => {
        const p = ours.get(kind);
        const d = diffEventLogs(decodeEventLog(p?.boot.eventLog ?? new Uint8Array()), decodeEventLog(real.eventLog), { measuredOnly: true });
        expect(d.divergence?.explanation ?? 'equal').to.equal('equal');
        expect(d.dataNotes.map((n) => n.explanation)).to.deep.equal([]);
        expect(toHex(p?.boot.eventLog ?? new Uint8Array())).to.equal(toHex(real.eventLog));
        expect(p?.boot.smbiosMeasured).to.equal(true);
      });

      it(`${kind} TPM: PCRs 0-7 of every bank equal the real TPM's`, () => {
        const p = ours.get(kind);
        const replayed: Record<string, Record<string, string>> = {};
        for (const [alg, m] of p?.replay.banks ?? []) replayed[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
        expect(Object.keys(real.pcrs)).to.have.length(4);
        for (const [bank, values] of Object.entries(real.pcrs)) {
          for (let i = 0; i <= 7; i++) expect(replayed[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
        }
        expect(p?.mismatches).to.deep.equal([]);
      });
    }
  });
}

// The secure-boot SMM image with Microsoft's keys on q35,smm=on: every event is predicted, PEIFV's
// too (its SMM PlatformPei writes RAM pointers into PEIFV: the SMM stack and IDT addresses are
// derived from PEI's page allocations and HOB list, pei-hob-list-202608.ts), the SMBIOS event
// after Tcg2Dxe's ReadyToBoot events.
describe('prediction = real boot of Debian sid ovmf-generic 2026.08 secboot (SMM, Microsoft keys): q35, tpm-tis, 512 MiB @integration', function () {
  this.timeout(400_000);
  const dir = debianOvmfDir('sid', 'ovmf-generic');
  const code = join(dir, 'OVMF_CODE_4M.secboot.fd');
  const vars = join(dir, 'OVMF_VARS_4M.ms.fd');
  const tmp = tempDir('tcg2sim-sid-sb-');
  const cfg: SidConfig = { name: 'secboot', machine: 'q35', memoryMiB: 512, tpmInterface: 'tis' };
  let real: CaptureResult;
  let ours: Prediction;

  before(async function () {
    requirePrerequisites(this, { files: [code, vars], hint: fetchHint('sid', 'ovmf-generic') });
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'] });
    real = await captureBoot({ code, vars, machine: 'q35', smm: true, memoryMiB: 512, tpmInterface: 'tis', timeoutSeconds: 360 });
    const files = await fwCfgFilesOf(cfg, tmp.path, readFileSync(code), true);
    const backend = new SoftTpmBackend({});
    try {
      ours = await predict({ code: readFileSync(code), vars: readFileSync(vars), machine: MachineDescription.parse({ machine: 'q35', memoryMiB: 512, smm: true }), tpmInterface: 'tis', backend, fwCfgFiles: files });
    } finally {
      await backend.close();
    }
  });
  after(() => tmp.remove());

  it('every event is predicted with its data, PEIFV\'s firmware blob too; PCRs 0-7 of every bank are exact', () => {
    const mine = decodeEventLog(ours.boot.eventLog).events;
    const theirs = decodeEventLog(real.eventLog).events;
    expect(mine.map((e) => [e.pcrIndex, e.eventType])).to.deep.equal(theirs.map((e) => [e.pcrIndex, e.eventType]));
    const key = (e: (typeof mine)[number] | undefined): string => JSON.stringify([e?.digests.map((d) => [d.hashAlg, toHex(d.digest)]), toHex(e?.eventData ?? new Uint8Array())]);
    const differing = mine.flatMap((e, i) => (key(e) === key(theirs[i]) ? [] : [i]));
    expect(differing).to.deep.equal([]);
    expect(theirs.at(-1)?.eventType).to.equal(EV.EFI_HANDOFF_TABLES);
    const replayed: Record<string, Record<string, string>> = {};
    for (const [alg, m] of ours.replay.banks) replayed[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
    for (const [bank, values] of Object.entries(real.pcrs)) {
      for (let i = 0; i <= 7; i++) expect(replayed[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
    }
  });
});

// A GPT disk with an ESP: BDS numbers it after "EFI Firmware Setup" (Boot0002), signals
// ReadyToBoot (SMBIOS measured first) and starts its loader, which never returns.
describe('prediction = real boot of Debian sid ovmf-generic 2026.08 from a virtio-blk GPT disk: q35, tpm-tis, 512 MiB @integration', function () {
  this.timeout(400_000);
  const dir = debianOvmfDir('sid', 'ovmf-generic');
  const code = join(dir, 'OVMF_CODE_4M.fd');
  const vars = join(dir, 'OVMF_VARS_4M.fd');
  const tmp = tempDir('tcg2sim-sid-disk-');
  const cfg: SidConfig = { name: 'disk', machine: 'q35', memoryMiB: 512, tpmInterface: 'tis' };
  const body = new Uint8Array(100 * 1024).map((_, i) => (i * 37) & 0xff);
  body.set([0xf4, 0xeb, 0xfd]);
  const disk = buildEspDisk({ fatType: 'FAT32', files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: buildEfiApplication(body) }] });
  let real: CaptureResult;
  let ours: Prediction;

  before(async function () {
    requirePrerequisites(this, { files: [code, vars], hint: fetchHint('sid', 'ovmf-generic') });
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'] });
    const diskFile = join(tmp.path, 'disk.img');
    writeFileSync(diskFile, disk);
    real = await captureBoot({
      code, vars, machine: 'q35', memoryMiB: 512, tpmInterface: 'tis', timeoutSeconds: 360,
      stopWhen: 'BdsDxe: starting Boot0002', extraQemuArgs: ['-drive', `if=virtio,format=raw,file=${diskFile}`],
    });
    const files = await fwCfgFilesOf(cfg, tmp.path, readFileSync(code), false, ['-drive', `if=virtio,format=raw,file=${diskFile}`], true);
    const backend = new SoftTpmBackend({});
    try {
      ours = await predict({
        code: readFileSync(code), vars: readFileSync(vars), machine: MachineDescription.parse({ machine: 'q35', memoryMiB: 512 }), tpmInterface: 'tis', backend,
        fwCfgFiles: files, disk: findDiskBootLoader(bytesDiskSource(disk)),
      });
    } finally {
      await backend.close();
    }
  });
  after(() => tmp.remove());

  // QEMU builds etc/acpi/tables when OVMF first reads it, after PCI enumeration: the PCI hole in
  // the DSDT follows the BARs OVMF gave the disk, programmed under qtest before the reading
  // (qemu-fwcfg ovmf-pci/, docs/ovmf-pci-resources.md).
  it('every event is predicted (the loader\'s ImageLocationInMemory aside: not calibrated); PCRs 0-7 of every bank are exact', () => {
    const mine = decodeEventLog(ours.boot.eventLog).events;
    const theirs = decodeEventLog(real.eventLog).events;
    expect(mine.map((e) => [e.pcrIndex, e.eventType])).to.deep.equal(theirs.map((e) => [e.pcrIndex, e.eventType]));
    const digests = (e: (typeof mine)[number] | undefined): string => JSON.stringify(e?.digests.map((d) => [d.hashAlg, toHex(d.digest)]));
    const differing = mine.flatMap((e, i) => (digests(e) === digests(theirs[i]) ? [] : [i]));
    expect(differing).to.deep.equal([]);
    const app = theirs.findIndex((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
    const dataDiffers = mine.flatMap((e, i) => (toHex(e.eventData) === toHex(theirs[i]?.eventData ?? new Uint8Array()) ? [] : [i]));
    expect(dataDiffers.filter((i) => i !== app)).to.deep.equal([]);
    const replayed: Record<string, Record<string, string>> = {};
    for (const [alg, m] of ours.replay.banks) replayed[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
    for (const [bank, values] of Object.entries(real.pcrs)) {
      for (let i = 0; i <= 7; i++) expect(replayed[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
    }
  });
});
