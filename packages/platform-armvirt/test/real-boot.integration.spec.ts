/**
 * A live ArmVirtQemu boot: qemu-system-aarch64 -M virt under TCG with swtpm behind tpm-tis-device,
 * captured by captureArmVirtBoot, against the prediction of the same VM (swtpm backend): the log
 * byte for byte, PCRs 0-7 of every bank, and the firmware's TPM command stream command by command.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { RealClock } from '@tcg2sim/ptp';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import { TPM_CC } from '@tcg2sim/tpm2-command-lib';
import { captureArmVirtBoot, predictArmVirt } from '@tcg2sim/platform-armvirt';
import type { CaptureResult, Prediction } from '@tcg2sim/platform-ovmf';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { AAVMF_CODE, AAVMF_VARS, loadVector } from './vectors.ts';
import { expectCaptured } from './expect-captured.ts';

describe('prediction = live ArmVirtQemu boot (qemu-system-aarch64 -M virt, tpm-tis-device, swtpm; 1024 MiB, 1 CPU) @integration', function () {
  this.timeout(600_000);
  let real: CaptureResult;
  let ours: Prediction;

  before(async function () {
    requirePrerequisites(this, { tools: ['qemu-system-aarch64', 'swtpm'], files: [AAVMF_CODE, AAVMF_VARS], hint: 'apt-get install -y qemu-system-arm qemu-efi-aarch64 swtpm' });
    real = await captureArmVirtBoot({ code: AAVMF_CODE, vars: AAVMF_VARS, machine: { memoryMiB: 1024, cpus: 1 }, timeoutSeconds: 500 });
    const backend = await SwtpmBackend.start({});
    try {
      ours = await predictArmVirt({
        code: new Uint8Array(readFileSync(AAVMF_CODE)), vars: new Uint8Array(readFileSync(AAVMF_VARS)), machine: { memoryMiB: 1024, cpus: 1 }, backend, clock: new RealClock(),
      });
    } finally {
      await backend.close();
    }
  });

  it('finds the log in guest RAM above 0x40000000 and stops at the Shell', () => {
    expect(real.eventLogAddress).to.be.greaterThanOrEqual(0x4000_0000);
    expect(real.eventLogAddress).to.be.lessThan(0x8000_0000);
    expect(real.bootEndReached).to.equal('shell-banner');
  });

  it('predicts every event with its data and the PCRs 0-7 of every bank the real TPM has', () => {
    expectCaptured(ours, { eventLog: real.eventLog, pcrs: Object.fromEntries(Object.entries(real.pcrs)) });
  });

  it('boots as the committed capture of the same shape did (the vector is reproducible)', () => {
    expect(toHex(real.eventLog)).to.equal(toHex(loadVector('m1024c1all').eventLog));
  });

  it('a second boot from the store the first left (NorFlashDxe formatted it): predicted byte for byte', async function () {
    const after = real.varsAfter;
    if (after === undefined) throw new Error('the capture kept no variable store');
    const dir = tempDir('tcg2sim-armvirt-');
    try {
      const used = join(dir.path, 'vars-after-boot.fd');
      writeFileSync(used, after);
      const second = await captureArmVirtBoot({ code: AAVMF_CODE, vars: used, machine: { memoryMiB: 1024, cpus: 1 }, timeoutSeconds: 500 });
      const backend = new SoftTpmBackend({});
      try {
        const p = await predictArmVirt({ code: new Uint8Array(readFileSync(AAVMF_CODE)), vars: after, machine: { memoryMiB: 1024, cpus: 1 }, backend });
        expect(p.boot.notes.some((n) => n.includes('NorFlashDxe'))).to.equal(true);
        expectCaptured(p, { eventLog: second.eventLog, pcrs: Object.fromEntries(Object.entries(second.pcrs)) });
      } finally {
        await backend.close();
      }
    } finally {
      dir.remove();
    }
  });

  it("sends the TPM the firmware's commands and gets its responses (the random platform auth aside)", () => {
    const firmware = (real.tpmCommandStream ?? []).filter((c) => c.origin === 'firmware' && c.commandCode !== 0xf1);
    expect(firmware.length).to.be.greaterThan(0);
    const mine = ours.boot.exchanges.map((e) => ({ command: toHex(e.command), response: toHex(e.response) }));
    expect(mine.length).to.equal(firmware.length);
    firmware.forEach((c, i) => {
      const o = mine[i];
      if (Number.parseInt(c.command.slice(12, 20), 16) === TPM_CC.HierarchyChangeAuth) {
        expect(o?.command.length, `command ${i} (${c.name})`).to.equal(c.command.length);
        return;
      }
      expect(o?.command, `command ${i} (${c.name})`).to.equal(c.command);
      expect(o?.response, `response ${i} (${c.name})`).to.equal(c.response);
    });
  });
});
