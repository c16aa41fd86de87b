import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromHex } from '@tcg2sim/binary-codec';
import { CaptureError, SWTPM_CTRL, readActiveBanks, readAllPcrs, swtpmControl, swtpmTransmit } from '@tcg2sim/platform-ovmf';
import { requirePrerequisites, tempDir } from '@tcg2sim/test-support';

// TPM2_Startup(TPM_SU_CLEAR) (TPM 2.0 Part 3 §9.3).
const STARTUP_CLEAR = fromHex('80010000000c000001440000');

describe('swtpm control and data channels (a real swtpm, no QEMU)', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir> | undefined;
  let ctrl = '';
  let data = '';
  let swtpm: ChildProcess | undefined;

  before(async function () {
    requirePrerequisites(this, { tools: ['swtpm'] });
    tmp = tempDir('tcg2sim-swtpm-client-');
    ctrl = join(tmp.path, 'ctrl.sock');
    data = join(tmp.path, 'data.sock');
    mkdirSync(join(tmp.path, 'state'));
    swtpm = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${join(tmp.path, 'state')}`,
      '--ctrl', `type=unixio,path=${ctrl}`, '--server', `type=unixio,path=${data}`], { stdio: 'ignore' });
    for (let i = 0; i < 250 && !(existsSync(ctrl) && existsSync(data)); i++) await sleep(20);
    await swtpmControl(ctrl, SWTPM_CTRL.INIT, new Uint8Array(4));
    await swtpmTransmit(data, STARTUP_CLEAR);
  });

  after(() => {
    swtpm?.kill('SIGKILL');
    tmp?.remove();
  });

  it('lists the banks a fresh libtpms state allocates: sha1, sha256, sha384, sha512', async () => {
    expect(await readActiveBanks(data)).to.deep.equal([0x0004, 0x000b, 0x000c, 0x000d]);
  });

  it('reads all 24 PCRs of every bank with their PC Client reset values (0-16 and 23 zero, 17-22 all ones)', async () => {
    const pcrs = await readAllPcrs(data);
    expect(Object.keys(pcrs)).to.deep.equal(['sha1', 'sha256', 'sha384', 'sha512']);
    const sizes: Record<string, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
    for (const [bank, values] of Object.entries(pcrs)) {
      const n = sizes[bank] ?? 0;
      expect(Object.keys(values)).to.have.length(24);
      for (let i = 0; i < 24; i++) {
        expect(values[String(i)], `${bank} PCR ${i}`).to.equal((i >= 17 && i <= 22 ? 'ff' : '00').repeat(n));
      }
    }
  });

  it('turns a TPM error response into a CaptureError with code SWTPM_ERROR', async () => {
    try {
      await swtpmTransmit(data, STARTUP_CLEAR); // a second Startup is TPM_RC_INITIALIZE
      expect.fail('expected a CaptureError');
    } catch (e) {
      expect(e).to.be.instanceOf(CaptureError);
      expect((e as CaptureError).code).to.equal('SWTPM_ERROR');
    }
  });
});
