import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, diffEventLogs } from '@tcg2sim/event-log';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import {
  MachineDescription, captureBoot, calibrationPointOfImage, decompressMemFvs, readFirmwareVersionString, predict, qemuTpm2Table, qemuTpmLogAddress, storeHistory,
} from '@tcg2sim/platform-ovmf';
import type { CaptureResult, Prediction } from '@tcg2sim/platform-ovmf';
import { snapshotVariables } from '@tcg2sim/uefi';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const MACHINE = MachineDescription.parse({ machine: 'q35', memoryMiB: 512 });

async function predictSoft(code: Uint8Array, vars: Uint8Array): Promise<Prediction> {
  const backend = new SoftTpmBackend({});
  try {
    return await predict({ code, vars, machine: MACHINE, tpmInterface: 'tis', backend });
  } finally {
    await backend.close();
  }
}

function tpm2Tables(c: CaptureResult): string[] {
  return c.acpiTables.filter((t) => t.signature === 'TPM2').map((t) => toHex(t.bytes));
}

// Two real boots (q35, OVMF_CODE_4M.fd, tpm-tis, 512 MiB): the first from a fresh
// OVMF_VARS_4M.fd, the second from the store the first left. Between them the Shell's
// ImageLocationInMemory and the TPM2 table's LASA move (TCG2_VERSION and BDS's variables exist).
describe('prediction = real OVMF boot from a variable store an earlier boot left @integration', function () {
  this.timeout(600_000);
  const code = (): Uint8Array => new Uint8Array(readFileSync(CODE));
  let first: CaptureResult;
  let second: CaptureResult;
  let used: Uint8Array;
  const tmp = tempDir('tcg2sim-usedstore-');

  before(async function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'], files: [CODE, VARS] });
    first = await captureBoot({ code: CODE, vars: VARS, machine: 'q35', memoryMiB: 512, tpmInterface: 'tis', timeoutSeconds: 240 });
    if (first.varsAfter === undefined) throw new Error('the first boot returned no variable store');
    used = first.varsAfter;
    const usedFile = join(tmp.path, 'vars-after-first-boot.fd');
    writeFileSync(usedFile, used);
    second = await captureBoot({ code: CODE, vars: usedFile, machine: 'q35', memoryMiB: 512, tpmInterface: 'tis', timeoutSeconds: 240 });
  });

  after(() => {
    tmp.remove();
  });

  it('calls the store the first boot left booted', () => {
    const snap = snapshotVariables(used);
    expect(storeHistory((n, g) => snap.get(n, g)?.data)).to.deep.equal({ kind: 'booted', tcg2VersionStored: true, missing: [] });
  });

  it('predicts the second boot byte for byte, the Shell event included, and says the address is calibrated', async () => {
    const ours = await predictSoft(code(), used);
    const d = diffEventLogs(decodeEventLog(ours.boot.eventLog), decodeEventLog(second.eventLog));
    expect(d.divergence?.explanation ?? 'equal').to.equal('equal');
    expect(toHex(ours.boot.eventLog)).to.equal(toHex(second.eventLog));
    expect(ours.boot.notes.filter((n) => n.startsWith('image buffer address:'))).to.deep.equal([
      'image buffer address: calibrated for this firmware build and machine (variable store left by an earlier boot to the Shell)',
    ]);
  });

  it('would have missed the second boot with the fresh-store model: the two real logs differ', async () => {
    const fresh = await predictSoft(code(), new Uint8Array(readFileSync(VARS)));
    expect(toHex(fresh.boot.eventLog)).to.equal(toHex(first.eventLog));
    expect(toHex(first.eventLog)).to.not.equal(toHex(second.eventLog));
  });

  it("builds both boots' TPM2 tables byte for byte, the log area moved by TCG2_VERSION included", () => {
    const sec = decompressMemFvs(code());
    const build = calibrationPointOfImage(sec, readFirmwareVersionString(sec.peiFv.volume, sec.dxeFv.volume));
    const table = (tcg2VersionStored: boolean): string =>
      toHex(qemuTpm2Table({ tpmInterface: 'tis', logAreaAddress: qemuTpmLogAddress(MACHINE, build, tcg2VersionStored) }));
    expect(tpm2Tables(first)).to.not.deep.equal([]);
    expect(tpm2Tables(second)).to.not.deep.equal([]);
    for (const t of tpm2Tables(first)) expect(t).to.equal(table(false));
    for (const t of tpm2Tables(second)) expect(t).to.equal(table(true));
  });
});
