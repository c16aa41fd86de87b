import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, diffEventLogs } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { RealClock } from '@tcg2sim/ptp';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import { TPM_CC } from '@tcg2sim/tpm2-command-lib';
import { MachineDescription, captureBoot, predict } from '@tcg2sim/platform-ovmf';
import type { CaptureResult, Prediction } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';

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

/** The store the first shape's boot left: the second-boot describe below boots from it. */
let storeAfterFirstBoot: Uint8Array | undefined;

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
      if (shape === SHAPES[0]) storeAfterFirstBoot = real.varsAfter;
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

    it("sends the TPM the firmware's commands and gets its responses (swtpm; the random platform auth aside)", () => {
      const firmware = (real.tpmCommandStream ?? []).filter((c) => c.origin === 'firmware' && c.commandCode !== 0xf1);
      expect(firmware.length).to.be.greaterThan(0);
      const ours = swtpm.boot.exchanges.map((e) => ({ command: toHex(e.command), response: toHex(e.response) }));
      expect(ours.length).to.equal(firmware.length);
      firmware.forEach((c, i) => {
        const o = ours[i];
        if (Number.parseInt(c.command.slice(12, 20), 16) === TPM_CC.HierarchyChangeAuth) {
          expect(o?.command.length, `command ${i} (${c.name})`).to.equal(c.command.length);
          return;
        }
        expect(o?.command, `command ${i} (${c.name})`).to.equal(c.command);
        expect(o?.response, `response ${i} (${c.name})`).to.equal(c.response);
      });
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

// A second boot from the store the first (512 MiB, TIS) left: BDS's and Tcg2ConfigDxe's variables
// exist, which moves the Shell's buffer (USED_STORE_IMAGE_BUFFER_SHIFT).
describe('prediction = real IA32 OVMF boot from the store an earlier boot left (q35 + SMM, tpm-tis, 512 MiB) @integration', function () {
  this.timeout(400_000);
  let real: CaptureResult;
  let ours: Prediction;
  const tmp = tempDir('tcg2sim-ia32-');

  before(async function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'], files: [CODE, VARS], hint: 'apt-get install -y ovmf-ia32' });
    if (storeAfterFirstBoot === undefined) throw new Error('the first IA32 boot left no variable store');
    const used = join(tmp.path, 'vars-after-boot.fd');
    writeFileSync(used, storeAfterFirstBoot);
    real = await captureBoot({ code: CODE, vars: used, machine: 'q35', smm: true, memoryMiB: 512, tpmInterface: 'tis', timeoutSeconds: 300 });
    const backend = new SoftTpmBackend({});
    try {
      ours = await predict({
        code: readFileSync(CODE), vars: storeAfterFirstBoot, machine: MachineDescription.parse({ machine: 'q35', memoryMiB: 512, smm: true }), tpmInterface: 'tis', backend,
      });
    } finally {
      await backend.close();
    }
  });
  after(() => {
    tmp.remove();
  });

  it('predicts the event log byte for byte, and the soft TPM holds the replayed PCRs', () => {
    const d = diffEventLogs(decodeEventLog(ours.boot.eventLog), decodeEventLog(real.eventLog));
    expect(d.divergence?.explanation ?? 'equal').to.equal('equal');
    expect(toHex(ours.boot.eventLog)).to.equal(toHex(real.eventLog));
    expect(ours.mismatches).to.deep.equal([]);
    expect(ours.boot.notes).to.include('image buffer address: calibrated for this firmware build and machine (variable store left by an earlier boot to the Shell)');
  });
});
