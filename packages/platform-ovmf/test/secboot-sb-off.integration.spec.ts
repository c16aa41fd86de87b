import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { MachineDescription, captureBoot, predict } from '@tcg2sim/platform-ovmf';
import type { CaptureResult, Prediction } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites } from '@tcg2sim/test-support';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.secboot.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const MS_VARS = join(OVMF_DIR, 'OVMF_VARS_4M.ms.fd');

function shellBufferAddress(log: Uint8Array): bigint | undefined {
  const shell = decodeEventLog(log).events.find((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
  if (shell === undefined) return undefined;
  return new DataView(shell.eventData.buffer, shell.eventData.byteOffset).getBigUint64(0, true);
}

async function predictWith(vars: string): Promise<Prediction> {
  const backend = new SoftTpmBackend({});
  try {
    return await predict({
      code: readFileSync(CODE), vars: readFileSync(vars), machine: MachineDescription.parse({ machine: 'q35', memoryMiB: 512, smm: true }),
      tpmInterface: 'tis', backend,
    });
  } finally {
    await backend.close();
  }
}

// The secboot build's Shell calibration was measured with Secure Boot on (Microsoft keys). With
// Debian's key-less OVMF_VARS_4M.fd the Shell's buffer sits 0x144000 higher (docs/dxe-allocations.md
// §3), so predict must not call that address calibrated.
describe('secboot image with Secure Boot off: the Shell buffer is not the calibrated one, and the note says so @integration', function () {
  this.timeout(400_000);
  let real: CaptureResult;
  let ours: Prediction;

  before(async function () {
    requirePrerequisites(this, { files: [CODE, VARS, MS_VARS] });
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'] });
    real = await captureBoot({ code: CODE, vars: VARS, machine: 'q35', smm: true, memoryMiB: 512, tpmInterface: 'tis', timeoutSeconds: 300 });
    ours = await predictWith(VARS);
  });

  it('a real boot puts the Shell buffer 0x144000 above the Secure-Boot-on calibration; predict notes the store is outside it', () => {
    const top = 0x20000000n - 16n * 1024n * 1024n; // 512 MiB less the 16 MiB TSEG
    expect(shellBufferAddress(real.eventLog)?.toString(16)).to.equal((top - 0x1d2bfe8n).toString(16));
    expect(shellBufferAddress(ours.boot.eventLog)?.toString(16)).to.equal((top - 0x1e6ffe8n).toString(16));
    expect(ours.boot.notes.filter((n) => n.startsWith('image buffer address:'))).to.deep.equal([
      "image buffer address: not calibrated for this variable store's Secure Boot state (measured with Secure Boot on, this store has it off; ImageLocationInMemory is the calibrated value; use --image-buffer-address)",
    ]);
  });

  it('with the Microsoft keys (the calibrated state) the note calls the address calibrated', async () => {
    const ms = await predictWith(MS_VARS);
    expect(ms.boot.notes.filter((n) => n.startsWith('image buffer address:'))).to.deep.equal([
      'image buffer address: calibrated for this firmware build and machine (VARS template without TCG2 variables)',
    ]);
  });
});
