import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, diffEventLogs } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { RealClock } from '@tcg2sim/ptp';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import { MachineDescription, captureBoot, predict } from '@tcg2sim/platform-ovmf';
import type { CaptureResult, Prediction } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';

/** Debian 12's ovmf-ia32 (2022.11-6+deb12u2): IA32 PEI and DXE, SMM_REQUIRE, no keys enrolled. */
const CODE = join(OVMF_DIR, 'OVMF32_CODE_4M.secboot.fd');
const VARS = join(OVMF_DIR, 'OVMF32_VARS_4M.fd');

interface Ia32Shape {
  readonly name: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly tpmInterface: 'tis' | 'crb';
  readonly banks?: readonly ('sha1' | 'sha256' | 'sha384' | 'sha512')[];
}

// The SMM build needs q35 with SMM and secure pflash (captureBoot's smm). The shapes cover what
// the IA32 model depends on: RAM size and TPM interface, a SHA256-only TPM (no TCG 1.2 log
// area) and a second CPU (both move the Shell's buffer, ImageLocationInMemory).
const SHAPES: readonly Ia32Shape[] = [
  { name: 'q35 + SMM, tpm-tis, 512 MiB, 1 CPU, all banks', memoryMiB: 512, cpus: 1, tpmInterface: 'tis' },
  { name: 'q35 + SMM, tpm-crb, 1024 MiB, 1 CPU, all banks', memoryMiB: 1024, cpus: 1, tpmInterface: 'crb' },
  { name: 'q35 + SMM, tpm-tis, 2048 MiB, 2 CPUs, SHA256-only', memoryMiB: 2048, cpus: 2, tpmInterface: 'tis', banks: ['sha256'] },
];

for (const shape of SHAPES) {
  describe(`prediction = real IA32 OVMF boot (OVMF32_CODE_4M.secboot.fd): ${shape.name} @integration`, function () {
    this.timeout(400_000);
    let real: CaptureResult;
    let swtpm: Prediction;
    let soft: Prediction;

    before(async function () {
      requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'], files: [CODE, VARS], hint: 'apt-get install -y ovmf-ia32' });
      const banks = shape.banks ? { banks: shape.banks } : {};
      real = await captureBoot({
        code: CODE, vars: VARS, machine: 'q35', smm: true, memoryMiB: shape.memoryMiB, cpus: shape.cpus,
        tpmInterface: shape.tpmInterface, timeoutSeconds: 300, ...banks,
      });
      const code = readFileSync(CODE);
      const vars = readFileSync(VARS);
      const machine = MachineDescription.parse({ machine: 'q35', memoryMiB: shape.memoryMiB, cpus: shape.cpus, smm: true });
      const backend = await SwtpmBackend.start(shape.banks ? { pcrBanks: shape.banks } : {});
      try {
        swtpm = await predict({ code, vars, machine, tpmInterface: shape.tpmInterface, backend, clock: new RealClock() });
      } finally {
        await backend.close();
      }
      const softBackend = new SoftTpmBackend(banks);
      try {
        soft = await predict({ code, vars, machine, tpmInterface: shape.tpmInterface, backend: softBackend });
      } finally {
        await softBackend.close();
      }
    });

    it('predicts the event log byte for byte (swtpm and the soft TPM)', () => {
      const d = diffEventLogs(decodeEventLog(swtpm.boot.eventLog), decodeEventLog(real.eventLog));
      expect(d.divergence?.explanation ?? 'equal').to.equal('equal');
      expect(toHex(swtpm.boot.eventLog)).to.equal(toHex(real.eventLog));
      expect(toHex(soft.boot.eventLog)).to.equal(toHex(real.eventLog));
    });

    it('writes the Spec ID event with uintnSize 1 (UINT32, IA32 DXE)', () => {
      expect(decodeEventLog(real.eventLog).specId?.uintnSize).to.equal(1);
      expect(swtpm.log.specId?.uintnSize).to.equal(1);
    });

    it('replays to the PCRs the real TPM holds (PCR 0-7, every allocated bank), and so do both simulated TPMs', () => {
      for (const p of [swtpm, soft]) {
        const replayed: Record<string, Record<string, string>> = {};
        for (const [alg, m] of p.replay.banks) replayed[hashAlgInfo(alg).name] = Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]));
        expect(Object.keys(replayed).sort()).to.deep.equal(Object.keys(real.pcrs).sort());
        for (const [bank, values] of Object.entries(real.pcrs)) {
          for (let i = 0; i <= 7; i++) expect(replayed[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(values[String(i)]);
        }
        expect(p.mismatches).to.deep.equal([]);
      }
    });
  });
}
