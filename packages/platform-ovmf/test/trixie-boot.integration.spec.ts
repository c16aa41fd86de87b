import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, diffEventLogs, EV } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { readQemuFwCfgFiles } from '@tcg2sim/qemu-fwcfg';
import { MachineDescription, captureBoot, decompressMemFvs, firmwareChipsetFacts, predict } from '@tcg2sim/platform-ovmf';
import type { CaptureResult, Prediction } from '@tcg2sim/platform-ovmf';
import { requirePrerequisites, tempDir, debianOvmfDir, fetchHint } from '@tcg2sim/test-support';

interface TrixieConfig {
  readonly name: string;
  readonly machine: 'q35' | 'pc';
  readonly memoryMiB: number;
  readonly tpmInterface: 'tis' | 'crb';
}

// Real boots of Debian trixie's OVMF 2025.02 (scripts/fetch-debian-firmware.sh trixie) in the
// installed QEMU, against predictions whose ACPI blobs come from the same QEMU through qtest.
const CONFIGS: readonly TrixieConfig[] = [
  { name: 'q35, tpm-tis, 512 MiB', machine: 'q35', memoryMiB: 512, tpmInterface: 'tis' },
  { name: 'q35, tpm-crb, 1024 MiB', machine: 'q35', memoryMiB: 1024, tpmInterface: 'crb' },
  { name: 'pc, tpm-tis, 768 MiB', machine: 'pc', memoryMiB: 768, tpmInterface: 'tis' },
];

/** fw_cfg files of the VM captureBoot starts (its devices: TPM on swtpm, -net none, a serial port). */
async function fwCfgFilesOf(cfg: TrixieConfig, dir: string, code: Uint8Array): Promise<Map<string, Uint8Array>> {
  const sock = join(dir, `fwcfg-${cfg.machine}-${cfg.tpmInterface}.sock`);
  const swtpm = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${dir}`, '--ctrl', `type=unixio,path=${sock}`, '--flags', 'not-need-init'], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 250 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
    return await readQemuFwCfgFiles({
      machine: cfg.machine,
      // The chipset state read from the image (PlatformPei's PCIEXBAR value), not a table.
      chipset: firmwareChipsetFacts(decompressMemFvs(code).peiFv, cfg.machine),
      args: [
        '-machine', cfg.machine, '-m', String(cfg.memoryMiB), '-smp', '1',
        '-chardev', `socket,id=chrtpm,path=${sock}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', `tpm-${cfg.tpmInterface},tpmdev=tpm0`,
        '-net', 'none', '-serial', 'null',
      ],
    });
  } finally {
    swtpm.kill();
  }
}

for (const cfg of CONFIGS) {
  describe(`prediction = real boot of Debian trixie OVMF 2025.02: ${cfg.name} @integration`, function () {
    this.timeout(300_000);
    const dir = debianOvmfDir('trixie');
    const code = join(dir, 'OVMF_CODE_4M.fd');
    const vars = join(dir, 'OVMF_VARS_4M.fd');
    const tmp = tempDir('tcg2sim-trixie-');
    let real: CaptureResult;
    let ours: Prediction;

    before(async function () {
      requirePrerequisites(this, { files: [code, vars], hint: fetchHint('trixie') });
      requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'] });
      real = await captureBoot({ code, vars, machine: cfg.machine, memoryMiB: cfg.memoryMiB, tpmInterface: cfg.tpmInterface, timeoutSeconds: 240 });
      const fwCfgFiles = await fwCfgFilesOf(cfg, tmp.path, readFileSync(code));
      const backend = new SoftTpmBackend({});
      try {
        ours = await predict({
          code: readFileSync(code),
          vars: readFileSync(vars),
          machine: MachineDescription.parse({ machine: cfg.machine, memoryMiB: cfg.memoryMiB }),
          tpmInterface: cfg.tpmInterface,
          backend,
          fwCfgFiles,
        });
      } finally {
        await backend.close();
      }
    });
    after(() => tmp.remove());

    it('predicts every measurement; the event data differ only in the Shell\'s ImageLocationInMemory (not calibrated for this build)', () => {
      const d = diffEventLogs(decodeEventLog(ours.boot.eventLog), decodeEventLog(real.eventLog), { measuredOnly: true });
      expect(d.divergence?.explanation ?? 'equal').to.equal('equal');
      expect(d.dataNotes.map((n) => n.explanation).join('; ')).to.match(/^(event \d+ \(PCR4 EV_EFI_BOOT_SERVICES_APPLICATION\) data differs at byte \d+ \(imageLocationInMemory\)[^;]*)?$/);
    });

    it('predicts the log byte for byte given the Shell\'s buffer address', async () => {
      const shell = decodeEventLog(real.eventLog).events.find((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
      const address = new DataView((shell?.eventData ?? new Uint8Array(8)).buffer, shell?.eventData.byteOffset ?? 0).getBigUint64(0, true);
      const backend = new SoftTpmBackend({});
      try {
        const again = await predict({
          code: readFileSync(code), vars: readFileSync(vars), machine: MachineDescription.parse({ machine: cfg.machine, memoryMiB: cfg.memoryMiB }),
          tpmInterface: cfg.tpmInterface, backend, fwCfgFiles: await fwCfgFilesOf(cfg, tmp.path, readFileSync(code)), imageBufferAddress: () => address,
        });
        expect(toHex(again.boot.eventLog)).to.equal(toHex(real.eventLog));
      } finally {
        await backend.close();
      }
    });

    it('replays to the PCRs the real TPM holds (PCR 0-7, every bank), and the soft TPM holds them too', () => {
      const replayed: Record<string, Record<string, string>> = {};
      for (const [alg, m] of ours.replay.banks) replayed[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
      expect(Object.keys(real.pcrs)).to.have.length(4);
      for (const [bank, values] of Object.entries(real.pcrs)) {
        for (let i = 0; i <= 7; i++) expect(replayed[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
      }
      expect(ours.mismatches).to.deep.equal([]);
    });
  });
}
