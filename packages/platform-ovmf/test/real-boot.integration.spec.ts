import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, diffEventLogs } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { RealClock } from '@tcg2sim/ptp';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import { TPM_CC } from '@tcg2sim/tpm2-command-lib';
import { MachineDescription, captureBoot, predict, replayWithTpm2Eventlog } from '@tcg2sim/platform-ovmf';
import type { CaptureResult, Prediction } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';

interface BootConfig {
  readonly name: string;
  readonly code: string;
  readonly vars: string;
  readonly machine: 'q35' | 'pc';
  readonly memoryMiB: number;
  readonly tpmInterface: 'tis' | 'crb';
  readonly banks?: readonly ('sha1' | 'sha256' | 'sha384' | 'sha512')[];
  readonly smm?: boolean;
  /** Boot a combined OVMF.fd (VARS + CODE concatenated, as OVMF's build makes it) with -bios. */
  readonly bios?: boolean;
}

// The real boots of the predict issue: q35 and pc, TIS and CRB, several RAM sizes, a SHA256-only
// TPM, and q35 + SMM + the Secure Boot image with Microsoft keys enrolled (Secure Boot on).
const CONFIGS: readonly BootConfig[] = [
  { name: 'q35, tpm-tis, 512 MiB, OVMF_CODE_4M', code: 'OVMF_CODE_4M.fd', vars: 'OVMF_VARS_4M.fd', machine: 'q35', memoryMiB: 512, tpmInterface: 'tis' },
  { name: 'q35, tpm-crb, 2048 MiB, OVMF_CODE_4M', code: 'OVMF_CODE_4M.fd', vars: 'OVMF_VARS_4M.fd', machine: 'q35', memoryMiB: 2048, tpmInterface: 'crb' },
  { name: 'q35, tpm-tis, 1024 MiB, SHA256-only swtpm', code: 'OVMF_CODE_4M.fd', vars: 'OVMF_VARS_4M.fd', machine: 'q35', memoryMiB: 1024, tpmInterface: 'tis', banks: ['sha256'] },
  { name: 'q35 + SMM, secboot image, MS keys (Secure Boot on)', code: 'OVMF_CODE_4M.secboot.fd', vars: 'OVMF_VARS_4M.ms.fd', machine: 'q35', memoryMiB: 512, tpmInterface: 'tis', smm: true },
  { name: 'pc, tpm-tis, 512 MiB, OVMF_CODE (2 MB, X64 PEI)', code: 'OVMF_CODE.fd', vars: 'OVMF_VARS.fd', machine: 'pc', memoryMiB: 512, tpmInterface: 'tis' },
  { name: 'pc, tpm-crb, 1536 MiB, OVMF_CODE (2 MB)', code: 'OVMF_CODE.fd', vars: 'OVMF_VARS.fd', machine: 'pc', memoryMiB: 1536, tpmInterface: 'crb' },
  // Debian's combined image is /usr/share/ovmf/OVMF.fd (variable store + code, 2 MB).
  { name: 'pc, -bios /usr/share/ovmf/OVMF.fd (combined 2 MB image)', code: 'OVMF_CODE.fd', vars: 'OVMF_VARS.fd', machine: 'pc', memoryMiB: 512, tpmInterface: 'tis', bios: true },
];

const HIERARCHY_CHANGE_AUTH = TPM_CC.HierarchyChangeAuth;

function commandCode(hex: string): number {
  return Number.parseInt(hex.slice(12, 20), 16);
}

for (const cfg of CONFIGS) {
  describe(`prediction = real OVMF boot: ${cfg.name} @integration`, function () {
    this.timeout(300_000);
    const code = join(OVMF_DIR, cfg.code);
    const vars = join(OVMF_DIR, cfg.vars);
    let real: CaptureResult;
    let ours: Prediction;
    let soft: Prediction;
    const tmp = tempDir('tcg2sim-realboot-');

    before(async function () {
      requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup', 'tpm2_eventlog'], files: [code, vars] });
      let codeBytes = readFileSync(code);
      let varsBytes = readFileSync(vars);
      let firmware: { code: string; vars: string } | { bios: string } = { code, vars };
      if (cfg.bios === true) {
        const bios = '/usr/share/ovmf/OVMF.fd';
        requirePrerequisites(this, { files: [bios] });
        const combined = readFileSync(bios);
        firmware = { bios };
        codeBytes = combined;
        varsBytes = combined;
      }
      real = await captureBoot({
        ...firmware, machine: cfg.machine, memoryMiB: cfg.memoryMiB, tpmInterface: cfg.tpmInterface, timeoutSeconds: 240,
        ...(cfg.banks ? { banks: cfg.banks } : {}), ...(cfg.smm === true ? { smm: true } : {}),
      });
      const backend = await SwtpmBackend.start(cfg.banks ? { pcrBanks: cfg.banks } : {});
      try {
        ours = await predict({
          code: codeBytes,
          vars: varsBytes,
          machine: MachineDescription.parse({ machine: cfg.machine, memoryMiB: cfg.memoryMiB, smm: cfg.smm === true }),
          tpmInterface: cfg.tpmInterface,
          backend,
          clock: new RealClock(),
        });
      } finally {
        await backend.close();
      }
      const softBackend = new SoftTpmBackend(cfg.banks ? { banks: cfg.banks } : {});
      try {
        soft = await predict({
          code: codeBytes,
          vars: varsBytes,
          machine: MachineDescription.parse({ machine: cfg.machine, memoryMiB: cfg.memoryMiB, smm: cfg.smm === true }),
          tpmInterface: cfg.tpmInterface,
          backend: softBackend,
        });
      } finally {
        await softBackend.close();
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

    it('predicts the same log with the in-process soft TPM, and the soft TPM holds the replayed PCRs', () => {
      expect(toHex(soft.boot.eventLog)).to.equal(toHex(real.eventLog));
      expect(soft.mismatches).to.deep.equal([]);
    });

    it("replays to the PCRs the real TPM holds after the boot (PCR 0-7, every allocated bank)", () => {
      const replayed: Record<string, Record<string, string>> = {};
      for (const [alg, m] of ours.replay.banks) replayed[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
      for (const [bank, values] of Object.entries(real.pcrs)) {
        for (let i = 0; i <= 7; i++) expect(replayed[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
      }
      expect(ours.mismatches).to.deep.equal([]);
    });

    for (const which of ['swtpm', 'soft TPM'] as const) {
    it(`sends the TPM the same commands as the firmware, and gets the same responses (${which}; random platform auth aside)`, () => {
      const firmware = (real.tpmCommandStream ?? []).filter((c) => c.origin === 'firmware' && c.commandCode !== 0xf1);
      const run = which === 'swtpm' ? ours : soft;
      const oursHex = run.boot.exchanges.map((e) => ({ command: toHex(e.command), response: toHex(e.response) }));
      expect(oursHex.length).to.equal(firmware.length);
      firmware.forEach((c, i) => {
        const o = oursHex[i];
        if (commandCode(c.command) === HIERARCHY_CHANGE_AUTH) {
          expect(o?.command.length, `command ${i} (${c.name})`).to.equal(c.command.length);
          return;
        }
        expect(o?.command, `command ${i} (${c.name})`).to.equal(c.command);
        expect(o?.response, `response ${i} (${c.name})`).to.equal(c.response);
      });
    });
    }

    it('writes a log tpm2_eventlog parses to the same PCRs', async () => {
      const file = join(tmp.path, 'ours.bin');
      writeFileSync(file, ours.boot.eventLog);
      const r = await replayWithTpm2Eventlog(file);
      expect(r.eventCount).to.equal(ours.log.events.length);
      for (const [bank, values] of Object.entries(real.pcrs)) {
        for (let i = 0; i <= 7; i++) expect(r.pcrs[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
      }
    });
  });
}
