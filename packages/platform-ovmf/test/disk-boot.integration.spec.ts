import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { EV, decodeEventLog, diffEventLogs, replayEventLog } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { bytesDiskSource, findDiskBootLoader, getVariable } from '@tcg2sim/uefi';
import {
  BM_AUTO_CREATE_BOOT_OPTION_GUID, LOAD_OPTION, MachineDescription, captureBoot, encodeBootOption, expandedDiskLoaderPath, predict, virtioDiskOption,
} from '@tcg2sim/platform-ovmf';
import type { CaptureResult, Prediction } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, buildEfiApplication, buildEspDisk, guidToBytes, requirePrerequisites, tempDir } from '@tcg2sim/test-support';

const EFI_GLOBAL_VARIABLE = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';

interface DiskBootConfig {
  readonly name: string;
  readonly code: string;
  readonly vars: string;
  readonly machine: 'q35' | 'pc';
  readonly smm?: boolean;
  readonly memoryMiB?: number;
  readonly tpmInterface?: 'tis' | 'crb';
  readonly banks?: readonly ('sha1' | 'sha256' | 'sha384' | 'sha512')[];
  /** The ESP's FAT type (FatDxe's cache sizes, and so the buffer address, depend on it). */
  readonly fat: 'FAT12' | 'FAT16' | 'FAT32';
  /** A Linux partition after the ESP (each partition moves the loader's buffer). */
  readonly rootPartition?: boolean;
  /** Secure Boot on: the unsigned loader is denied and never measured. */
  readonly secureBoot?: boolean;
  /** BOOTX64.EFI is not a PE image: BDS skips it as Not Found and boots the Shell. */
  readonly junkLoader?: boolean;
}

const CONFIGS: readonly DiskBootConfig[] = [
  { name: 'q35, OVMF_CODE_4M, FAT32 ESP + Linux partition', code: 'OVMF_CODE_4M.fd', vars: 'OVMF_VARS_4M.fd', machine: 'q35', fat: 'FAT32', rootPartition: true },
  { name: 'pc, OVMF_CODE (2 MB), 1536 MiB, tpm-crb, SHA256-only swtpm, FAT12 ESP', code: 'OVMF_CODE.fd', vars: 'OVMF_VARS.fd', machine: 'pc', memoryMiB: 1536, tpmInterface: 'crb', banks: ['sha256'], fat: 'FAT12' },
  { name: 'q35 + SMM, secboot image, MS keys (Secure Boot on, unsigned loader), FAT16 ESP', code: 'OVMF_CODE_4M.secboot.fd', vars: 'OVMF_VARS_4M.ms.fd', machine: 'q35', smm: true, secureBoot: true, fat: 'FAT16' },
  { name: 'q35, OVMF_CODE_4M, FAT32 ESP whose BOOTX64.EFI is not a PE image', code: 'OVMF_CODE_4M.fd', vars: 'OVMF_VARS_4M.fd', machine: 'q35', fat: 'FAT32', junkLoader: true },
];

/** Our own loader: a PE32+ application of ~100 KiB (page-granular buffer) that parks the CPU. */
function loader(): Uint8Array {
  const body = new Uint8Array(100 * 1024);
  body.set([0xf4, 0xeb, 0xfd]);
  for (let i = 3; i < body.length; i++) body[i] = (i * 37) & 0xff;
  return buildEfiApplication(body);
}

for (const cfg of CONFIGS) {
  describe(`prediction = real OVMF boot from a virtio-blk GPT disk: ${cfg.name} @integration`, function () {
    this.timeout(300_000);
    const code = join(OVMF_DIR, cfg.code);
    const vars = join(OVMF_DIR, cfg.vars);
    const tmp = tempDir('tcg2sim-diskboot-');
    const bootFile = cfg.junkLoader === true ? new Uint8Array(100 * 1024).map((_, i) => (i * 131 + 7) & 0xff) : loader();
    const disk = buildEspDisk({
      extraPartition: cfg.rootPartition === true,
      fatType: cfg.fat,
      files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: bootFile }, { path: 'EFI/debian/grub.cfg', data: new Uint8Array(10) }],
    });
    const diskFile = join(tmp.path, 'disk.img');
    const memoryMiB = cfg.memoryMiB ?? 512;
    const tpmInterface = cfg.tpmInterface ?? 'tis';
    const machine = MachineDescription.parse({ machine: cfg.machine, memoryMiB, smm: cfg.smm === true });
    let real: CaptureResult;
    let ours: Prediction;

    before(async function () {
      requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'], files: [code, vars] });
      writeFileSync(diskFile, disk);
      real = await captureBoot({
        code, vars, machine: cfg.machine, memoryMiB, tpmInterface, timeoutSeconds: 120,
        ...(cfg.smm === true ? { smm: true } : {}),
        ...(cfg.banks !== undefined ? { banks: cfg.banks } : {}),
        // The loader never returns: stop as soon as BDS starts it (its image event is logged by then).
        ...(cfg.secureBoot === true || cfg.junkLoader === true ? {} : { stopWhen: 'BdsDxe: starting Boot0002' }),
        extraQemuArgs: ['-drive', `if=virtio,format=raw,file=${diskFile}`],
      });
      const backend = new SoftTpmBackend(cfg.banks !== undefined ? { banks: cfg.banks } : {});
      try {
        ours = await predict({
          code: readFileSync(code),
          vars: readFileSync(vars),
          machine,
          tpmInterface,
          backend,
          disk: findDiskBootLoader(bytesDiskSource(disk)),
        });
      } finally {
        await backend.close();
      }
    });
    after(() => {
      tmp.remove();
    });

    it('predicts the event log byte for byte', () => {
      const d = diffEventLogs(decodeEventLog(ours.boot.eventLog), decodeEventLog(real.eventLog));
      expect(d.divergence?.explanation ?? 'equal').to.equal('equal');
      expect(toHex(ours.boot.eventLog)).to.equal(toHex(real.eventLog));
    });

    it('replays to the PCRs the real TPM holds (PCR 0-7, every bank), and the soft TPM agrees', () => {
      const replay = replayEventLog(decodeEventLog(real.eventLog));
      for (const [alg, m] of replay.banks) {
        const bank = hashAlgInfo(alg).name;
        for (let i = 0; i <= 7; i++) expect(toHex(m.get(i) ?? new Uint8Array(m.get(0)?.length ?? 0)), `${bank} PCR${i}`).to.equal(real.pcrs[bank]?.[String(i)]);
      }
      for (const [alg, m] of ours.replay.banks) {
        const bank = hashAlgInfo(alg).name;
        for (let i = 0; i <= 7; i++) expect(toHex(m.get(i) ?? new Uint8Array(m.get(0)?.length ?? 0)), `${bank} PCR${i}`).to.equal(real.pcrs[bank]?.[String(i)]);
      }
      expect(ours.mismatches).to.deep.equal([]);
    });

    it('registers the disk as Boot0002 "UEFI Misc Device" between the DVD-ROM and the Shell, as the firmware wrote it', () => {
      const after = real.varsAfter;
      if (after === undefined) throw new Error('no variable store after the boot');
      expect(toHex(getVariable(after, 'BootOrder', EFI_GLOBAL_VARIABLE)?.data ?? new Uint8Array())).to.equal('0000010002000300');
      const option = encodeBootOption({
        number: 2, attributes: LOAD_OPTION.ACTIVE, ...virtioDiskOption(machine), optionalData: guidToBytes(BM_AUTO_CREATE_BOOT_OPTION_GUID), target: { kind: 'disk' },
      });
      expect(toHex(getVariable(after, 'Boot0002', EFI_GLOBAL_VARIABLE)?.data ?? new Uint8Array())).to.equal(toHex(option));
    });

    if (cfg.junkLoader === true) {
      it('skips the disk option as Not Found without measuring the GPT, then boots the Shell', () => {
        expect(decodeEventLog(real.eventLog).events.some((e) => e.eventType === EV.EFI_GPT_EVENT)).to.equal(false);
        expect(real.serialLog).to.match(/failed to load Boot0002 "UEFI Misc Device".*Not Found/);
        expect(real.bootEndReached).to.equal('shell-banner');
      });
    } else if (cfg.secureBoot === true) {
      it('does not measure the GPT or the unsigned loader (Secure Boot denies it first) and goes on to the Shell', () => {
        const log = decodeEventLog(real.eventLog);
        expect(log.events.some((e) => e.eventType === EV.EFI_GPT_EVENT)).to.equal(false);
        expect(real.serialLog).to.match(/failed to load Boot0002 "UEFI Misc Device".*Access Denied/);
        expect(ours.boot.notes.some((n) => n.includes('EFI_ACCESS_DENIED'))).to.equal(true);
      });
    } else {
      it('ends with PCR5 GPT (the disk\'s header and its used entries) then PCR4 for the loader at PciRoot/Pci/HD(1,GPT,…)/\\EFI\\BOOT\\BOOTX64.EFI', () => {
        const events = decodeEventLog(real.eventLog).events;
        const [gpt, image] = events.slice(-2);
        expect(gpt?.pcrIndex).to.equal(5);
        expect(gpt?.eventType).to.equal(EV.EFI_GPT_EVENT);
        expect(toHex(gpt?.eventData.subarray(0, 92) ?? new Uint8Array())).to.equal(toHex(disk.subarray(512, 512 + 92)));
        expect(gpt?.eventData.length).to.equal(92 + 8 + (cfg.rootPartition === true ? 2 : 1) * 128);
        expect(image?.pcrIndex).to.equal(4);
        expect(image?.eventType).to.equal(EV.EFI_BOOT_SERVICES_APPLICATION);
        const l = findDiskBootLoader(bytesDiskSource(disk));
        const path = expandedDiskLoaderPath(machine, {
          partitionNumber: 1, partitionStart: l.partition.startingLba, partitionSize: l.partition.endingLba - l.partition.startingLba + 1n, partitionGuid: l.partition.uniqueGuid, filePath: l.path,
        });
        expect(toHex(image?.eventData.subarray(32) ?? new Uint8Array())).to.equal(toHex(path.raw));
        expect(ours.boot.endState).to.match(/^started Boot0002/);
      });
    }
  });
}
